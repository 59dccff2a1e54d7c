// candump log lines (can-utils `candump -l` / `-L`), the format replay files and the CLI read:
//   (1436509052.249713) vcan0 123#DEADBEEF        classic frame, 3 hex digits: standard id
//   (1436509052.249713) vcan0 12345678#11.22      8 hex digits: extended id; '.' separators allowed
//   (1436509052.249713) vcan0 123#R  / 123#R5      remote frame (optional requested length)
//   (1436509052.249713) vcan0 123##1DEADBEEF       CAN FD: flags nibble (1 = BRS, 2 = ESI), then data
//   (1436509052.249713) vcan0 20000080#0000...     error frame (CAN_ERR_FLAG in an 8-digit id)
// The timestamp and interface are optional, so bare `cansend`-style frames parse too.
import { type CanFrame, FD_LENGTHS, MAX_STANDARD_ID, formatId } from './frame';

const CAN_ERR_FLAG = 0x20000000;
const CAN_EFF_MASK = 0x1fffffff;

export class CandumpSyntaxError extends Error {
  constructor(
    readonly line: number,
    readonly column: number,
    readonly text: string,
    reason: string,
  ) {
    super(`candump line ${line}, column ${column}: ${reason}: ${JSON.stringify(text.length > 120 ? `${text.slice(0, 117)}...` : text)}`);
    this.name = 'CandumpSyntaxError';
  }
}

const HEX_DIGIT = /^[0-9A-Fa-f]$/;

function hexByte(s: string, i: number): number {
  const v = parseInt(s.substr(i, 2), 16);
  return HEX_DIGIT.test(s[i]) && HEX_DIGIT.test(s[i + 1]) ? v : -1;
}

/**
 * One candump log line as a frame; null for a blank line or a comment (`#` or `;` first).
 * Throws CandumpSyntaxError naming the line, the column and the reason.
 */
export function parseCandumpLine(line: string, lineNo: number): CanFrame | null {
  let pos = 0;
  const n = line.length;
  const skipSpace = () => {
    while (pos < n && (line[pos] === ' ' || line[pos] === '\t' || line[pos] === '\r' || line[pos] === '\n')) pos++;
  };
  const fail = (at: number, reason: string): never => {
    throw new CandumpSyntaxError(lineNo, at + 1, line.replace(/[\r\n]+$/, ''), reason);
  };
  skipSpace();
  if (pos === n || line[pos] === '#' || line[pos] === ';') return null;

  let ts: number | undefined;
  if (line[pos] === '(') {
    const close = line.indexOf(')', pos);
    if (close < 0) fail(pos, 'timestamp "(" has no closing ")"');
    const tsText = line.slice(pos + 1, close);
    if (!/^\d+(\.\d*)?$/.test(tsText)) fail(pos + 1, `timestamp "${tsText}" is not a number of seconds`);
    ts = Number(tsText);
    pos = close + 1;
    skipSpace();
  }

  // Next token: the interface, unless it already is the frame (contains '#').
  let tokStart = pos;
  while (pos < n && line[pos] !== ' ' && line[pos] !== '\t' && line[pos] !== '\r' && line[pos] !== '\n') pos++;
  let token = line.slice(tokStart, pos);
  let iface: string | undefined;
  if (!token.includes('#')) {
    if (token.length === 0) fail(tokStart, 'missing frame');
    iface = token;
    skipSpace();
    tokStart = pos;
    while (pos < n && line[pos] !== ' ' && line[pos] !== '\t' && line[pos] !== '\r' && line[pos] !== '\n') pos++;
    token = line.slice(tokStart, pos);
    if (token.length === 0) fail(tokStart, 'missing frame after the interface name');
    if (!token.includes('#')) fail(tokStart, 'frame must be <id>#<data>, <id>#R or <id>##<flags><data>');
  }
  skipSpace();
  // candump -x style direction markers (T = sent, R = received) may follow; anything else may not.
  if (pos < n) {
    const rest = line.slice(pos).trim();
    if (rest !== 'T' && rest !== 'R') fail(pos, 'unexpected text after the frame');
  }

  const frame = parseFrameToken(token, tokStart, fail);
  if (ts !== undefined) frame.ts = ts;
  if (iface !== undefined) frame.iface = iface;
  return frame;
}

