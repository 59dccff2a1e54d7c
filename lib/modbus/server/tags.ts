// Tag tables on the server side: the flow sets `{ <tag>: value }` and the values are encoded
// into the register image with each tag's type, order and scaling (the same codec the poller
// reads with); a remote write is decoded back into the tags it touched.
import { compileCodec, type DecodedValue, type TagCodec } from '../codec';
import type { ModbusServer, ServerWriteEvent } from './server';
import type { TagDef } from '../types';
import { describeType } from '../../system/bounded/json';
import type { TagSample } from '../../tags/contract';

export class ServerTagError extends Error {
  constructor(
    readonly tag: string,
    message: string,
  ) {
    super(`tag '${tag}': ${message}`);
    this.name = 'ServerTagError';
  }
}

interface PendingWrite {
  codec: TagCodec;
  data: number[] | boolean[];
}

export class ServerTagMap {
  private readonly codecs = new Map<string, TagCodec>();

  /**
   * Throws ServerTagError when a tag does not fit the image (`sizes`, registers/bits per area,
   * from `starts`, each area's first address, 0 when not given).
   */
  constructor(
    readonly tags: readonly TagDef[],
    sizes?: Record<TagDef['area'], number>,
    starts?: Record<TagDef['area'], number>,
  ) {
    for (const t of tags) {
      const c = compileCodec(t);
      const start = starts?.[t.area] ?? 0;
      if (sizes && (t.address < start || t.address + c.width > start + sizes[t.area])) {
        const unitName = t.area === 'coil' || t.area === 'discrete' ? 'bits' : 'registers';
        const served = start === 0 ? `${sizes[t.area]} ${unitName}` : `${sizes[t.area]} ${unitName} from ${start}`;
        throw new ServerTagError(t.name, `${t.area} ${t.address}..${t.address + c.width - 1} is outside the served image (${served})`);
      }
      this.codecs.set(t.name, c);
    }
  }

  /** Registers and coils of read-only tags (access 'r'), for the server to refuse remote writes to. */
  readOnlyRanges(): Array<{ area: 'coil' | 'holding'; address: number; count: number }> {
    const out: Array<{ area: 'coil' | 'holding'; address: number; count: number }> = [];
    for (const c of this.codecs.values()) {
      const t = c.tag;
      if (t.access === 'rw' || (t.area !== 'coil' && t.area !== 'holding')) continue;
      out.push({ area: t.area, address: t.address, count: c.width });
    }
    return out;
  }

  get size(): number {
    return this.codecs.size;
  }

  has(name: string): boolean {
    return this.codecs.has(name);
  }

  /**
   * Encodes every value first and writes only when all of them are valid, so a bad value
   * leaves the image untouched. Throws ServerTagError (unknown tag) or the codec's
   * TagValueError (wrong type, out of range), naming the tag.
   */
  apply(server: ModbusServer, unit: number, values: ReadonlyMap<string, unknown> | Readonly<Record<string, unknown>>): string[] {
    const byName = values instanceof Map ? values : new Map(Object.entries(values));
    const pending: PendingWrite[] = [];
    for (const [name, value] of byName) {
      const codec = this.codecs.get(name);
      if (!codec) throw new ServerTagError(name, `unknown tag (known: ${[...this.codecs.keys()].slice(0, 10).join(', ')}${this.codecs.size > 10 ? ', ...' : ''})`);
      const t = codec.tag;
      let current: number | undefined;
      if (codec.shape.kind === 'bit') current = server.getRegisters(unit, t.area as 'holding' | 'input', t.address, 1)[0];
      pending.push({ codec, data: codec.encode(value, current) });
    }
    // bit tags sharing a register: re-read the register between them so none undoes another
    for (const p of pending) {
      const t = p.codec.tag;
      if (t.area === 'coil' || t.area === 'discrete') server.setBits(unit, t.area, t.address, p.data);
      else {
        const data = p.codec.shape.kind === 'bit' ? p.codec.encode(byName.get(t.name), server.getRegisters(unit, t.area, t.address, 1)[0]) : p.data;
        server.setRegisters(unit, t.area, t.address, data as number[]);
      }
    }
    return pending.map((p) => p.codec.tag.name);
  }

