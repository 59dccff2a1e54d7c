// The Lawicel / SLCAN ASCII protocol of CANable, USBtin, CANtact and many USB-CAN adapters:
// commands and frames are text lines ending in CR; an adapter answers CR for OK and BEL (0x07)
// for an error. Frames: t<iii><l><dd..> standard, T<iiiiiiii><l><dd..> extended, r/R remote, and
// the CAN FD extension d/D (no bit rate switch) and b/B (bit rate switch) with a DLC code 0..F.
// With timestamps on (Z1) every received frame ends with 4 hex digits: milliseconds 0..59999.
import { SLCAN_BIT_RATES } from './fields';
import { type CanFrame, FD_LENGTHS, MAX_STANDARD_ID, fdLengthToDlc } from '../frame';

/** CAN bit rate in bit/s -> the S command that selects it. */
export const SLCAN_BITRATES: ReadonlyMap<number, string> = new Map(SLCAN_BIT_RATES.map((rate, i) => [rate, `S${i}`]));

export class SlcanProtocolError extends Error {
  constructor(
    readonly text: string,
    reason: string,
  ) {
    super(`SLCAN: ${reason}: ${JSON.stringify(text)}`);
    this.name = 'SlcanProtocolError';
  }
}

export function bitrateCommand(bitrate: number): string {
  const cmd = SLCAN_BITRATES.get(bitrate);
  if (!cmd) throw new SlcanProtocolError(String(bitrate), `CAN bit rate ${bitrate} bit/s is not one SLCAN can set; use one of ${[...SLCAN_BITRATES.keys()].join(', ')}`);
  return cmd;
}

const hex = (n: number, width: number) => n.toString(16).toUpperCase().padStart(width, '0');

/** The transmit command for a frame (without the CR). */
export function encodeSlcanFrame(frame: CanFrame): string {
  const id = frame.extended ? hex(frame.id, 8) : hex(frame.id, 3);
  if (frame.fd) {
    const letter = frame.brs ? 'b' : 'd';
    return `${frame.extended ? letter.toUpperCase() : letter}${id}${hex(fdLengthToDlc(frame.data.length), 1)}${frame.data.toString('hex').toUpperCase()}`;
  }
  if (frame.rtr) return `${frame.extended ? 'R' : 'r'}${id}${frame.dlc ?? 0}`;
  return `${frame.extended ? 'T' : 't'}${id}${frame.data.length}${frame.data.toString('hex').toUpperCase()}`;
}

export interface SlcanReceived {
  frame: CanFrame;
  /** the adapter's millisecond timestamp (0..59999), when timestamps are on */
  deviceMs?: number;
}

const FRAME_LETTERS = 'tTrRdDbB';

/** True when a line from the adapter is a received frame (as opposed to a reply). */
export function isFrameLine(line: string): boolean {
  return line.length >= 5 && FRAME_LETTERS.includes(line[0]);
}

function hexField(line: string, start: number, len: number, what: string): number {
  const s = line.slice(start, start + len);
  if (s.length !== len || !/^[0-9A-Fa-f]+$/.test(s)) throw new SlcanProtocolError(line, `${what} "${s}" is not ${len} hex digits`);
  return parseInt(s, 16);
}

