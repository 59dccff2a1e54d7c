// The text a queue row stores for a message, and the message back from it.
//
// A message is stored as its JSON (without Node-RED's per-hop _msgid), except a whole scan
// (lib/tags/contract.ts: payload { tag: value }, tags the samples), whose 1,000 samples repeat
// what the payload already says (name, value) and what is the same for most of them (device,
// quality, ts, unit, source). A scan's samples are stored as runs instead: the keys every sample
// has, in their order, and for each key but name and value the runs of equal values. Such a
// body starts with SCAN_BODY (a control character: JSON text never starts with one), and gives
// back exactly the samples JSON would have (same keys, same order, same values): the message
// read back is the one JSON.parse would have given. A sample that does not fit (other keys or
// key order than the first sample, a name or value that is not the payload's, a value that is
// not a JSON scalar) makes the whole scan stored as plain JSON. The payload's JSON text is kept
// at hand for a destination that publishes the payload (QueuedMessage.payloadJson).
import type { QueuedMessage } from '../forward/destination';

export const SCAN_BODY = '\u0001';

export interface BodyText {
  /** what is stored; undefined when the message has no JSON (JSON.stringify(undefined)) */
  body: string | undefined;
  /** the JSON text of msg.payload inside body, when the payload is a plain object */
  payloadJson?: string;
}

/** Marks where the payload's text goes in the body: never a key or value of a real message. */
const PAYLOAD_MARK = '\u0000edgegw:payload\u0000';
const PAYLOAD_MARK_JSON = JSON.stringify(PAYLOAD_MARK);

/** The stored text of a message (see above); throws what JSON.stringify throws. */
export function bodyText(msg: unknown): BodyText {
  if (!msg || typeof msg !== 'object') return { body: JSON.stringify(msg) };
  const p = (msg as Record<string, unknown>).payload;
  // a plain message without _msgid (and with a payload that is no plain object) is its own JSON: no copy
  if (!isPlainObject(p) && isPlainObject(msg) && !Object.prototype.hasOwnProperty.call(msg, '_msgid')) return { body: JSON.stringify(msg) };
  // a shallow copy without _msgid is much cheaper than a replacer function, which JSON.stringify
  // would call for every key of every tag
  const { _msgid: _ignored, ...data } = msg as Record<string, unknown>;
  if (!isPlainObject(p)) return { body: JSON.stringify(data) };
  const runs = Array.isArray(data.tags) ? scanRuns(data.tags as unknown[], p) : undefined;
  if (runs) data.tags = runs;
  const payloadJson = JSON.stringify(p);
  data.payload = PAYLOAD_MARK;
  const outer = JSON.stringify(data);
  const at = outer.indexOf(PAYLOAD_MARK_JSON);
  // the mark elsewhere too (a message that carries it on purpose): plain JSON, no shortcut
  if (at < 0 || outer.indexOf(PAYLOAD_MARK_JSON, at + 1) >= 0) return { body: JSON.stringify({ ...msg, _msgid: undefined }), payloadJson };
  const body = outer.slice(0, at) + payloadJson + outer.slice(at + PAYLOAD_MARK_JSON.length);
  return { body: runs ? SCAN_BODY + body : body, payloadJson };
}

/** The message a stored body holds. */
export function messageOf(body: string): QueuedMessage['msg'] {
  if (body[0] !== SCAN_BODY) return JSON.parse(body) as QueuedMessage['msg'];
  const msg = JSON.parse(body.slice(1)) as QueuedMessage['msg'];
  msg.tags = samplesFromRuns(msg.tags as ScanRuns, msg.payload as Record<string, unknown>);
  return msg;
}

/** The JSON text of the message a stored body holds (what the body is, unless a scan's runs). */
export function jsonOf(body: string): string {
  return body[0] === SCAN_BODY ? JSON.stringify(messageOf(body)) : body;
}

type Scalar = string | number | boolean | null;
/** In a run: the samples of the run do not have the key (never a scalar, so never a value). */
type Absent = Record<string, never>;
const isAbsent = (v: Scalar | Absent): v is Absent => typeof v === 'object' && v !== null;

/** A scan's samples as runs: the keys of the samples, and runs of equal values per key. */
interface ScanRuns {
  /** every key some sample has, in the order the samples have them */
  keys: string[];
  /** per key (not name, value): [value or {} (absent), how many samples in a row], covering every sample */
  runs: Record<string, Run[]>;
}

type Run = [Scalar | Absent, number];