  /** The current value of every tag, decoded from the image. */
  read(server: ModbusServer, unit: number): Record<string, DecodedValue> {
    const out: Record<string, DecodedValue> = {};
    for (const [name, c] of this.codecs) out[name] = this.decode(server, unit, c);
    return out;
  }

  /** The tags a remote write touched, with their new values. */
  touched(server: ModbusServer, w: ServerWriteEvent): Record<string, DecodedValue> {
    const out: Record<string, DecodedValue> = {};
    const end = w.address + w.values.length;
    for (const [name, c] of this.codecs) {
      const t = c.tag;
      if (t.area !== w.area) continue;
      if (t.address < end && t.address + c.width > w.address) out[name] = this.decode(server, w.unit, c);
    }
    return out;
  }

  /** Every holding-register tag's value in `unit` (what a register store restores). */
  holdingValues(server: ModbusServer, unit: number): Record<string, DecodedValue> {
    const out: Record<string, DecodedValue> = {};
    for (const [name, c] of this.codecs) if (c.tag.area === 'holding') out[name] = this.decode(server, unit, c);
    return out;
  }

  private decode(server: ModbusServer, unit: number, c: TagCodec): DecodedValue {
    const t = c.tag;
    const data = t.area === 'coil' || t.area === 'discrete' ? server.getBits(unit, t.area, t.address, c.width) : server.getRegisters(unit, t.area, t.address, c.width);
    return c.decode(data, 0);
  }
}

/** A flow message that cannot be applied to the register image; nothing was changed. */
export class ServerInputError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ServerInputError';
  }
}

export interface FlowInput {
  topic?: unknown;
  payload?: unknown;
  unit?: unknown;
}

interface RawWrite {
  unit?: unknown;
  area: unknown;
  address: unknown;
  values?: unknown;
  value?: unknown;
}

function isRaw(v: unknown): v is RawWrite {
  return !!v && typeof v === 'object' && !Array.isArray(v) && 'area' in v && 'address' in v;
}

/**
 * Applies a flow message to the server's image and returns what it changed (tag names, or
 * "area address..end" for raw writes). Forms:
 *   payload {area, address, values}  (or an array of them; `value` for one)
 *   payload {<tag>: value, ...}      with a tag table
 *   topic <tag>, payload value       with a tag table
 * The unit is msg.unit, else payload.unit, else `defaultUnit`. Everything is checked before
 * anything is written.
 */
export function applyFlowInput(server: ModbusServer, tags: ServerTagMap | undefined, msg: FlowInput, defaultUnit: number): string[] {
  const unitOf = (v: unknown): number => {
    const u = v ?? msg.unit ?? defaultUnit;
    if (typeof u !== 'number' || !Number.isInteger(u) || u < 0 || u > 255) throw new ServerInputError(`unit ${JSON.stringify(u)} is not a unit id`);
    return u;
  };
  const p = msg.payload;
  const raws = Array.isArray(p) && p.every(isRaw) ? p : isRaw(p) ? [p] : undefined;
  if (raws) {
    const checked = raws.map((r, i) => checkRaw(server, r, unitOf(r.unit), raws.length > 1 ? `[${i}] ` : ''));
    return checked.map((c) => c());
  }
  if (!tags) {
    throw new ServerInputError('msg.payload must be {area, address, values} (this server has no tag table for {tag: value})');
  }
  if (typeof msg.topic === 'string' && msg.topic !== '' && tags.has(msg.topic) && (p === null || typeof p !== 'object')) {
    return tags.apply(server, unitOf(undefined), new Map([[msg.topic, p]]));
  }
  if (!p || typeof p !== 'object' || Array.isArray(p) || ArrayBuffer.isView(p)) {
    throw new ServerInputError(`msg.payload must be {<tag>: value, ...}, or msg.topic a tag name with the value in msg.payload, or {area, address, values}; got ${describeType(p)}`);
  }
  const names = Object.keys(p);
  // more keys than tags (+ unit) cannot all be tags: refuse before looking at each
  if (names.length > tags.size + 1) throw new ServerInputError(`msg.payload has ${names.length} keys; the tag table has ${tags.size} tags`);
  const values = new Map(names.map((n) => [n, (p as Record<string, unknown>)[n]]));
  const unitField = values.get('unit');
  if (unitField !== undefined && !tags.has('unit')) values.delete('unit');
  return tags.apply(server, unitOf(tags.has('unit') ? undefined : unitField), values);
}

