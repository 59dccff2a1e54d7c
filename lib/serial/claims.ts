// Which node holds which serial port, across the whole process: two nodes opening one port would
// each read half of the other's bytes (a Modbus reply eaten by an SLCAN reader), so the second is
// refused at deploy, naming both. A port is known by its real path, so /dev/serial/by-id/... and
// the /dev/ttyUSB0 it links to are one port. Kept under a global symbol so every copy of this
// module (the runtime's and a palette install's) shares the record.
import { realpathSync } from 'node:fs';
import { resolve } from 'node:path';

export interface SerialPortOwner {
  /** the node's id */
  id: string;
  /** how the error names it, e.g. `modbus-connection "line 1"` */
  label: string;
}

/** A port already held by another node; carries the port and both owners. */
export class SerialPortConflictError extends Error {
  constructor(
    readonly path: string,
    readonly holder: SerialPortOwner,
    readonly claimant: SerialPortOwner,
  ) {
    super(`serial port ${path} is already used by ${holder.label} (${holder.id}); ${claimant.label} (${claimant.id}) cannot open it too: give each node its own port, or share one config node`);
    this.name = 'SerialPortConflictError';
  }
}

export interface SerialPortClaim {
  readonly path: string;
  release(): void;
}

const KEY = Symbol.for('edgegw.serial.claims');
type ClaimSlot = { [KEY]?: Map<string, SerialPortOwner> };

function claims(): Map<string, SerialPortOwner> {
  const slot = globalThis as ClaimSlot;
  return (slot[KEY] ??= new Map());
}

/** The port's identity: its real path when it exists (links resolved), else the absolute path as given. */
export function portIdentity(path: string): string {
  const absolute = resolve(path);
  try {
    return realpathSync(absolute);
  } catch {
    return absolute;
  }
}

/** Records `owner` as the port's holder; throws SerialPortConflictError when another node holds it. */
export function claimSerialPort(path: string, owner: SerialPortOwner): SerialPortClaim {
  const identity = portIdentity(path);
  const all = claims();
  const holder = all.get(identity);
  if (holder && holder.id !== owner.id) throw new SerialPortConflictError(path === identity ? path : `${path} (${identity})`, holder, owner);
  all.set(identity, owner);
  let released = false;
  return {
    path: identity,
    release() {
      if (released) return;
      released = true;
      if (all.get(identity)?.id === owner.id) all.delete(identity);
    },
  };
}

/** The ports held now and by whom (for the port list endpoint). */
export function heldSerialPorts(): ReadonlyMap<string, SerialPortOwner> {
  return claims();
}
