// The CAN frame as every part of lib/can and the CAN nodes passes it around, plus the id/mask
// filters and the checks that turn loosely shaped input (a Node-RED msg.payload) into a frame.

export interface CanFrame {
  /** 11-bit (standard) or 29-bit (extended) identifier, without any flag bits */
  id: number;
  extended: boolean;
  /** CAN FD frame (up to 64 data bytes) */
  fd: boolean;
  /** remote transmission request: no data, `data` is empty (the requested length is `dlc`) */
  rtr?: boolean;
  /** requested length of a remote frame (classic CAN only) */
  dlc?: number;
  /** CAN FD bit rate switch / error state indicator flags */
  brs?: boolean;
  esi?: boolean;
  /** an error frame (SocketCAN CAN_ERR_FLAG): `id` holds the error class bits */
  error?: boolean;
  data: Buffer;
  /** seconds since the epoch (fractional) */
  ts?: number;
  iface?: string;
}

export const MAX_STANDARD_ID = 0x7ff;
export const MAX_EXTENDED_ID = 0x1fffffff;
/** The data lengths a CAN FD frame can have (ISO 11898-1). */
export const FD_LENGTHS: readonly number[] = [0, 1, 2, 3, 4, 5, 6, 7, 8, 12, 16, 20, 24, 32, 48, 64];

/** An input that is not a valid CAN frame; `field` names the offending property. */
export class CanFrameError extends Error {
  constructor(
    readonly field: string,
    message: string,
  ) {
    super(message);
    this.name = 'CanFrameError';
  }
}

/** An id/mask filter: a frame passes when (frame.id & mask) === (id & mask), inverted by `invert`. */
export interface CanFilter {
  id: number;
  mask: number;
  /** only standard (false) or only extended (true) frames; undefined: both */
  extended?: boolean;
  invert?: boolean;
}

export function matchesFilter(frame: CanFrame, f: CanFilter): boolean {
  const hit = (f.extended === undefined || f.extended === frame.extended) && (frame.id & f.mask) >>> 0 === (f.id & f.mask) >>> 0;
  return f.invert ? !hit : hit;
}

/** True when any filter passes the frame; an empty filter list passes everything. */
export function matchesAny(frame: CanFrame, filters: readonly CanFilter[]): boolean {
  if (filters.length === 0) return true;
  for (const f of filters) if (matchesFilter(frame, f)) return true;
  return false;
}

/** A filter list in text form that does not parse; `index` is the 1-based position in the list. */
export class CanFilterError extends Error {
  constructor(
    readonly filter: string,
    readonly index: number,
    reason: string,
  ) {
    super(`CAN filter ${index} ("${filter}"): ${reason}`);
    this.name = 'CanFilterError';
  }
}

const HEX = /^(?:0x)?([0-9a-f]+)$/i;

/**
 * Parses filters written the way candump takes them: `<id>:<mask>` (pass), `<id>~<mask>`
 * (inverted) or a bare `<id>` (exact match), all hexadecimal with an optional 0x. An id written
 * with 8 digits, or above 0x7FF, selects extended frames; otherwise standard frames. Filters are
 * separated by commas, spaces or new lines.
 */
export function parseFilters(text: string | undefined | null): CanFilter[] {
  const out: CanFilter[] = [];
  const parts = String(text ?? '')
    .split(/[\s,;]+/)
    .filter((p) => p.length > 0);
  parts.forEach((part, i) => out.push(parseFilter(part, i + 1)));
  return out;
}

export function parseFilter(part: string, index = 1): CanFilter {
  const m = /^([^:~]+)(?:([:~])(.*))?$/.exec(part);
  if (!m) throw new CanFilterError(part, index, 'expected <id>:<mask>, <id>~<mask> or <id>');
  const [, idText, sep, maskText] = m;
  const idHex = HEX.exec(idText);
  if (!idHex) throw new CanFilterError(part, index, `id "${idText}" is not a hexadecimal number`);
  const id = parseInt(idHex[1], 16);
  const extended = idHex[1].length === 8 || id > MAX_STANDARD_ID;
  const limit = extended ? MAX_EXTENDED_ID : MAX_STANDARD_ID;
  if (id > limit) throw new CanFilterError(part, index, `id 0x${id.toString(16).toUpperCase()} is above the largest extended id 0x1FFFFFFF`);
  let mask = limit;
  if (sep !== undefined) {
    const maskHex = HEX.exec(maskText);
    if (!maskHex) throw new CanFilterError(part, index, `mask "${maskText}" is not a hexadecimal number`);
    mask = parseInt(maskHex[1], 16);
    if (mask > MAX_EXTENDED_ID) throw new CanFilterError(part, index, `mask 0x${mask.toString(16).toUpperCase()} has bits above the 29-bit id`);
  }
  return { id, mask, extended, invert: sep === '~' };
}

export function formatId(id: number, extended: boolean): string {
  return id
    .toString(16)
    .toUpperCase()
    .padStart(extended ? 8 : 3, '0');
}

/** The topic can-in and dbc-encode give a frame message: its id in hex, e.g. "0x1F0". */
export function frameTopic(frame: Pick<CanFrame, 'id'>): string {
  return `0x${frame.id.toString(16).toUpperCase()}`;
}

/**
 * The plain object a frame travels as in a Node-RED message (what can-in and dbc-encode emit and
 * can-out takes): `{ id, extended, fd, rtr, data, ts }`, plus dlc/brs/esi/iface when they apply.
 */
