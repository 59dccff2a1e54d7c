// Home Assistant MQTT discovery: from the tags the gateway publishes, the retained config
// messages that make Home Assistant show every device and tag with no configuration.
// https://www.home-assistant.io/integrations/mqtt/#mqtt-discovery
//
// State comes from the data topic the flows already publish, devices/<device>/data, whose
// payload is {"device_id","ts","values":{<tag>: value},"quality":{...},"units":{...}}; each
// entity reads its own value out of it with a value_template. Availability is the gateway's
// retained online/offline status topic (its last will).
import { createHash } from 'node:crypto';
import type { TagSample } from '../tags/contract';

export interface DeviceInfo {
  name?: string;
  manufacturer?: string;
  model?: string;
}

export interface HaDiscoveryOptions {
  gatewayId: string;
  /** default "homeassistant" */
  discoveryPrefix?: string;
  /** default edge-gateway/<gatewayId>/status, payloads "online"/"offline" */
  statusTopic?: string;
  /** default devices/<device>/data */
  dataTopic?: (device: string) => string;
  /** what is known about each device (e.g. from its template) */
  devices?: Record<string, DeviceInfo>;
  gatewayVersion?: string;
  /** told once per tag whose state topic is not a valid MQTT topic name (its config is not sent) */
  warn?: (message: string) => void;
}

export interface DiscoveryMessage {
  topic: string;
  /** the config object, or '' to remove an entity Home Assistant knew under this topic */
  payload: Record<string, unknown> | '';
  retain: true;
  qos: 1;
}

export interface UnitClass {
  unit: string;
  device_class?: string;
  state_class?: 'measurement' | 'total' | 'total_increasing';
}

type Rule = { units: string[]; unit?: string; device_class: string; state_class: UnitClass['state_class'] };
// Units as Home Assistant expects them for each device class; aliases the field uses map onto them.
const RULES: Rule[] = [
  { units: ['V', 'mV', 'kV'], device_class: 'voltage', state_class: 'measurement' },
  { units: ['A', 'mA'], device_class: 'current', state_class: 'measurement' },
  { units: ['W', 'kW', 'MW'], device_class: 'power', state_class: 'measurement' },
  { units: ['Wh', 'kWh', 'MWh'], device_class: 'energy', state_class: 'total_increasing' },
  { units: ['VA', 'kVA'], device_class: 'apparent_power', state_class: 'measurement' },
  { units: ['var', 'kvar', 'VAr', 'kVAr'], device_class: 'reactive_power', state_class: 'measurement' },
  { units: ['Hz', 'kHz'], device_class: 'frequency', state_class: 'measurement' },
  { units: ['°C', 'degC', 'C'], unit: '°C', device_class: 'temperature', state_class: 'measurement' },
  { units: ['°F', 'degF'], unit: '°F', device_class: 'temperature', state_class: 'measurement' },
  { units: ['K'], device_class: 'temperature', state_class: 'measurement' },
  { units: ['Pa', 'hPa', 'kPa', 'bar', 'mbar', 'psi'], device_class: 'pressure', state_class: 'measurement' },
  { units: ['m³/h', 'm3/h', 'L/min', 'l/min'], device_class: 'volume_flow_rate', state_class: 'measurement' },
  { units: ['m³', 'm3', 'L', 'l'], device_class: 'volume', state_class: 'total' },
];

/** Home Assistant's unit, device_class and state_class for a tag; device_class only where the unit says it. */
export function classifyUnit(unit: string | undefined, tagName: string): UnitClass | undefined {
  if (!unit) return undefined;
  const u = unit.trim();
  if (u === '%') {
    // a percentage is a humidity or a battery level only when the name says so (a valve position is neither)
    if (/humid|(^|[^a-z])rh([^a-z]|$)/i.test(tagName)) return { unit: '%', device_class: 'humidity', state_class: 'measurement' };
    if (/battery|(^|[^a-z])soc([^a-z]|$)/i.test(tagName)) return { unit: '%', device_class: 'battery', state_class: 'measurement' };
    return { unit: '%', state_class: 'measurement' };
  }
  for (const r of RULES) {
    if (r.units.includes(u)) return { unit: r.unit ?? (u === 'm3/h' ? 'm³/h' : u === 'm3' ? 'm³' : u), device_class: r.device_class, state_class: r.state_class };
  }
  return { unit: u, state_class: 'measurement' };
}

