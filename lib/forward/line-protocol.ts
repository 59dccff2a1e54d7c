// Tag samples and plain messages as InfluxDB line protocol
// (https://docs.influxdata.com/influxdb/v1/write_protocols/line_protocol_reference/).
// A scan becomes one point per tag sample: measurement = device, tags tag=<name> and
// quality=<quality>, the value as a typed field, timestamp = the sample's ts in ms. A message that
// carries no samples is written from its payload (documented fallback) or rejected.
import { QUALITIES, type Quality } from '../tags/contract';
import type { QueuedMessage } from './destination';
import { textOf } from '../system/text/text-of';

/** A message that cannot be written as line protocol: says which sample and field. */
export class LineProtocolError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'LineProtocolError';
  }
}

export interface LineProtocolOptions {
  /**
   * 'by-type': numbers in field `value` (float), booleans in `value_bool`, strings in
   * `value_text`. InfluxDB fixes a field's type per measurement, so a device whose tags mix types
   * needs this. 'single': every value in field `value` (only for devices of one value type).
   */
  valueFields: 'by-type' | 'single';
  /** messages without tag samples: 'fields' writes the payload as fields, 'reject' dead-letters them */
  nonTagMessages: 'fields' | 'reject';
  /** measurement for messages without samples when they have no topic */
  fallbackMeasurement: string;
}

// Line protocol escapes commas and spaces in measurements, also = in tag keys/values and field keys.
const escapeMeasurement = (s: string) => s.replace(/[, ]/g, (c) => `\\${c}`);
const escapeKey = (s: string) => s.replace(/[,= ]/g, (c) => `\\${c}`);
const escapeString = (s: string) => `"${s.replace(/[\\"]/g, (c) => `\\${c}`)}"`;

function checkName(what: string, s: unknown, where: string): string {
  if (typeof s !== 'string' || s.length === 0) throw new LineProtocolError(`${where}: ${what} must be a non-empty string`);
  // Line protocol has no escape for line breaks in names (the point would split in two), and a
  // trailing backslash would escape the separator after it.
  if (/[\r\n]/.test(s)) throw new LineProtocolError(`${where}: ${what} ${JSON.stringify(s)} contains a line break`);
  if (s.endsWith('\\')) throw new LineProtocolError(`${where}: ${what} ${JSON.stringify(s)} ends with a backslash, which line protocol cannot carry`);
  return s;
}

function measurementOf(name: string, where: string): string {
  // InfluxDB reads a line starting with # as a comment and answers 204 without writing it: a
  // silent loss, so such a measurement is refused rather than renamed.
  if (name.startsWith('#')) throw new LineProtocolError(`${where}: measurement ${JSON.stringify(name)} starts with #, which line protocol reads as a comment`);
  return escapeMeasurement(name);
}

/** The JSON form of a Buffer (msg is JSON-safe: {type:'Buffer',data:[...]}) as hex text. */
function bufferHex(v: unknown): string | undefined {
  if (Buffer.isBuffer(v)) return v.toString('hex');
  if (typeof v === 'object' && v !== null && (v as { type?: unknown }).type === 'Buffer' && Array.isArray((v as { data?: unknown }).data)) {
    return Buffer.from((v as { data: number[] }).data).toString('hex');
  }
  return undefined;
}

/** One field `key=value`, or undefined when the value has no line-protocol form (null, NaN). */
function fieldOf(key: string, v: unknown, mode: LineProtocolOptions['valueFields']): string | undefined {
  const typed = (suffix: string) => escapeKey(mode === 'by-type' && key === 'value' ? `value${suffix}` : key);
  if (typeof v === 'number') return Number.isFinite(v) ? `${escapeKey(key)}=${v}` : undefined;
  if (typeof v === 'boolean') return `${typed('_bool')}=${v}`;
  if (typeof v === 'string') return `${typed('_text')}=${escapeString(v)}`;
  if (typeof v === 'bigint') return `${typed('_int')}=${v}i`;
  const hex = bufferHex(v);
  if (hex !== undefined) return `${typed('_text')}=${escapeString(hex)}`;
  return undefined;
}

