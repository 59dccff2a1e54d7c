// Executes one Modbus request PDU (function code + data) against a unit's register image and
// builds the response PDU, following the Modbus Application Protocol v1.1b3 (quantity limits,
// exception codes 1, 2, 3). Transport framing lives in server-framing.ts.
import type { UnitImage } from './image';

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
export const GATEWAY_TARGET_NO_RESPONSE = 11;

export function exceptionPdu(fc: number, code: number): Buffer {
  return Buffer.from([(fc | 0x80) & 0xff, code]);
}

function fail(fc: number, code: number): PduResult {
  return { response: exceptionPdu(fc, code), exception: code };
}

/** Request PDUs of these function codes write; with unit 0 on a serial line they are broadcast. */
export function isWriteFunction(fc: number): boolean {
  return fc === 5 || fc === 6 || fc === 15 || fc === 16;
}

/** Registers/coils a remote master must not write (the tag table marks them read-only). */
export interface WriteGuard {
  readOnly(area: 'coil' | 'holding', address: number, count: number): boolean;
}

/** A guard refusing writes to the given ranges (undefined when there are none). */
export function readOnlyGuard(sizes: { coil: number; holding: number }, ranges: ReadonlyArray<{ area: 'coil' | 'holding'; address: number; count: number }>): WriteGuard | undefined {
  if (ranges.length === 0) return undefined;
  const marks = { coil: new Uint8Array(sizes.coil), holding: new Uint8Array(sizes.holding) };
  for (const r of ranges) marks[r.area].fill(1, r.address, Math.min(r.address + r.count, marks[r.area].length));
  return {
    readOnly: (area, address, count) => {
      const m = marks[area];
      for (let i = address; i < address + count && i < m.length; i++) if (m[i]) return true;
      return false;
    },
  };
}

/**
 * Executes one request. With a guard, a write touching any read-only register or coil is refused
 * whole with exception 02 (illegal data address: "not writable here"), and nothing is written.
 */
export function executePdu(img: UnitImage, pdu: Buffer, guard?: WriteGuard): PduResult {
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
      const bytes = Math.ceil(count / 8);
      const out = Buffer.alloc(2 + bytes);
      out[0] = fc;
      out[1] = bytes;
      const bits = img[area];
      for (let i = 0; i < count; i++) if (bits[address + i]) out[2 + (i >> 3)] |= 1 << (i & 7);
      return { response: out };
    }
    case 3:
    case 4: {
      if (pdu.length !== 5) return fail(fc, ILLEGAL_DATA_VALUE);
      const address = pdu.readUInt16BE(1);
      const count = pdu.readUInt16BE(3);
      if (count < 1 || count > 125) return fail(fc, ILLEGAL_DATA_VALUE);
      const area = fc === 3 ? 'holding' : 'input';
      if (!img.inRange(area, address, count)) return fail(fc, ILLEGAL_DATA_ADDRESS);
      const out = Buffer.alloc(2 + 2 * count);
      out[0] = fc;
      out[1] = 2 * count;
      const regs = img[area];
      for (let i = 0; i < count; i++) out.writeUInt16BE(regs[address + i], 2 + 2 * i);
      return { response: out };
    }
    case 5: {
      if (pdu.length !== 5) return fail(fc, ILLEGAL_DATA_VALUE);
      const address = pdu.readUInt16BE(1);
      const value = pdu.readUInt16BE(3);
      if (value !== 0x0000 && value !== 0xff00) return fail(fc, ILLEGAL_DATA_VALUE);
      if (!img.inRange('coil', address, 1) || guard?.readOnly('coil', address, 1)) return fail(fc, ILLEGAL_DATA_ADDRESS);
      img.coil[address] = value ? 1 : 0;
      return { response: Buffer.from(pdu), write: { area: 'coil', address, values: [value !== 0] } };
    }
    case 6: {
      if (pdu.length !== 5) return fail(fc, ILLEGAL_DATA_VALUE);
      const address = pdu.readUInt16BE(1);
      const value = pdu.readUInt16BE(3);
      if (!img.inRange('holding', address, 1) || guard?.readOnly('holding', address, 1)) return fail(fc, ILLEGAL_DATA_ADDRESS);
      img.holding[address] = value;
      return { response: Buffer.from(pdu), write: { area: 'holding', address, values: [value] } };
    }
    case 15: {
      if (pdu.length < 6) return fail(fc, ILLEGAL_DATA_VALUE);
      const address = pdu.readUInt16BE(1);
      const count = pdu.readUInt16BE(3);
      const bytes = pdu[5];
      if (count < 1 || count > 1968 || bytes !== Math.ceil(count / 8) || pdu.length !== 6 + bytes) return fail(fc, ILLEGAL_DATA_VALUE);
      if (!img.inRange('coil', address, count) || guard?.readOnly('coil', address, count)) return fail(fc, ILLEGAL_DATA_ADDRESS);
      const values: boolean[] = [];
      for (let i = 0; i < count; i++) {
        const on = (pdu[6 + (i >> 3)] >> (i & 7)) & 1;
        img.coil[address + i] = on;
        values.push(on === 1);
      }
      return { response: Buffer.from(pdu.subarray(0, 5)), write: { area: 'coil', address, values } };
    }
    case 16: {
      if (pdu.length < 6) return fail(fc, ILLEGAL_DATA_VALUE);
      const address = pdu.readUInt16BE(1);
      const count = pdu.readUInt16BE(3);
      const bytes = pdu[5];
      if (count < 1 || count > 123 || bytes !== 2 * count || pdu.length !== 6 + bytes) return fail(fc, ILLEGAL_DATA_VALUE);
      if (!img.inRange('holding', address, count) || guard?.readOnly('holding', address, count)) return fail(fc, ILLEGAL_DATA_ADDRESS);
      const values: number[] = [];
      for (let i = 0; i < count; i++) {
        const v = pdu.readUInt16BE(6 + 2 * i);
        img.holding[address + i] = v;
        values.push(v);
      }
      return { response: Buffer.from(pdu.subarray(0, 5)), write: { area: 'holding', address, values } };
    }
    default:
      return fail(fc, ILLEGAL_FUNCTION);
  }
}
