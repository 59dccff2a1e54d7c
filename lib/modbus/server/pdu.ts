// Executes one Modbus request PDU (function code + data) against a unit's register image and
// builds the response PDU, following the Modbus Application Protocol v1.1b3: its quantity
// limits, and its exceptions in its order (01 function not supported, then 03 quantity or
// request length, then 02 address, then 03 value). Transport framing lives in framing.ts.
import type { UnitImage } from './image';
import { readDeviceIdentification, type DeviceIdentification } from './device-identification';

export interface RemoteWrite {
  area: 'coil' | 'holding';
  address: number;
  values: number[] | boolean[];
}

export interface PduResult {
  response: Buffer;
  write?: RemoteWrite;
  /** the exception code answered, when the request was refused */
  exception?: number;
}

export const ILLEGAL_FUNCTION = 1;
export const ILLEGAL_DATA_ADDRESS = 2;
export const ILLEGAL_DATA_VALUE = 3;
export const SERVER_DEVICE_FAILURE = 4;
export const GATEWAY_TARGET_NO_RESPONSE = 11;

export function exceptionPdu(fc: number, code: number): Buffer {
  return Buffer.from([(fc | 0x80) & 0xff, code]);
}

function fail(fc: number, code: number): PduResult {
  return { response: exceptionPdu(fc, code), exception: code };
}

/** Request PDUs of these function codes write; with unit 0 on a serial line they are broadcast. */
export function isWriteFunction(fc: number): boolean {
  return fc === 5 || fc === 6 || fc === 15 || fc === 16 || fc === 22;
}

/** Registers/coils a remote master must not write (the tag table marks them read-only). */
export interface WriteGuard {
  readOnly(area: 'coil' | 'holding', address: number, count: number): boolean;
}

/** A guard refusing writes to the given ranges (undefined when there are none); `ends` is one past each area's last address. */
export function readOnlyGuard(ends: { coil: number; holding: number }, ranges: ReadonlyArray<{ area: 'coil' | 'holding'; address: number; count: number }>): WriteGuard | undefined {
  if (ranges.length === 0) return undefined;
  const marks = { coil: new Uint8Array(ends.coil), holding: new Uint8Array(ends.holding) };
  for (const r of ranges) marks[r.area].fill(1, r.address, Math.min(r.address + r.count, marks[r.area].length));
  return {
    readOnly: (area, address, count) => {
      const m = marks[area];
      for (let i = address; i < address + count && i < m.length; i++) if (m[i]) return true;
      return false;
    },
  };
}

/** What FC 17 (report server id) answers. */
export interface ServerIdentity {
  /** the server id byte (the unit id the request addressed) */
  serverId: number;
  /** the identification text after the run indicator */
  text: string;
  /** what FC 43 / MEI 14 (read device identification) answers; without it FC 43 is refused (01) */
  device?: DeviceIdentification;
}

/** FC 17 answers byte count, id, run indicator and text in one PDU of at most 253 bytes. */
const MAX_IDENTITY_TEXT_BYTES = 249;
const RUN_INDICATOR_ON = 0xff;

/** The text's UTF-8 bytes, cut at a character boundary so it fits. */
function identityBytes(text: string): Buffer {
  let bytes = Buffer.from(text, 'utf8');
  let chars = [...text];
  while (bytes.length > MAX_IDENTITY_TEXT_BYTES) {
    chars = chars.slice(0, -1);
    bytes = Buffer.from(chars.join(''), 'utf8');
  }
  return bytes;
}

/** Big-endian registers from a request's data, starting at byte `at`. */
function registersAt(pdu: Buffer, at: number, count: number): number[] {
  const values: number[] = [];
  for (let i = 0; i < count; i++) values.push(pdu.readUInt16BE(at + 2 * i));
  return values;
}