function checkRaw(server: ModbusServer, r: RawWrite, unit: number, where: string): () => string {
  const area = r.area;
  if (area !== 'coil' && area !== 'discrete' && area !== 'holding' && area !== 'input') {
    throw new ServerInputError(`${where}area must be coil, discrete, holding or input, got ${JSON.stringify(area)}`);
  }
  const address = r.address;
  if (typeof address !== 'number' || !Number.isInteger(address) || address < 0) throw new ServerInputError(`${where}address must be an integer >= 0, got ${JSON.stringify(address)}`);
  const values = Array.isArray(r.values) ? r.values : r.value !== undefined ? [r.value] : undefined;
  if (!values || values.length === 0) throw new ServerInputError(`${where}values must be a non-empty array`);
  const label = `${area} ${address}..${address + values.length - 1}`;
  if (area === 'coil' || area === 'discrete') {
    values.forEach((v, i) => {
      if (typeof v !== 'boolean' && v !== 0 && v !== 1) throw new ServerInputError(`${where}${area} ${address + i}: ${JSON.stringify(v)} is not a boolean`);
    });
    server.getBits(unit, area, address, values.length); // range and unit check, throws
    return () => {
      server.setBits(unit, area, address, values as boolean[]);
      return label;
    };
  }
  values.forEach((v, i) => {
    if (typeof v !== 'number' || !Number.isInteger(v) || v < 0 || v > 65535) throw new ServerInputError(`${where}${area} ${address + i}: ${JSON.stringify(v)} is not a register value 0..65535`);
  });
  server.getRegisters(unit, area, address, values.length);
  return () => {
    server.setRegisters(unit, area, address, values as number[]);
    return label;
  };
}

/** What a remote master's write says to the flow: raw, and as tag samples when a tag table is served. */
export interface RemoteWriteMessage {
  topic: string;
  payload: { unit: number; area: ServerWriteEvent['area']; address: number; values: ServerWriteEvent['values'] };
  values?: Record<string, DecodedValue>;
  tags?: TagSample[];
}

export interface RestoredMessage {
  topic: string;
  payload: { unit: number; area: 'holding'; restored: true };
  restored: true;
  values: Record<string, DecodedValue>;
  tags: TagSample[];
}

/** The message that tells the flow which holding-register tags a unit got back from the register store at start. */
export function restoredMessage(device: string, unit: number, server: ModbusServer, tags: ServerTagMap, ts = Date.now()): RestoredMessage | undefined {
  const values = tags.holdingValues(server, unit);
  const names = Object.keys(values);
  if (names.length === 0) return undefined;
  return {
    topic: `${device}/restored`,
    payload: { unit, area: 'holding', restored: true },
    restored: true,
    values,
    tags: names.map((name) => ({ device, name, value: values[name], quality: 'good', ts, source: `modbus-server:${unit}` })),
  };
}

export function remoteWriteMessage(device: string, w: ServerWriteEvent, server: ModbusServer, tags: ServerTagMap | undefined, ts = Date.now()): RemoteWriteMessage {
  const msg: RemoteWriteMessage = { topic: `${device}/write`, payload: { unit: w.unit, area: w.area, address: w.address, values: w.values } };
  if (!tags) return msg;
  const values = tags.touched(server, w);
  const samples: TagSample[] = Object.entries(values).map(([name, value]) => ({ device, name, value, quality: 'good', ts, source: `modbus-server:${w.unit}` }));
  if (samples.length) {
    msg.values = values;
    msg.tags = samples;
  }
  return msg;
}