function sampleLine(sample: unknown, where: string, options: LineProtocolOptions): string {
  if (typeof sample !== 'object' || sample === null) throw new LineProtocolError(`${where}: not a tag sample object`);
  const s = sample as Record<string, unknown>;
  const device = checkName('device', s.device, where);
  const name = checkName('name', s.name, `${where} (device ${device})`);
  const at = `${where} (tag ${device}/${name})`;
  if (!QUALITIES.includes(s.quality as Quality)) throw new LineProtocolError(`${at}: quality ${JSON.stringify(s.quality)} is not one of ${QUALITIES.join(', ')}`);
  if (typeof s.ts !== 'number' || !Number.isFinite(s.ts)) throw new LineProtocolError(`${at}: ts ${JSON.stringify(s.ts)} is not epoch milliseconds`);
  const fields: string[] = [];
  const value = fieldOf('value', s.value, options.valueFields);
  if (value !== undefined) fields.push(value);
  else if (s.value !== null && s.value !== undefined && typeof s.value !== 'number') throw new LineProtocolError(`${at}: value of type ${typeof s.value} cannot be written`);
  // A sample without a value (a failed read) is still a point: its quality and why.
  if (typeof s.error === 'string' || value === undefined)
    fields.push(`error=${escapeString(typeof s.error === 'string' ? s.error : s.value === null || s.value === undefined ? 'no value' : `value ${textOf(s.value)} is not finite`)}`);
  return `${measurementOf(device, at)},quality=${escapeKey(s.quality as string)},tag=${escapeKey(name)} ${fields.join(',')} ${Math.round(s.ts)}`;
}

function payloadLine(m: QueuedMessage, options: LineProtocolOptions): string {
  const where = `seq ${m.seq}`;
  const topic = typeof m.msg.topic === 'string' && m.msg.topic !== '' ? m.msg.topic : options.fallbackMeasurement;
  checkName('topic (measurement)', topic, where);
  const fields: string[] = [];
  const payload = m.msg.payload;
  if (typeof payload === 'object' && payload !== null && !Array.isArray(payload) && bufferHex(payload) === undefined) {
    for (const [key, v] of Object.entries(payload as Record<string, unknown>)) {
      checkName('payload field name', key, where);
      if (v === null || v === undefined) continue;
      // Nested values keep their content as JSON text rather than being dropped.
      const field = typeof v === 'object' && bufferHex(v) === undefined ? `${escapeKey(key)}=${escapeString(JSON.stringify(v))}` : fieldOf(key, v, 'single');
      if (field !== undefined) fields.push(field);
    }
  } else {
    const field = fieldOf('value', payload, options.valueFields);
    if (field !== undefined) fields.push(field);
    else if (Array.isArray(payload)) fields.push(`value_json=${escapeString(JSON.stringify(payload))}`);
  }
  if (fields.length === 0) throw new LineProtocolError(`${where}: the payload has no value that line protocol can carry (null, empty object or non-finite number)`);
  return `${measurementOf(topic, where)} ${fields.join(',')} ${m.enqueuedAt}`;
}

/**
 * The lines of one queued message (none for a scan of zero samples). Throws LineProtocolError
 * naming the sample and field when the message cannot be written.
 */
export function messageLines(m: QueuedMessage, options: LineProtocolOptions): string[] {
  const { tags, tag } = m.msg;
  if (Array.isArray(tags)) return tags.map((s, i) => sampleLine(s, `seq ${m.seq} tags[${i}]`, options));
  if (tag !== undefined && tag !== null) return [sampleLine(tag, `seq ${m.seq} tag`, options)];
  if (options.nonTagMessages === 'reject') throw new LineProtocolError(`seq ${m.seq}: not a tag message (no msg.tag or msg.tags) and non-tag messages are set to be rejected`);
  return [payloadLine(m, options)];
}
