// Home Assistant MQTT discovery: from the tags the gateway publishes, the retained config
// messages that make Home Assistant show every device and tag with no configuration.
// https://www.home-assistant.io/integrations/mqtt/#mqtt-discovery
//
// State comes from the data topic the flows already publish, devices/<device>/data, whose
// payload is {"device_id","ts","values":{<tag>: value},"quality":{...},"units":{...}}; each
// entity reads its own value out of it with a value_template. Availability is the gateway's
// retained online/offline status topic (its last will).
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

/** One id part for Home Assistant object ids: [A-Za-z0-9_-] only. */
export function objectIdPart(text: string): string {
  return text.replace(/[^A-Za-z0-9_-]+/g, '_').replace(/^_+|_+$/g, '') || 'x';
}

type Component = 'sensor' | 'binary_sensor';

/** Builds discovery configs; remembers what it sent so each entity goes out once, again on change. */
export class HaDiscovery {
  private readonly sent = new Map<string, { topic: string; signature: string }>();
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
      if (before?.signature === signature) continue;
      const msg = this.entityConfig(s, component);
      if (before && before.topic !== msg.topic) out.push({ topic: before.topic, payload: '', retain: true, qos: 1 });
      out.push(msg);
      this.sent.set(key, { topic: msg.topic, signature });
    }
    return out;
  }

  /** Forget what was sent (e.g. after Home Assistant restarted without retained configs). */
  reset(): void {
    this.sent.clear();
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

  private entityConfig(s: TagSample, component: Component): DiscoveryMessage {
    const id = `${objectIdPart(this.opts.gatewayId)}_${objectIdPart(s.device)}_${objectIdPart(s.name)}`;
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