function parseFrameToken(tok: string, col: number, fail: (at: number, reason: string) => never): CanFrame {
  const hash = tok.indexOf('#');
  const idText = tok.slice(0, hash);
  if (idText.length !== 3 && idText.length !== 8) {
    fail(col, `id "${idText}" must have 3 hex digits (standard) or 8 (extended)`);
  }
  for (let i = 0; i < idText.length; i++) if (!HEX_DIGIT.test(idText[i])) fail(col + i, `id "${idText}" is not hexadecimal`);
  let rawId = parseInt(idText, 16) >>> 0;
  let extended = idText.length === 8;
  let error = false;
  if (extended && rawId & CAN_ERR_FLAG) {
    error = true;
    rawId &= CAN_EFF_MASK;
  } else if (extended && rawId > CAN_EFF_MASK) {
    fail(col, `extended id 0x${idText} is above 0x1FFFFFFF`);
  } else if (!extended && rawId > MAX_STANDARD_ID) {
    fail(col, `standard id 0x${idText} is above 0x7FF`);
  }
  if (error) extended = false;
  let p = hash + 1;

  if (tok[p] === '#') {
    // CAN FD: one flags nibble, then data.
    if (tok[p + 1] === '#') fail(col + p, 'CAN XL frames (###) are not supported');
    p++;
    const flagsCh = tok[p];
    if (flagsCh === undefined || !HEX_DIGIT.test(flagsCh)) fail(col + p, 'CAN FD frame needs a flags digit after "##"');
    const flags = parseInt(flagsCh, 16);
    p++;
    const data = parseData(tok, p, col, 64, fail);
    if (!FD_LENGTHS.includes(data.length)) fail(col + p, `CAN FD data is ${data.length} bytes; allowed lengths are ${FD_LENGTHS.join(', ')}`);
    const frame: CanFrame = { id: rawId, extended, fd: true, data };
    if (flags & 1) frame.brs = true;
    if (flags & 2) frame.esi = true;
    if (error) frame.error = true;
    return frame;
  }

  if (tok[p] === 'R' || tok[p] === 'r') {
    p++;
    let dlc = 0;
    if (p < tok.length && tok[p] !== '_') {
      if (!/^[0-8]$/.test(tok[p])) fail(col + p, `remote frame length "${tok[p]}" is not 0..8`);
      dlc = Number(tok[p]);
      p++;
    }
    p = skipLen8Dlc(tok, p, col, fail);
    if (p < tok.length) fail(col + p, 'unexpected text after the remote frame');
    const frame: CanFrame = { id: rawId, extended, fd: false, rtr: true, dlc, data: Buffer.alloc(0) };
    return frame;
  }

  const data = parseData(tok, p, col, 8, fail, true);
  const frame: CanFrame = { id: rawId, extended, fd: false, data };
  if (error) frame.error = true;
  return frame;
}

// Classic frames may carry a raw DLC of 9..F after an underscore (can-utils len8_dlc); the
// payload is still 8 bytes, so it is checked and dropped.
function skipLen8Dlc(tok: string, p: number, col: number, fail: (at: number, reason: string) => never): number {
  if (tok[p] !== '_') return p;
  if (!/^[9A-Fa-f]$/.test(tok[p + 1] ?? '')) fail(col + p, 'a DLC after "_" must be 9..F');
  return p + 2;
}

function parseData(tok: string, p: number, col: number, max: number, fail: (at: number, reason: string) => never, allowDlc = false): Buffer {
  const bytes: number[] = [];
  while (p < tok.length) {
    if (tok[p] === '.') {
      p++;
      continue;
    }
    if (allowDlc && tok[p] === '_') {
      if (bytes.length !== 8) fail(col + p, 'a DLC after "_" needs 8 data bytes');
      p = skipLen8Dlc(tok, p, col, fail);
      if (p < tok.length) fail(col + p, 'unexpected text after the DLC');
      break;
    }
    const b = hexByte(tok, p);
    if (b < 0) fail(col + p, p + 1 >= tok.length && HEX_DIGIT.test(tok[p]) ? 'data has an odd number of hex digits' : `data "${tok.slice(p, p + 2)}" is not a hex byte`);
    bytes.push(b);
    if (bytes.length > max) fail(col + p, `data is longer than ${max} bytes`);
    p += 2;
  }
  return Buffer.from(bytes);
}

/** The candump log line of a frame. Without a `ts` the current time is written, without `iface` "can0". */
export function formatCandumpLine(frame: CanFrame): string {
  const ts = frame.ts ?? Date.now() / 1000;
  return `(${ts.toFixed(6)}) ${frame.iface ?? 'can0'} ${formatFrameToken(frame)}`;
}

/** The `<id>#<data>` part alone (what cansend takes). */
export function formatFrameToken(frame: CanFrame): string {
  const id = frame.error ? ((frame.id | CAN_ERR_FLAG) >>> 0).toString(16).toUpperCase().padStart(8, '0') : formatId(frame.id, frame.extended);
  const data = frame.data.toString('hex').toUpperCase();
  if (frame.fd) return `${id}##${((frame.brs ? 1 : 0) | (frame.esi ? 2 : 0)).toString(16).toUpperCase()}${data}`;
  if (frame.rtr) return `${id}#R${frame.dlc ? frame.dlc : ''}`;
  return `${id}#${data}`;
}