/**
 * The samples as runs, or undefined when they do not fit (then they are stored as JSON). Called
 * for every scan a store-forward takes (100 to 1,000 samples each): the keys are kept in
 * parallel arrays by position, and a sample whose keys come in the order already known (every
 * sample of a poller's scan) costs one comparison per key, no lookup.
 */
function scanRuns(tags: unknown[], payload: Record<string, unknown>): ScanRuns | undefined {
  const names = Object.keys(payload);
  const n = tags.length;
  if (n === 0 || names.length !== n) return undefined;
  // the payload's values by position, Object.values walking it once in the order of its keys: a
  // lookup per sample in a payload just built was slower (1.2x the CPU of a 1,000-tag scan's
  // encoding, tried and taken back), and a poll group's payload (ScanPayloads) has fast
  // properties whose values come out without a lookup
  const values = Object.values(payload);
  /** every key some sample has, in the order the samples have them; by position: */
  const keys: string[] = [];
  /** its runs (undefined for name and value, which the payload says) */
  const runs: Array<Run[] | undefined> = [];
  /** the last sample that had it */
  const had: number[] = [];
  for (let i = 0; i < n; i++) {
    const t = tags[i];
    if (!isPlainObject(t)) return undefined;
    let pos = 0;
    let seen = 0;
    for (const k in t) {
      const v = t[k];
      // what JSON.stringify leaves out is not a key of the stored sample either
      if (v === undefined || typeof v === 'function' || typeof v === 'symbol') continue;
      let at = keys[pos] === k ? pos : keys.indexOf(k, pos);
      if (at < 0) {
        // a key no sample before had: it goes where this sample has it; those before lacked it
        // (which name and value, said by the payload for every sample, cannot be)
        if (keys.includes(k) || k === '__proto__') return undefined;
        const named = k === 'name' || k === 'value';
        if (named && i > 0) return undefined;
        keys.splice(pos, 0, k);
        runs.splice(pos, 0, named ? undefined : i > 0 ? [[{}, i]] : []);
        had.splice(pos, 0, -1);
        at = pos;
      }
      pos = at + 1;
      had[at] = i;
      seen++;
      if (k === 'name') {
        if (v !== names[i]) return undefined;
      } else if (k === 'value') {
        if (!isScalar(v) || v !== values[i]) return undefined;
      } else {
        if (!isScalar(v)) return undefined;
        const r = runs[at]!;
        const last = r[r.length - 1];
        if (last !== undefined && last[0] === v) last[1]++;
        else r.push([v, 1]);
      }
    }
    if (seen === keys.length) continue;
    // keys this sample lacks: a run of absence
    for (let j = 0; j < keys.length; j++) {
      if (had[j] === i) continue;
      const r = runs[j];
      if (r === undefined) return undefined; // name or value
      const last = r[r.length - 1];
      if (last !== undefined && isAbsent(last[0])) last[1]++;
      else r.push([{}, 1]);
    }
  }
  if (!keys.includes('name') || !keys.includes('value')) return undefined;
  const out: ScanRuns = { keys, runs: {} };
  for (let j = 0; j < keys.length; j++) if (runs[j] !== undefined) out.runs[keys[j]] = runs[j]!;
  return out;
}

function samplesFromRuns(enc: ScanRuns, payload: Record<string, unknown>): Array<Record<string, unknown>> {
  const names = Object.keys(payload);
  const cursors = enc.keys.map((k) => ({ key: k, runs: enc.runs[k], run: 0, left: enc.runs[k]?.[0]?.[1] ?? 0 }));
  const out: Array<Record<string, unknown>> = new Array(names.length);
  for (let i = 0; i < names.length; i++) {
    const s: Record<string, unknown> = {};
    for (const c of cursors) {
      if (c.key === 'name') s.name = names[i];
      else if (c.key === 'value') s.value = payload[names[i]];
      else {
        if (c.left === 0) c.left = c.runs[++c.run][1];
        const v = c.runs[c.run][0];
        if (!isAbsent(v)) s[c.key] = v;
        c.left--;
      }
    }
    out[i] = s;
  }
  return out;
}

function isScalar(v: unknown): v is Scalar {
  // NaN and the infinities are null in JSON: stored as JSON, not as runs of a value that is not itself
  return v === null || typeof v === 'string' || typeof v === 'boolean' || (typeof v === 'number' && Number.isFinite(v));
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  if (!v || typeof v !== 'object' || Array.isArray(v)) return false;
  const proto = Object.getPrototypeOf(v) as unknown;
  return (proto === Object.prototype || proto === null) && typeof (v as { toJSON?: unknown }).toJSON !== 'function';
}
