// A device's configuration as the modbus-device node (or any other host) receives it: checked
// field by field, tag table included, so a bad deploy names the field, line, tag and column.
// Also: what the device's status line says, from the line state and the poller's tally.
import type { LineState } from '../line/types';
import { MAX_READ_BITS, MAX_READ_REGISTERS, packBlocks, planItem, PlannerError } from './planner';
import type { PollGroup, PollerStats } from './poller';
import { NOTATIONS, readTagTable, type AddressNotation, type TagConfigError } from '../tag-table';
import type { TagDef } from '../types';
import { textOf } from '../../system/text/text-of';

export type OutputMode = 'rbe' | 'scan' | 'both';
export const OUTPUT_MODES: readonly OutputMode[] = ['rbe', 'scan', 'both'];

/** Shortest poll interval a group may have (1 ms: as fast as the line allows, overruns counted). */
export const MIN_INTERVAL_MS = 1;

export interface DeviceConfig {
  device: string;
  unit: number;
  notation: AddressNotation;
  tags: TagDef[];
  groups: PollGroup[];
  maxGap: number;
  maxRegisters: number;
  maxBits: number;
  output: OutputMode;
  /** string/Buffer payloads on the input are JSON commands, parsed within limits (an MQTT topic's text) */
  parseJson: boolean;
  /** optional identity check (identity.ts): this tag must read as `equals` */
  identity?: { tag: TagDef; equals: string; every: number };
}

/** The raw settings (strings and numbers from the editor). */
export interface DeviceSettings {
  device?: unknown;
  name?: unknown;
  unit?: unknown;
  notation?: unknown;
  tags?: unknown;
  groups?: unknown;
  maxGap?: unknown;
  maxRegisters?: unknown;
  maxBits?: unknown;
  output?: unknown;
  parseJson?: unknown;
  identityTag?: unknown;
  identityEquals?: unknown;
  identityEvery?: unknown;
}

export class DeviceConfigError extends Error {
  constructor(
    readonly field: string,
    reason: string,
    /** the tag table errors, when the field is `tags` */
    readonly tagErrors: TagConfigError[] = [],
  ) {
    super(`${field}: ${reason}`);
    this.name = 'DeviceConfigError';
  }
}

function intIn(field: string, v: unknown, dflt: number, min: number, max: number): number {
  if (v === undefined || v === null || v === '') return dflt;
  const n = typeof v === 'number' ? v : Number(textOf(v).trim());
  if (!Number.isInteger(n) || n < min || n > max) throw new DeviceConfigError(field, `must be a whole number ${min}..${max}, got ${JSON.stringify(v)}`);
  return n;
}

function groupsOf(v: unknown): PollGroup[] {
  if (v === undefined || v === null || v === '') return [{ name: 'default', intervalMs: 1000 }];
  let list = v;
  if (typeof v === 'string') {
    try {
      list = JSON.parse(v);
    } catch {
      throw new DeviceConfigError('groups', 'is not valid JSON');
    }
  }
  if (!Array.isArray(list) || list.length === 0) throw new DeviceConfigError('groups', 'needs at least one poll group (name and interval)');
  const seen = new Set<string>();
  return list.map((g, i) => {
    const name = typeof g?.name === 'string' ? g.name.trim() : '';
    if (!name) throw new DeviceConfigError(`groups[${i}].name`, 'a poll group needs a name');
    if (seen.has(name)) throw new DeviceConfigError(`groups[${i}].name`, `poll group '${name}' is defined twice`);
    seen.add(name);
    const raw = g.interval ?? g.intervalMs;
    const intervalMs = Number(raw);
    if (!Number.isFinite(intervalMs) || intervalMs < MIN_INTERVAL_MS)
      throw new DeviceConfigError(`groups[${i}].interval`, `poll group '${name}': interval must be at least ${MIN_INTERVAL_MS} ms, got ${JSON.stringify(raw)}`);
    return { name, intervalMs };
  });
}

