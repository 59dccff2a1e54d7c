// The Modbus server's options, events and status, and the checks of its transport settings.
import { ConfigFieldError } from '../../config/fields';
import { DEFAULT_BIND_HOST } from './fields';
import type { Parity } from '../line/types';
import type { RemoteWrite } from './pdu';
import type { AreaSizes, AreaStarts } from './image';
import type { RegisterStore } from '../register-store/register-store';
import type { ServerProblem } from './problem';
import type { DeviceIdentification } from './device-identification';

export type ServerTransport =
  | { kind: 'tcp'; host?: string; port: number }
  | { kind: 'rtu-over-tcp'; host?: string; port: number }
  | { kind: 'rtu'; path: string; baudRate: number; parity: Parity; dataBits: 7 | 8; stopBits: 1 | 2 };

export interface ModbusServerOptions {
  /** also the identification text FC 17 (report server id) answers; "edge-gateway" when unset */
  name?: string;
  transport: ServerTransport;
  /** what FC 43/14 (read device identification) answers; unset objects take DEFAULT_DEVICE_IDENTIFICATION's */
  deviceIdentification?: Partial<DeviceIdentification>;
  /** unit ids served, each with its own image, or 'any' for one image under every unit id */
  units: number[] | 'any';
  /** registers/bits per area (default 10000 each, at most 65536) */
  sizes?: Partial<AreaSizes>;
  /** each area's first address (default 0); a request below it or past the area's end is refused with exception 02 */
  starts?: Partial<AreaStarts>;
  /** persists the holding registers (loaded at start, saved after changes) */
  store?: RegisterStore;
  /** how long after a change the store is written (default 500 ms) */
  persistDelayMs?: number;
  /** most TCP clients at once; more are refused (closed at once) so they cannot exhaust file descriptors (default 32) */
  maxConnections?: number;
  /** close a TCP client idle this long, ms; 0: never (default 120 s) */
  idleTimeoutMs?: number;
  /** per TCP client: bytes of requests held unanswered (default 256 KiB) */
  maxInputBytes?: number;
  /** per TCP client: bytes of answers the client has not taken (default 1 MiB) */
  maxOutputBytes?: number;
  /** retry backoff when the serial port is lost or cannot be opened, or the TCP port is taken (default 1 s .. 30 s) */
  reopen?: { minMs: number; maxMs: number };
}

export interface ServerWriteEvent extends RemoteWrite {
  unit: number;
}

export interface ServerStatus {
  /** serving: listening (tcp) or port open (serial) */
  serving: boolean;
  clients: number;
  requests: number;
  writes: number;
  exceptions: number;
  /** RTU frames dropped (bad CRC, junk), and TCP clients dropped for sending something that is not Modbus */
  dropped: number;
  /** TCP connections refused because maxConnections were open */
  refused: number;
  /** TCP clients closed after idleTimeoutMs without traffic */
  idleClosed: number;
  /** TCP clients closed for holding too much unanswered input or untaken output */
  overflowClosed: number;
  /** bytes of answers written to TCP clients and not yet taken by them */
  bufferedOut: number;
  lastError?: string;
  /** the last failure's code (for a status), while lastError stands */
  problem?: ServerProblem;
}

// declared with the node's fields, whose defaults they are
export { DEFAULT_BIND_HOST, DEFAULT_MAX_CONNECTIONS, DEFAULT_DEVICE_IDENTIFICATION } from './fields';

/** A server option is wrong (the node's fields are read by MODBUS_SERVER_FIELDS, their errors become this). */
export class ServerConfigError extends ConfigFieldError {
  constructor(field: string, message: string, value?: unknown) {
    super(field, value, message, 'Modbus server option ');
    this.name = 'ServerConfigError';
  }
}

export function describe(t: ServerTransport): string {
  return t.kind === 'rtu' ? `rtu:${t.path}` : `${t.kind === 'tcp' ? 'tcp' : 'rtu+tcp'}://${t.host ?? DEFAULT_BIND_HOST}:${t.port}`;
}

export function checkTransport(t: ServerTransport | undefined): void {
  if (!t || typeof t !== 'object') throw new ServerConfigError('transport', 'is required');
  if (t.kind === 'tcp' || t.kind === 'rtu-over-tcp') {
    if (!Number.isInteger(t.port) || t.port < 0 || t.port > 65535) throw new ServerConfigError('transport.port', `must be 0..65535, got ${JSON.stringify(t.port)}`);
    return;
  }
  if (t.kind === 'rtu') {
    if (typeof t.path !== 'string' || !t.path.trim()) throw new ServerConfigError('transport.path', 'is required (e.g. /dev/ttyUSB0)');
    if (!Number.isFinite(t.baudRate) || t.baudRate < 50) throw new ServerConfigError('transport.baudRate', `must be a baud rate, got ${JSON.stringify(t.baudRate)}`);
    if (!['none', 'even', 'odd'].includes(t.parity)) throw new ServerConfigError('transport.parity', `must be none, even or odd, got ${JSON.stringify(t.parity)}`);
    if (t.dataBits !== 7 && t.dataBits !== 8) throw new ServerConfigError('transport.dataBits', `must be 7 or 8, got ${JSON.stringify(t.dataBits)}`);
    if (t.stopBits !== 1 && t.stopBits !== 2) throw new ServerConfigError('transport.stopBits', `must be 1 or 2, got ${JSON.stringify(t.stopBits)}`);
    return;
  }
  throw new ServerConfigError('transport.kind', `must be tcp, rtu-over-tcp or rtu, got ${JSON.stringify((t as { kind: unknown }).kind)}`);
}

/** An optional integer option: the default when unset, else at least `min`. */
export function positiveInt(field: string, v: number | undefined, dflt: number, min: number): number {
  if (v === undefined) return dflt;
  if (!Number.isInteger(v) || v < min) throw new ServerConfigError(field, `must be an integer >= ${min}, got ${JSON.stringify(v)}`);
  return v;
}