const shortHash = (text: string): string => createHash('sha256').update(text).digest('hex').slice(0, 8);

/**
 * One id part for Home Assistant object ids: [A-Za-z0-9_-] only. ASCII punctuation and blanks
 * inside a name become _ ("Motor.Speed" -> Motor_Speed); a name that would lose more than that
 * (letters outside ASCII, characters cut off its ends, nothing left) gets a short hash of the
 * whole name, so "x#", "ü€", "" and "x" are four ids, the same ones on every start.
 */
export function objectIdPart(text: string): string {
  const slug = text.replace(/[^A-Za-z0-9_-]+/g, '_').replace(/^_+|_+$/g, '');
  const lossy = slug === '' || /[^\x20-\x7e]/.test(text) || /^[^A-Za-z0-9_-]|[^A-Za-z0-9_-]$/.test(text);
  return lossy ? `${slug || 'x'}_${shortHash(text)}` : slug;
}

/** Why a text is not an MQTT topic name to publish to (wildcards, NUL, empty levels, too long), or undefined. */
export function topicNameProblem(topic: string): string | undefined {
  if (topic.includes('\u0000')) return 'it holds NUL (U+0000)';
  if (/[#+]/.test(topic)) return 'it holds a wildcard (# or +)';
  if (topic.split('/').some((level) => level === '')) return 'it has an empty level';
  if (Buffer.byteLength(topic) > 65535) return 'it is longer than 65535 bytes';
  return undefined;
}

type Component = 'sensor' | 'binary_sensor';

/** Builds discovery configs; remembers what it sent so each entity goes out once, again on change. */
export class HaDiscovery {
  private readonly sent = new Map<string, { topic: string; signature: string }>();
  /** object id -> the (device, tag) that has it: two names that map to one id must not overwrite each other */
  private readonly idOwners = new Map<string, string>();
  /** tags whose state topic was refused (warned once) */
  private readonly refused = new Set<string>();
  private gatewaySent = false;
  private readonly prefix: string;
  private readonly statusTopic: string;
  private readonly dataTopic: (device: string) => string;

  constructor(private readonly opts: HaDiscoveryOptions) {
    this.prefix = opts.discoveryPrefix ?? 'homeassistant';
    this.statusTopic = opts.statusTopic ?? `edge-gateway/${opts.gatewayId}/status`;
    this.dataTopic = opts.dataTopic ?? ((d) => `devices/${d}/data`);
  }

  /** The configs these samples need that were not sent yet (or whose unit or type changed). */
  configsFor(samples: readonly TagSample[]): DiscoveryMessage[] {
    const out: DiscoveryMessage[] = [];
    if (!this.gatewaySent) {
      out.push(this.gatewayConfig());
      this.gatewaySent = true;
    }
    for (const s of samples) {
      const component = componentOf(s.value);
      // a value of unknown type (a bad read gives null) waits for a real one
      if (!component) continue;
      const key = `${s.device}\u0000${s.name}`;
      const signature = `${component}|${s.unit ?? ''}`;
      const before = this.sent.get(key);
      if (before?.signature === signature || this.refused.has(key)) continue;
      const problem = topicNameProblem(this.dataTopic(s.device));
      if (problem) {
        this.refused.add(key);
        this.opts.warn?.(
          `ha-discovery: tag ${JSON.stringify(s.name).slice(0, 200)} of device ${JSON.stringify(s.device).slice(0, 200)}: no config sent: its state topic ${JSON.stringify(this.dataTopic(s.device)).slice(0, 200)} is not an MQTT topic name (${problem})`,
        );
        continue;
      }
      const msg = this.entityConfig(s, component, this.objectId(key, s));
      if (before && before.topic !== msg.topic) out.push({ topic: before.topic, payload: '', retain: true, qos: 1 });
      out.push(msg);
      this.sent.set(key, { topic: msg.topic, signature });
    }
    return out;
  }

  /** Forget what was sent (e.g. after Home Assistant restarted without retained configs). */
  reset(): void {
    this.sent.clear();
    this.refused.clear();
    this.gatewaySent = false;
  }

  private gatewayDevice() {
    return {
      identifiers: [`edgegw_${this.opts.gatewayId}`],
      name: `edge-gateway ${this.opts.gatewayId}`,
      manufacturer: 'edge-gateway',
      model: 'edge-gateway',
      ...(this.opts.gatewayVersion ? { sw_version: this.opts.gatewayVersion } : {}),
    };
  }

  /** The gateway itself as a device (the one every field device is via): its uptime from the heartbeat. */
  private gatewayConfig(): DiscoveryMessage {
    const gw = objectIdPart(this.opts.gatewayId);
    const id = `${gw}_gateway_uptime`;
    return {
      topic: `${this.prefix}/sensor/${id}/config`,
      payload: {
        name: 'Uptime',
        unique_id: id,
        object_id: id,
        state_topic: `edge-gateway/${this.opts.gatewayId}/heartbeat`,
        value_template: '{{ value_json.uptime.process_s }}',
        unit_of_measurement: 's',
        device_class: 'duration',
        state_class: 'measurement',
        availability_topic: this.statusTopic,
        payload_available: 'online',
        payload_not_available: 'offline',
        device: this.gatewayDevice(),
      },
      retain: true,
      qos: 1,
    };
  }

  /** The tag's object id; when another tag already has it ("a.b" and "a b"), this one's gets the hash of its device and name. */
  private objectId(key: string, s: TagSample): string {
    let id = `${objectIdPart(this.opts.gatewayId)}_${objectIdPart(s.device)}_${objectIdPart(s.name)}`;
    const owner = this.idOwners.get(id);
    if (owner !== undefined && owner !== key) id = `${id}_${shortHash(key)}`;
    this.idOwners.set(id, key);
    return id;
  }

  private entityConfig(s: TagSample, component: Component, id: string): DiscoveryMessage {
    const info = this.opts.devices?.[s.device] ?? {};
    const read = `value_json['values'][${jinjaString(s.name)}]`;
    const payload: Record<string, unknown> = {
      name: s.name,
      unique_id: id,
      object_id: id,
      state_topic: this.dataTopic(s.device),
      availability_topic: this.statusTopic,
      payload_available: 'online',
      payload_not_available: 'offline',
      device: {
        identifiers: [`edgegw_${this.opts.gatewayId}_${s.device}`],
        name: info.name ?? s.device,
        ...(info.manufacturer ? { manufacturer: info.manufacturer } : {}),
        ...(info.model ? { model: info.model } : {}),
        via_device: `edgegw_${this.opts.gatewayId}`,
      },
    };
    if (component === 'binary_sensor') {
      payload.value_template = `{{ 'ON' if ${read} else 'OFF' }}`;
    } else if (typeof s.value === 'number' || typeof s.value === 'bigint') {
      payload.value_template = `{{ ${read} }}`;
      const cls: Partial<UnitClass> = classifyUnit(s.unit, s.name) ?? { state_class: 'measurement' };
      if (cls.unit) payload.unit_of_measurement = cls.unit;
      if (cls.device_class) payload.device_class = cls.device_class;
      if (cls.state_class) payload.state_class = cls.state_class;
    } else {
      payload.value_template = `{{ ${read} }}`;
    }
    return { topic: `${this.prefix}/${component}/${id}/config`, payload, retain: true, qos: 1 };
  }
}

function componentOf(value: TagSample['value']): Component | undefined {
  if (typeof value === 'boolean') return 'binary_sensor';
  if (typeof value === 'number' || typeof value === 'bigint' || typeof value === 'string') return 'sensor';
  return undefined;
}

/** A tag name as a Jinja string literal: tag names may hold dots, spaces and quotes. */
function jinjaString(text: string): string {
  return `'${text.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
}
