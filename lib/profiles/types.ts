// A device profile: what a kind of device publishes and how its values become tags. One format
// for every protocol; an MQTT profile maps topics and JSON paths to tags, a Modbus profile carries
// a tag table (the rows modbus-device reads, checked by lib/modbus/tag-table).
import type { JsonPath } from './json-path';

export type ProfileProtocol = 'mqtt' | 'modbus';
export const PROFILE_PROTOCOLS: readonly ProfileProtocol[] = ['mqtt', 'modbus'];

/** Where a profile was loaded from: shipped in the package, or the user directory's profiles/. */
export type ProfileOrigin = 'package' | 'user';

interface ProfileBase {
  id: string;
  name: string;
  manufacturer?: string;
  model?: string;
  /** the published document the mapping comes from */
  source?: string;
  notes?: string;
  file: string;
  origin: ProfileOrigin;
}

export type MqttValueType = 'number' | 'boolean' | 'string';
export type MqttPayloadFormat = 'json' | 'plain';
export type MqttTimeFormat = 'iso' | 'epoch-s' | 'epoch-ms';

/** A topic the device publishes on. `{topic}` is the device's own topic level(s), `{device}` its id. */
export interface MqttTopic {
  topic: string;
  format: MqttPayloadFormat;
  /** where the device's own time is; absent: the arrival time */
  timestamp?: { path: JsonPath; format: MqttTimeFormat };
}

/** What a payload field means for the quality of the tags read from it. */
export interface QualityMapping {
  path: JsonPath;
  /** values that mean good; anything else in `bad` is bad, anything in neither uncertain */
  good: readonly (string | number | boolean)[];
  bad: readonly (string | number | boolean)[];
}

export interface MqttCommand {
  topic: string;
  /** `{value}` is the (mapped) value; `{device}`, `{topic}` as in topics */
  payload: string;
  /** the text sent for a value, e.g. { true: ON, false: OFF } */
  values?: Readonly<Record<string, string>>;
  /** the device's answer: a message on this topic whose value (read like the tag) equals the written one */
  confirm?: { topic: string; path?: JsonPath; format: MqttPayloadFormat; timeoutS: number };
}

export interface MqttTag {
  name: string;
  description?: string;
  unit?: string;
  type: MqttValueType;
  scale: number;
  offset: number;
  access: 'r' | 'rw';
  /** one of the profile's topics */
  topic: string;
  /** absent: the whole payload (plain topics) */
  path?: JsonPath;
  /** the payload value (as text) -> the tag value, e.g. { ON: true, OFF: false } */
  values?: Readonly<Record<string, string | number | boolean>>;
  /** values a device sends for "no reading" (a DS18B20's 85 and -127): bad, not a temperature */
  invalid?: readonly number[];
  quality?: QualityMapping;
  command?: MqttCommand;
}

export interface Availability {
  topic: string;
  online: string;
  offline: string;
}

export interface MqttProfile extends ProfileBase {
  protocol: 'mqtt';
  topics: MqttTopic[];
  tags: MqttTag[];
  availability?: Availability;
  /** the device's publishing period, seconds */
  interval: number;
  /** silence longer than this (seconds) makes every tag stale */
  staleAfter: number;
}

export interface ModbusProfile extends ProfileBase {
  protocol: 'modbus';
  notation: 'zero' | 'one' | 'modicon';
  defaults?: Record<string, unknown>;
  groups: { name: string; interval: number }[];
  /** tag-table rows as written (lib/modbus/tag-table reads them) */
  tags: Record<string, unknown>[];
}

export type DeviceProfile = MqttProfile | ModbusProfile;

export interface ProfileSummary {
  id: string;
  name: string;
  protocol: ProfileProtocol;
  manufacturer?: string;
  model?: string;
  origin: ProfileOrigin;
  file: string;
  tags: number;
  writable: string[];
}

export function summarize(p: DeviceProfile): ProfileSummary {
  const writable = p.protocol === 'mqtt' ? p.tags.filter((t) => t.access === 'rw').map((t) => t.name) : p.tags.filter((t) => t.access === 'rw').map((t) => String(t.name));
  return { id: p.id, name: p.name, protocol: p.protocol, manufacturer: p.manufacturer, model: p.model, origin: p.origin, file: p.file, tags: p.tags.length, writable };
}