export function framePayload(f: CanFrame): Record<string, unknown> {
  const p: Record<string, unknown> = { id: f.id, extended: f.extended, fd: f.fd, rtr: Boolean(f.rtr), data: f.data, ts: f.ts ?? Date.now() / 1000 };
  if (f.rtr) p.dlc = f.dlc ?? 0;
  if (f.brs) p.brs = true;
  if (f.esi) p.esi = true;
  if (f.iface !== undefined) p.iface = f.iface;
  return p;
}

/** Frame data given as a Buffer, an array of byte values, or a hex string ("DEADBEEF", "de ad be ef", "DE.AD"). */
export function toFrameData(value: unknown, field = 'data'): Buffer {
  if (Buffer.isBuffer(value)) return value;
  if (value instanceof Uint8Array) return Buffer.from(value.buffer, value.byteOffset, value.byteLength);
  if (value === undefined || value === null) return Buffer.alloc(0);
  if (Array.isArray(value)) {
    value.forEach((b, i) => {
      if (!Number.isInteger(b) || b < 0 || b > 255) throw new CanFrameError(field, `${field}[${i}] is ${JSON.stringify(b)}, expected a byte 0..255`);
    });
    return Buffer.from(value as number[]);
  }
  if (typeof value === 'string') {
    const hex = value.replace(/^0x/i, '').replace(/[\s.:-]/g, '');
    if (hex.length % 2 !== 0 || !/^[0-9a-f]*$/i.test(hex)) throw new CanFrameError(field, `${field} "${value}" is not a hex string of whole bytes`);
    return Buffer.from(hex, 'hex');
  }
  // A Buffer that went through JSON ({type:'Buffer', data:[...]}).
  if (typeof value === 'object' && (value as { type?: unknown }).type === 'Buffer' && Array.isArray((value as { data?: unknown }).data)) {
    return toFrameData((value as { data: unknown[] }).data, field);
  }
  throw new CanFrameError(field, `${field} must be a Buffer, an array of bytes or a hex string, got ${typeof value}`);
}

function toId(value: unknown): number {
  if (typeof value === 'number' && Number.isInteger(value)) return value;
  if (typeof value === 'string' && /^(0x[0-9a-f]+|\d+)$/i.test(value.trim())) return Number(value.trim());
  throw new CanFrameError('id', `id ${JSON.stringify(value)} is not an integer (a number, or a string such as "0x1F0")`);
}

/**
 * Checks and normalises a frame given as a plain object: `{ id, extended?, fd?, rtr?, data }`.
 * `extended` defaults to id > 0x7FF and `fd` to a payload longer than 8 bytes.
 */
export function toCanFrame(input: unknown): CanFrame {
  if (input === null || typeof input !== 'object' || Array.isArray(input) || Buffer.isBuffer(input)) {
    throw new CanFrameError('payload', 'a CAN frame must be an object { id, extended?, fd?, data }');
  }
  const o = input as Record<string, unknown>;
  const id = toId(o.id);
  if (id < 0) throw new CanFrameError('id', `id ${id} is negative`);
  const extended = o.extended === undefined ? id > MAX_STANDARD_ID : Boolean(o.extended);
  if (!extended && id > MAX_STANDARD_ID) {
    throw new CanFrameError('id', `id 0x${id.toString(16).toUpperCase()} does not fit a standard 11-bit id; set extended: true`);
  }
  if (id > MAX_EXTENDED_ID) throw new CanFrameError('id', `id 0x${id.toString(16).toUpperCase()} is above the largest extended id 0x1FFFFFFF`);
  const rtr = Boolean(o.rtr);
  const data = toFrameData(o.data);
  const fd = o.fd === undefined ? data.length > 8 : Boolean(o.fd);
  if (fd) {
    if (rtr) throw new CanFrameError('rtr', 'CAN FD has no remote frames');
    if (!FD_LENGTHS.includes(data.length)) {
      throw new CanFrameError('data', `CAN FD data is ${data.length} bytes; allowed lengths are ${FD_LENGTHS.join(', ')}`);
    }
  } else if (data.length > 8) {
    throw new CanFrameError('data', `classic CAN data is at most 8 bytes, got ${data.length} (set fd: true for CAN FD)`);
  }
  const frame: CanFrame = { id, extended, fd, data };
  if (rtr) {
    frame.rtr = true;
    const dlc = o.dlc === undefined ? data.length : Number(o.dlc);
    if (!Number.isInteger(dlc) || dlc < 0 || dlc > 8) throw new CanFrameError('dlc', `remote frame dlc ${JSON.stringify(o.dlc)} is not 0..8`);
    frame.dlc = dlc;
    frame.data = Buffer.alloc(0);
  }
  if (fd && o.brs) frame.brs = true;
  if (fd && o.esi) frame.esi = true;
  if (typeof o.ts === 'number' && Number.isFinite(o.ts)) frame.ts = o.ts;
  if (typeof o.iface === 'string') frame.iface = o.iface;
  return frame;
}

/** The DLC nibble of a CAN FD length (0..15), for protocols that carry the code rather than the length. */
export function fdLengthToDlc(len: number): number {
  const i = FD_LENGTHS.indexOf(len);
  if (i < 0) throw new CanFrameError('data', `CAN FD data is ${len} bytes; allowed lengths are ${FD_LENGTHS.join(', ')}`);
  return i;
}

export function dlcToLength(dlc: number, fd: boolean): number {
  if (!fd) return Math.min(dlc, 8);
  return FD_LENGTHS[dlc] ?? 64;
}