function readBits(img: UnitImage, fc: number, area: 'coil' | 'discrete', address: number, count: number): Buffer {
  const bytes = Math.ceil(count / 8);
  const out = Buffer.alloc(2 + bytes);
  out[0] = fc;
  out[1] = bytes;
  img.getBits(area, address, count).forEach((on, i) => {
    if (on) out[2 + (i >> 3)] |= 1 << (i & 7);
  });
  return out;
}

function readRegisters(img: UnitImage, fc: number, area: 'holding' | 'input', address: number, count: number): Buffer {
  const out = Buffer.alloc(2 + 2 * count);
  out[0] = fc;
  out[1] = 2 * count;
  img.getRegisters(area, address, count).forEach((v, i) => out.writeUInt16BE(v, 2 + 2 * i));
  return out;
}

/** Whether a remote write to area address..address+count-1 is refused (outside the image, or read-only). */
function unwritable(img: UnitImage, guard: WriteGuard | undefined, area: 'coil' | 'holding', address: number, count: number): boolean {
  return !img.inRange(area, address, count) || guard?.readOnly(area, address, count) === true;
}

/**
 * Executes one request. With a guard, a write touching any read-only register or coil is refused
 * whole with exception 02 (illegal data address: "not writable here"), and nothing is written.
 * `identity` is what FC 17 reports (default: server id 1, "edge-gateway") and FC 43/14 answers.
 */
