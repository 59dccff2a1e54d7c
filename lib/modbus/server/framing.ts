// Request framing for the Modbus server: MBAP over TCP, and RTU (CRC-16) over a serial port or
// a TCP socket. RTU requests are cut by their length, which the function code determines, not
// by inter-character timing: that works on ptys and behind serial device servers, which do not
// keep the silences. A frame with a bad CRC makes the framer slide one byte and try again; bytes
// that never make a frame are dropped after a quiet period.

const CRC_TABLE = (() => {
  const t = new Uint16Array(256);
  for (let i = 0; i < 256; i++) {
    let c = i;
    for (let k = 0; k < 8; k++) c = c & 1 ? (c >>> 1) ^ 0xa001 : c >>> 1;
    t[i] = c;
  }
  return t;
})();

export function crc16(buf: Uint8Array, start = 0, end = buf.length): number {
  let crc = 0xffff;
  for (let i = start; i < end; i++) crc = (crc >>> 8) ^ CRC_TABLE[(crc ^ buf[i]) & 0xff];
  return crc;
}

/** unit + PDU + CRC (little-endian), as sent on an RTU line. */
export function rtuFrame(unit: number, pdu: Buffer): Buffer {
  const out = Buffer.alloc(pdu.length + 3);
  out[0] = unit;
  pdu.copy(out, 1);
  out.writeUInt16LE(crc16(out, 0, out.length - 2), out.length - 2);
  return out;
}

export interface RtuRequest {
  unit: number;
  pdu: Buffer;
}

/**
 * Length of the RTU request frame starting at buf[0], or 0 when more bytes are needed to tell,
 * or -1 for a function code whose request length this server does not know.
 */
function rtuRequestLength(buf: Buffer): number {
  if (buf.length < 2) return 0;
  switch (buf[1]) {
    case 1:
    case 2:
    case 3:
    case 4:
    case 5:
    case 6:
      return 8;
    case 15:
    case 16:
      return buf.length < 7 ? 0 : 9 + buf[6];
    case 7: // read exception status, no data
    case 11:
    case 12:
    case 17:
      return 4;
    case 8:
      return 8;
    case 22:
      return 10;
    case 23:
      return buf.length < 11 ? 0 : 13 + buf[10];
    default:
      return -1;
  }
}

/** Splits an RTU byte stream into CRC-checked requests. */
export class RtuRequestFramer {
  private buf: Buffer = Buffer.alloc(0);
  /** frames dropped for a bad CRC or an unknown function */
  dropped = 0;

  /** Adds received bytes; returns the complete requests found. */
  push(chunk: Buffer): RtuRequest[] {
    this.append(chunk);
    const out: RtuRequest[] = [];
    for (let r = this.next(); r; r = this.next()) out.push(r);
    return out;
  }

  /** Adds received bytes without taking requests out (see next()). */
  append(chunk: Buffer): void {
    this.buf = this.buf.length ? Buffer.concat([this.buf, chunk]) : chunk;
  }

  /**
   * The next complete request, or undefined when more bytes are needed. Taking requests one at a
   * time lets the server stop between them (a client that does not read its answers).
   */
  next(): RtuRequest | undefined {
    while (this.buf.length >= 4) {
      const len = rtuRequestLength(this.buf);
      if (len === 0) break;
      if (len < 0) {
        // a function whose request length we do not know: a frame of it is the shortest prefix
        // with a valid CRC (answered "illegal function"); with none, these bytes are junk
        const found = this.crcPrefix();
        if (found > 0) {
          const req = { unit: this.buf[0], pdu: Buffer.from(this.buf.subarray(1, found - 2)) };
          this.buf = this.buf.subarray(found);
          return req;
        }
        if (this.buf.length < 8) break; // maybe the rest is still coming
        this.slide();
        continue;
      }
      if (len > 256) {
        this.slide();
        continue;
      }
      if (this.buf.length < len) break;
      if (crc16(this.buf, 0, len - 2) === this.buf.readUInt16LE(len - 2)) {
        const req = { unit: this.buf[0], pdu: Buffer.from(this.buf.subarray(1, len - 2)) };
        this.buf = this.buf.subarray(len);
        return req;
      }
      this.slide();
    }
    // no frame can be longer than 256 bytes: more than that without one is junk
    if (this.buf.length > 512) this.reset();
    return undefined;
  }

  /** Bytes waiting for the rest of a frame. */
  pending(): number {
    return this.buf.length;
  }

  /** Drops whatever is buffered (the line went quiet with a partial or junk frame). */
  reset(): void {
    if (this.buf.length) this.dropped++;
    this.buf = Buffer.alloc(0);
  }

  private crcPrefix(): number {
    const max = Math.min(this.buf.length, 256);
    for (let n = 4; n <= max; n++) if (crc16(this.buf, 0, n - 2) === this.buf.readUInt16LE(n - 2)) return n;
    return 0;
  }

  private slide(): void {
    this.dropped++;
    this.buf = this.buf.subarray(1);
  }
}

export interface MbapRequest {
  transactionId: number;
  unit: number;
  pdu: Buffer;
}

export class MbapFramingError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'MbapFramingError';
  }
}

/** Splits a Modbus TCP byte stream into requests; throws MbapFramingError when the stream is not Modbus. */
export class MbapRequestFramer {
  private buf: Buffer = Buffer.alloc(0);

  /** Adds received bytes and takes every complete request out; throws at the first bytes that are not Modbus. */
  push(chunk: Buffer): MbapRequest[] {
    this.append(chunk);
    const out: MbapRequest[] = [];
    for (let r = this.next(); r; r = this.next()) out.push(r);
    return out;
  }

  append(chunk: Buffer): void {
    this.buf = this.buf.length ? Buffer.concat([this.buf, chunk]) : chunk;
  }

  /** Bytes received and not yet taken out as requests. */
  pending(): number {
    return this.buf.length;
  }

  /**
   * The next complete request, or undefined when more bytes are needed. Throws MbapFramingError
   * when the bytes at the head are not Modbus TCP; the requests before them were already
   * returned, so a valid request followed by garbage in one segment is still answered.
   */
  next(): MbapRequest | undefined {
    if (this.buf.length < 7) return undefined;
    const protocol = this.buf.readUInt16BE(2);
    const length = this.buf.readUInt16BE(4);
    if (protocol !== 0) throw new MbapFramingError(`protocol id ${protocol} is not Modbus (0)`);
    if (length < 2 || length > 254) throw new MbapFramingError(`MBAP length ${length} is outside 2..254`);
    if (this.buf.length < 6 + length) return undefined;
    const req = { transactionId: this.buf.readUInt16BE(0), unit: this.buf[6], pdu: Buffer.from(this.buf.subarray(7, 6 + length)) };
    this.buf = this.buf.subarray(6 + length);
    return req;
  }
}

export function mbapFrame(transactionId: number, unit: number, pdu: Buffer): Buffer {
  const out = Buffer.alloc(7 + pdu.length);
  out.writeUInt16BE(transactionId, 0);
  out.writeUInt16BE(0, 2);
  out.writeUInt16BE(pdu.length + 1, 4);
  out[6] = unit;
  pdu.copy(out, 7);
  return out;
}
