// Home Assistant MQTT discovery: from the tags the gateway publishes, the retained config
// messages that make Home Assistant show every device and tag with no configuration.
// https://www.home-assistant.io/integrations/mqtt/#mqtt-discovery
//
// State comes from the data topic the flows already publish, devices/<device>/data, whose
// payload is {"device_id","ts","values":{<tag>: value},"quality":{...},"units":{...}}; each
// entity reads its own value out of it with a value_template. Availability is the gateway's
// retained online/offline status topic (its last will). Units: ./ha-units; templates: ./ha-templates.
import { createHash } from 'node:crypto';
import type { TagSample } from '../tags/contract';
import { classifyUnit, type UnitClass } from './ha-units';
import { valueTemplate } from './ha-templates';

export { classifyUnit, type UnitClass } from './ha-units';

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

/**
 * An entity id's object part as Home Assistant validates it (VALID_ENTITY_ID in
 * homeassistant/core.py): lower-case letters, digits and single underscores, none at either end.
 */
export function entityIdPart(text: string): string {
  return (
    text
      .toLowerCase()
      .replace(/[^a-z0-9]+/g, '_')
      .replace(/^_+|_+$/g, '') || 'x'
  );
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

/** The owner of the gateway's own uptime entity's ids: not a string, so no (device, tag) key can equal it. */
const GATEWAY_UPTIME_KEY = Symbol('gateway uptime');

/** Builds discovery configs; remembers what it sent so each entity goes out once, again on change. */
export class HaDiscovery {
  private readonly sent = new Map<string, { topic: string; signature: string }>();
  /** object id -> the (device, tag) that has it: two names that map to one id must not overwrite each other */
  private readonly idOwners = new Map<string, string | symbol>();
  /** entity id -> the (device, tag) that has it ("Pump" and "pump" have two object ids but would share an entity id) */
  private readonly entityIdOwners = new Map<string, string | symbol>();
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
      const id = claimId(this.idOwners, `${objectIdPart(this.opts.gatewayId)}_${objectIdPart(s.device)}_${objectIdPart(s.name)}`, key);
      const msg = this.entityConfig(s, component, id, `${component}.${claimId(this.entityIdOwners, entityIdPart(id), key)}`);
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
    // claimed like a tag's ids, so that a tag "uptime" of a device "gateway" cannot take them
    const id = claimId(this.idOwners, `${objectIdPart(this.opts.gatewayId)}_gateway_uptime`, GATEWAY_UPTIME_KEY);
    const entityId = `sensor.${claimId(this.entityIdOwners, entityIdPart(id), GATEWAY_UPTIME_KEY)}`;
    return {
      topic: `${this.prefix}/sensor/${id}/config`,
      payload: {
        name: 'Uptime',
        unique_id: id,
        default_entity_id: entityId,
        state_topic: `edge-gateway/${this.opts.gatewayId}/heartbeat`,
        value_template: valueTemplate('number', ['uptime', 'process_s']),
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

  private entityConfig(s: TagSample, component: Component, id: string, entityId: string): DiscoveryMessage {
    const info = this.opts.devices?.[s.device] ?? {};
    const payload: Record<string, unknown> = {
      name: s.name,
      unique_id: id,
      // object_id is deprecated since Home Assistant 2025.10 and ignored from 2026.4
      default_entity_id: entityId,
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
    const path: [string, string] = ['values', s.name];
    if (component === 'binary_sensor') {
      payload.value_template = valueTemplate('boolean', path);
    } else if (typeof s.value === 'number' || typeof s.value === 'bigint') {
      payload.value_template = valueTemplate('number', path);
      const cls: Partial<UnitClass> = classifyUnit(s.unit, s.name) ?? { state_class: 'measurement' };
      if (cls.unit) payload.unit_of_measurement = cls.unit;
      if (cls.device_class) payload.device_class = cls.device_class;
      if (cls.state_class) payload.state_class = cls.state_class;
    } else {
      payload.value_template = valueTemplate('text', path);
    }
    return { topic: `${this.prefix}/${component}/${id}/config`, payload, retain: true, qos: 1 };
  }
}

function componentOf(value: TagSample['value']): Component | undefined {
  if (typeof value === 'boolean') return 'binary_sensor';
  if (typeof value === 'number' || typeof value === 'bigint' || typeof value === 'string') return 'sensor';
  return undefined;
}

/** The id, or (when another tag already has it: "a.b" and "a b") the id with the hash of this tag's device and name. */
function claimId(owners: Map<string, string | symbol>, id: string, key: string | symbol): string {
  const owner = owners.get(id);
  const claimed = owner !== undefined && owner !== key ? `${id}_${shortHash(key.toString())}` : id;
  owners.set(claimed, key);
  return claimed;
}