/** A received frame line (without the CR). Throws SlcanProtocolError when it is malformed. */
export function parseSlcanFrame(line: string): SlcanReceived {
  const letter = line[0];
  const extended = letter === 'T' || letter === 'R' || letter === 'D' || letter === 'B';
  const fd = 'dDbB'.includes(letter);
  const rtr = letter === 'r' || letter === 'R';
  if (!FRAME_LETTERS.includes(letter)) throw new SlcanProtocolError(line, 'not a frame');
  const idLen = extended ? 8 : 3;
  const id = hexField(line, 1, idLen, 'id');
  if (!extended && id > MAX_STANDARD_ID) throw new SlcanProtocolError(line, `standard id 0x${hex(id, 3)} is above 0x7FF`);
  if (extended && id > 0x1fffffff) throw new SlcanProtocolError(line, `extended id 0x${hex(id, 8)} is above 0x1FFFFFFF`);
  const dlc = hexField(line, 1 + idLen, 1, 'DLC');
  if (!fd && dlc > 8) throw new SlcanProtocolError(line, `DLC ${dlc} is above 8`);
  const len = fd ? FD_LENGTHS[dlc] : rtr ? 0 : dlc;
  const dataStart = 2 + idLen;
  const dataEnd = dataStart + 2 * len;
  if (line.length !== dataEnd && line.length !== dataEnd + 4) {
    throw new SlcanProtocolError(line, `expected ${len} data bytes and an optional 4-digit timestamp`);
  }
  const data = len === 0 ? Buffer.alloc(0) : Buffer.from(line.slice(dataStart, dataEnd), 'hex');
  if (data.length !== len) throw new SlcanProtocolError(line, 'data is not hexadecimal');
  const frame: CanFrame = { id, extended, fd, data };
  if (rtr) {
    frame.rtr = true;
    frame.dlc = dlc;
  }
  if (fd && (letter === 'b' || letter === 'B')) frame.brs = true;
  const out: SlcanReceived = { frame };
  if (line.length === dataEnd + 4) {
    const ms = hexField(line, dataEnd, 4, 'timestamp');
    if (ms > 59999) throw new SlcanProtocolError(line, `timestamp ${ms} ms is above 59999`);
    out.deviceMs = ms;
  }
  return out;
}

export type SlcanToken = { kind: 'line'; text: string } | { kind: 'bell' } | { kind: 'garbage'; text: string };

/**
 * Cuts the adapter's byte stream into CR-terminated lines and BEL error replies. Longest valid
 * line: an extended CAN FD frame of 64 bytes with a timestamp (142 characters).
 */
export class SlcanLineSplitter {
  private buf = '';
  static readonly MAX_LINE = 160;

  feed(chunk: Buffer, out: (t: SlcanToken) => void): void {
    const s = chunk.toString('latin1');
    let start = 0;
    for (let i = 0; i < s.length; i++) {
      const c = s.charCodeAt(i);
      if (c === 13 || c === 7 || c === 10) {
        const text = this.buf + s.slice(start, i);
        this.buf = '';
        start = i + 1;
        if (c === 13) out({ kind: 'line', text });
        else if (c === 7) {
          if (text.length) out({ kind: 'garbage', text });
          out({ kind: 'bell' });
        } else if (text.length) out({ kind: 'garbage', text }); // a bare LF: not part of the protocol
      }
    }
    this.buf += s.slice(start);
    if (this.buf.length > SlcanLineSplitter.MAX_LINE) {
      out({ kind: 'garbage', text: this.buf });
      this.buf = '';
    }
  }

  reset(): void {
    this.buf = '';
  }
}

/**
 * Turns the adapter's 60-second millisecond counter into epoch time. The first timestamp is tied
 * to the host clock; later ones advance from it, choosing the wrap (multiple of 60 s) that puts
 * the frame nearest the host's receive time, so long silences and wraps do not misplace frames.
 * When the result drifts more than `maxSkewMs` from the host clock the tie is renewed.
 */
export class SlcanClock {
  private anchorHost = 0;
  private anchorDev = 0;
  private anchored = false;

  constructor(readonly maxSkewMs = 2000) {}

  /** epoch milliseconds of a frame stamped `deviceMs` that arrived at `hostMs` */
  toEpochMs(deviceMs: number, hostMs: number): number {
    if (!this.anchored) this.anchor(deviceMs, hostMs);
    const base = this.anchorHost + (deviceMs - this.anchorDev);
    let t = base + 60000 * Math.round((hostMs - base) / 60000);
    if (Math.abs(t - hostMs) > this.maxSkewMs) {
      this.anchor(deviceMs, hostMs);
      t = hostMs;
    }
    return t;
  }

  reset(): void {
    this.anchored = false;
  }

  private anchor(deviceMs: number, hostMs: number): void {
    this.anchorHost = hostMs;
    this.anchorDev = deviceMs;
    this.anchored = true;
  }
}