/** Checks every setting; throws DeviceConfigError naming the first bad field. */
export function resolveDeviceConfig(s: DeviceSettings): DeviceConfig {
  const unit = intIn('unit', s.unit, 1, 0, 255);
  const nameText = typeof s.device === 'string' && s.device.trim() ? s.device.trim() : typeof s.name === 'string' && s.name.trim() ? s.name.trim() : `unit${unit}`;
  if (nameText.includes('/')) throw new DeviceConfigError('device', `device name '${nameText}' must not contain '/' (it is the first part of every topic)`);
  const notation = (s.notation === undefined || s.notation === '' ? 'zero' : s.notation) as AddressNotation;
  if (!NOTATIONS.includes(notation)) throw new DeviceConfigError('notation', `must be ${NOTATIONS.join(', ')}, got ${JSON.stringify(s.notation)}`);
  const output = (s.output === undefined || s.output === '' ? 'rbe' : s.output) as OutputMode;
  if (!OUTPUT_MODES.includes(output)) throw new DeviceConfigError('output', `must be ${OUTPUT_MODES.join(', ')}, got ${JSON.stringify(s.output)}`);
  const maxGap = intIn('maxGap', s.maxGap, 10, 0, 65535);
  const maxRegisters = intIn('maxRegisters', s.maxRegisters, MAX_READ_REGISTERS, 1, MAX_READ_REGISTERS);
  const maxBits = intIn('maxBits', s.maxBits, MAX_READ_BITS, 1, MAX_READ_BITS);
  const groups = groupsOf(s.groups);
  if (typeof (s.tags ?? '') !== 'string') throw new DeviceConfigError('tags', 'must be the tag table text (CSV or JSON)');
  const text = (s.tags as string | undefined) ?? '';
  const r = readTagTable(text, { notation, groups: groups.map((g) => g.name) });
  if (r.errors.length) {
    const more = r.errors.length > 1 ? ` (and ${r.errors.length - 1} more)` : '';
    throw new DeviceConfigError('tags', r.errors[0].message + more, r.errors);
  }
  if (r.tags.length === 0) throw new DeviceConfigError('tags', 'the tag table has no tags');
  try {
    packBlocks(r.tags.map(planItem), { maxRegisters, maxBits, maxGap });
  } catch (err) {
    if (err instanceof PlannerError) throw new DeviceConfigError('tags', `${err.message} (max registers per request: ${maxRegisters})`);
    throw err;
  }
  const parseJson = s.parseJson === true || s.parseJson === 'true';
  const identity = identityOf(s, r.tags);
  return { device: nameText, unit, notation, tags: r.tags, groups, maxGap, maxRegisters, maxBits, output, parseJson, ...(identity ? { identity } : {}) };
}

/** The identity check's settings: none when the tag field is empty; the tag must be in the table. */
function identityOf(s: DeviceSettings, tags: TagDef[]): DeviceConfig['identity'] {
  const name = typeof s.identityTag === 'string' ? s.identityTag.trim() : '';
  if (s.identityTag !== undefined && s.identityTag !== null && typeof s.identityTag !== 'string') throw new DeviceConfigError('identityTag', 'must be a tag name');
  if (!name) return undefined;
  const tag = tags.find((t) => t.name === name);
  if (!tag) throw new DeviceConfigError('identityTag', `no tag named '${name}' in the tag table`);
  const equals = typeof s.identityEquals === 'string' || typeof s.identityEquals === 'number' ? String(s.identityEquals).trim() : '';
  if (!equals) throw new DeviceConfigError('identityEquals', `the identity tag '${name}' needs the value it must have`);
  const every = intIn('identityEvery', s.identityEvery, 10, 1, 1_000_000);
  return { tag, equals, every };
}

export interface DeviceStatus {
  fill: 'green' | 'yellow' | 'red' | 'grey';
  shape: 'dot' | 'ring';
  /** i18n key under <type>.status */
  key: 'polling' | 'someBad' | 'reconnecting' | 'connecting' | 'breakerOpen' | 'error';
  subs: Record<string, string | number>;
}

/** What the status line says: the line first (reconnecting, breaker), then the tags. */
export function deviceStatus(line: LineState | undefined, unit: number, stats: PollerStats, lastError?: string): DeviceStatus {
  if (line && line.connection === 'reconnecting') {
    return { fill: 'yellow', shape: 'ring', key: 'reconnecting', subs: { seconds: Math.ceil((line.retryInMs ?? 0) / 1000) } };
  }
  if (line && line.connection === 'connecting') return { fill: 'yellow', shape: 'ring', key: 'connecting', subs: {} };
  if (line?.units[unit]?.breaker === 'open') return { fill: 'red', shape: 'ring', key: 'breakerOpen', subs: {} };
  const seen = stats.good + stats.bad + stats.stale + stats.uncertain;
  if (seen > 0 && stats.good === 0) return { fill: 'red', shape: 'ring', key: 'error', subs: { error: shorten(lastError ?? 'no tag could be read') } };
  if (stats.bad + stats.stale > 0) return { fill: 'yellow', shape: 'dot', key: 'someBad', subs: { bad: stats.bad + stats.stale, count: stats.tags } };
  return { fill: 'green', shape: 'dot', key: 'polling', subs: { count: stats.tags } };
}

function shorten(s: string): string {
  return s.length > 60 ? s.slice(0, 57) + '...' : s;
}