export function executePdu(img: UnitImage, pdu: Buffer, guard?: WriteGuard, identity?: ServerIdentity): PduResult {
  if (pdu.length < 1) return fail(0, ILLEGAL_FUNCTION);
  const fc = pdu[0];
  switch (fc) {
    case 1:
    case 2: {
      if (pdu.length !== 5) return fail(fc, ILLEGAL_DATA_VALUE);
      const address = pdu.readUInt16BE(1);
      const count = pdu.readUInt16BE(3);
      if (count < 1 || count > 2000) return fail(fc, ILLEGAL_DATA_VALUE);
      const area = fc === 1 ? 'coil' : 'discrete';
      if (!img.inRange(area, address, count)) return fail(fc, ILLEGAL_DATA_ADDRESS);
      return { response: readBits(img, fc, area, address, count) };
    }
    case 3:
    case 4: {
      if (pdu.length !== 5) return fail(fc, ILLEGAL_DATA_VALUE);
      const address = pdu.readUInt16BE(1);
      const count = pdu.readUInt16BE(3);
      if (count < 1 || count > 125) return fail(fc, ILLEGAL_DATA_VALUE);
      const area = fc === 3 ? 'holding' : 'input';
      if (!img.inRange(area, address, count)) return fail(fc, ILLEGAL_DATA_ADDRESS);
      return { response: readRegisters(img, fc, area, address, count) };
    }
    case 5: {
      if (pdu.length !== 5) return fail(fc, ILLEGAL_DATA_VALUE);
      const address = pdu.readUInt16BE(1);
      const value = pdu.readUInt16BE(3);
      if (unwritable(img, guard, 'coil', address, 1)) return fail(fc, ILLEGAL_DATA_ADDRESS);
      if (value !== 0x0000 && value !== 0xff00) return fail(fc, ILLEGAL_DATA_VALUE);
      img.setBits('coil', address, [value !== 0]);
      return { response: Buffer.from(pdu), write: { area: 'coil', address, values: [value !== 0] } };
    }
    case 6: {
      if (pdu.length !== 5) return fail(fc, ILLEGAL_DATA_VALUE);
      const address = pdu.readUInt16BE(1);
      const value = pdu.readUInt16BE(3);
      if (unwritable(img, guard, 'holding', address, 1)) return fail(fc, ILLEGAL_DATA_ADDRESS);
      img.setRegisters('holding', address, [value]);
      return { response: Buffer.from(pdu), write: { area: 'holding', address, values: [value] } };
    }
    case 15: {
      if (pdu.length < 6) return fail(fc, ILLEGAL_DATA_VALUE);
      const address = pdu.readUInt16BE(1);
      const count = pdu.readUInt16BE(3);
      const bytes = pdu[5];
      if (count < 1 || count > 1968 || bytes !== Math.ceil(count / 8) || pdu.length !== 6 + bytes) return fail(fc, ILLEGAL_DATA_VALUE);
      if (unwritable(img, guard, 'coil', address, count)) return fail(fc, ILLEGAL_DATA_ADDRESS);
      const values: boolean[] = [];
      for (let i = 0; i < count; i++) values.push(((pdu[6 + (i >> 3)] >> (i & 7)) & 1) === 1);
      img.setBits('coil', address, values);
      return { response: Buffer.from(pdu.subarray(0, 5)), write: { area: 'coil', address, values } };
    }
    case 16: {
      if (pdu.length < 6) return fail(fc, ILLEGAL_DATA_VALUE);
      const address = pdu.readUInt16BE(1);
      const count = pdu.readUInt16BE(3);
      const bytes = pdu[5];
      if (count < 1 || count > 123 || bytes !== 2 * count || pdu.length !== 6 + bytes) return fail(fc, ILLEGAL_DATA_VALUE);
      if (unwritable(img, guard, 'holding', address, count)) return fail(fc, ILLEGAL_DATA_ADDRESS);
      const values = registersAt(pdu, 6, count);
      img.setRegisters('holding', address, values);
      return { response: Buffer.from(pdu.subarray(0, 5)), write: { area: 'holding', address, values } };
    }
    case 17: {
      if (pdu.length !== 1) return fail(fc, ILLEGAL_DATA_VALUE);
      const text = identityBytes(identity?.text ?? 'edge-gateway');
      const head = Buffer.from([fc, 2 + text.length, (identity?.serverId ?? 1) & 0xff, RUN_INDICATOR_ON]);
      return { response: Buffer.concat([head, text]) };
    }
    case 22: {
      if (pdu.length !== 7) return fail(fc, ILLEGAL_DATA_VALUE);
      const address = pdu.readUInt16BE(1);
      const andMask = pdu.readUInt16BE(3);
      const orMask = pdu.readUInt16BE(5);
      if (unwritable(img, guard, 'holding', address, 1)) return fail(fc, ILLEGAL_DATA_ADDRESS);
      const current = img.getRegisters('holding', address, 1)[0];
      const value = ((current & andMask) | (orMask & ~andMask)) & 0xffff;
      img.setRegisters('holding', address, [value]);
      return { response: Buffer.from(pdu), write: { area: 'holding', address, values: [value] } };
    }
    case 23: {
      if (pdu.length < 10) return fail(fc, ILLEGAL_DATA_VALUE);
      const readAddress = pdu.readUInt16BE(1);
      const readCount = pdu.readUInt16BE(3);
      const writeAddress = pdu.readUInt16BE(5);
      const writeCount = pdu.readUInt16BE(7);
      const bytes = pdu[9];
      if (readCount < 1 || readCount > 125 || writeCount < 1 || writeCount > 121 || bytes !== 2 * writeCount || pdu.length !== 10 + bytes) {
        return fail(fc, ILLEGAL_DATA_VALUE);
      }
      if (!img.inRange('holding', readAddress, readCount) || unwritable(img, guard, 'holding', writeAddress, writeCount)) return fail(fc, ILLEGAL_DATA_ADDRESS);
      // the specification has the write happen before the read
      const values = registersAt(pdu, 10, writeCount);
      img.setRegisters('holding', writeAddress, values);
      return { response: readRegisters(img, fc, 'holding', readAddress, readCount), write: { area: 'holding', address: writeAddress, values } };
    }
    case 43: {
      if (!identity?.device) return fail(fc, ILLEGAL_FUNCTION);
      const answer = readDeviceIdentification(pdu, identity.device);
      return 'exception' in answer ? fail(fc, answer.exception) : { response: answer.response };
    }
    default:
      return fail(fc, ILLEGAL_FUNCTION);
  }
}
