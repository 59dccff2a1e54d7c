// A device's configuration as the modbus-device node (or any other host) receives it: checked
// field by field, tag table included, so a bad deploy names the field, line, tag and column.
import { packBlocks, planItem, PlannerError } from './planner';
import type { PollGroup } from './poller';
import { readTagTable, type AddressNotation, type TagConfigError } from '../tag-table';
import type { TagDef } from '../types';
import { ConfigFieldError, readFields, type RawConfig } from '../../config/fields';
import { MODBUS_DEVICE_FIELDS } from './fields';
import { deviceIdObjectOf } from '../device-id-objects';
import type { DeviceIdObject } from '../device-id-objects';

export type OutputMode = (typeof MODBUS_DEVICE_FIELDS.fields.output.values)[number];
export const OUTPUT_MODES: readonly OutputMode[] = MODBUS_DEVICE_FIELDS.fields.output.values;

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
  /** or the identity check by a device identification object (function 43 / MEI 14) */
  deviceIdentity?: { object: DeviceIdObject; equals: string; every: number };
}

/** The raw settings (strings and numbers from the editor). */
export interface DeviceSettings extends RawConfig {
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
  identityMode?: unknown;
  identityObject?: unknown;
}

export class DeviceConfigError extends ConfigFieldError {
  constructor(
    field: string,
    reason: string,
    /** the tag table errors, when the field is `tags` */
    readonly tagErrors: TagConfigError[] = [],
    value?: unknown,
  ) {
    super(field, value, reason);
    this.name = 'DeviceConfigError';
  }
}

/** The declared fields (MODBUS_DEVICE_FIELDS), their refusals as DeviceConfigError. */
function deviceFields(s: DeviceSettings) {
  try {
    return readFields(MODBUS_DEVICE_FIELDS, s);
  } catch (err) {
    if (err instanceof ConfigFieldError) throw new DeviceConfigError(err.field, err.reason, [], err.value);
    throw err;
  }
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
  const { unit, notation, output, maxGap, maxRegisters, maxBits, parseJson, identityEvery, identityMode, identityObject } = deviceFields(s);
  const nameText = typeof s.device === 'string' && s.device.trim() ? s.device.trim() : typeof s.name === 'string' && s.name.trim() ? s.name.trim() : `unit${unit}`;
  if (nameText.includes('/')) throw new DeviceConfigError('device', `device name '${nameText}' must not contain '/' (it is the first part of every topic)`);
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
  const identity = identityMode === 'register' ? identityOf(s, r.tags, identityEvery) : undefined;
  const deviceIdentity = identityMode === 'device-id' ? deviceIdIdentityOf(s, identityObject, identityEvery) : undefined;
  return {
    device: nameText,
    unit,
    notation,
    tags: r.tags,
    groups,
    maxGap,
    maxRegisters,
    maxBits,
    output,
    parseJson,
    ...(identity ? { identity } : {}),
    ...(deviceIdentity ? { deviceIdentity } : {}),
  };
}

/** The identity check's settings: none when the tag field is empty; the tag must be in the table. */
function identityOf(s: DeviceSettings, tags: TagDef[], every: number): DeviceConfig['identity'] {
  const name = typeof s.identityTag === 'string' ? s.identityTag.trim() : '';
  if (s.identityTag !== undefined && s.identityTag !== null && typeof s.identityTag !== 'string') throw new DeviceConfigError('identityTag', 'must be a tag name');
  if (!name) return undefined;
  const tag = tags.find((t) => t.name === name);
  if (!tag) throw new DeviceConfigError('identityTag', `no tag named '${name}' in the tag table`);
  const equals = typeof s.identityEquals === 'string' || typeof s.identityEquals === 'number' ? String(s.identityEquals).trim() : '';
  if (!equals) throw new DeviceConfigError('identityEquals', `the identity tag '${name}' needs the value it must have`);
  return { tag, equals, every };
}

/** The identity check by a device identification object (function 43 / MEI 14): the object and the text it must read. */
function deviceIdIdentityOf(s: DeviceSettings, objectText: string, every: number): DeviceConfig['deviceIdentity'] {
  // the field's declaration checked the text already
  const object = deviceIdObjectOf(objectText)!;
  const equals = typeof s.identityEquals === 'string' || typeof s.identityEquals === 'number' ? String(s.identityEquals).trim() : '';
  if (!equals) throw new DeviceConfigError('identityEquals', `the identity object ${object.name} needs the value it must have`);
  return { object, equals, every };
}
