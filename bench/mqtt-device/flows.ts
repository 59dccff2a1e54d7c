// The flows of bench/mqtt-device.bench.ts: one mqtt-device per publishing device, or Node-RED's
// own `mqtt in` (one wildcard subscription for every device) -> `json`, each into a counting node;
// what a counting end (the node, or the broker-alone subscriber) reports.

export type PayloadKind = 'tasmota' | 'plain';

export interface BenchFlow {
  flow: 'device' | 'json' | 'none';
  port: number;
  qos: 0 | 1;
  devices: number;
  kind: PayloadKind;
}

/** The topic device `bench<i>` publishes on. */
export function deviceTopic(kind: PayloadKind, i: number): string {
  return kind === 'tasmota' ? `tele/bench${i}/SENSOR` : `bench${i}/sensor/temperature/state`;
}

/** 100 distinct payloads of the kind, as a device sends them (a Tasmota plug's power changes, an ESPHome temperature moves). */
export function devicePayloads(kind: PayloadKind): string[] {
  return Array.from({ length: 100 }, (_, i) =>
    kind === 'plain'
      ? String(20 + i / 10)
      : JSON.stringify({
          Time: '2024-05-01T12:00:00',
          ENERGY: {
            TotalStartTime: '2024-01-01T00:00:00',
            Total: 3.705,
            Yesterday: 0.028,
            Today: 0.026,
            Period: 0,
            Power: i,
            ApparentPower: 27,
            ReactivePower: 8,
            Factor: 0.93,
            Voltage: 231,
            Current: 0.117,
          },
        }),
  );
}

/** One subscription that takes every device's messages. */
export function everyDeviceFilter(kind: PayloadKind): string {
  return kind === 'tasmota' ? 'tele/+/SENSOR' : '+/sensor/temperature/state';
}

export function deviceFlow(f: BenchFlow): Record<string, unknown>[] {
  if (f.flow === 'none') return [];
  const broker = {
    id: 'benchBroker',
    type: 'mqtt-broker',
    // BENCH_BROKER_HOST: another of the host's addresses than loopback, to measure mqtt-device over an
    // MQTT connection to the gateway's own aedes rather than taking the messages from it in-process
    broker: process.env.BENCH_BROKER_HOST ?? '127.0.0.1',
    port: String(f.port),
    clientid: '',
    autoConnect: true,
    usetls: false,
    protocolVersion: '4',
    keepalive: '60',
    cleansession: true,
  };
  const nodes: Record<string, unknown>[] =
    f.flow === 'device'
      ? Array.from({ length: f.devices }, (_, i) => ({
          id: `dev${i}`,
          z: 't',
          type: 'edgegw-mqtt-device',
          broker: 'benchBroker',
          profile: f.kind === 'tasmota' ? 'tasmota-energy-plug' : 'esphome-sensor',
          topic: `bench${i}`,
          device: `bench${i}`,
          qos: String(f.qos),
          staleAfter: 0,
          wires: [['count']],
        }))
      : [
          { id: 'in', z: 't', type: 'mqtt in', broker: 'benchBroker', topic: everyDeviceFilter(f.kind), qos: String(f.qos), datatype: 'utf8', wires: [['parse']] },
          { id: 'parse', z: 't', type: 'json', property: 'payload', action: 'obj', wires: [['count']] },
        ];
  return [{ id: 't', type: 'tab', label: 'bench' }, ...nodes, { id: 'count', z: 't', type: 'bench-count', wires: [] }, broker];
}

export interface Counted {
  /** messages that reached the counting node, the first and last one's time (ms, performance.now) */
  n: number;
  first: number;
  last: number;
  /** tag samples they carried (msg.tags of a scan) */
  samples: number;
  /** the messages awaited, and the process's CPU time (µs, user + system) at the first and at the last of them */
  expected: number;
  cpuFirst: number;
  cpuLast: number;
}

/** The process's CPU time so far, µs. */
export function cpuMicros(): number {
  const u = process.cpuUsage();
  return u.user + u.system;
}

export const noneCounted = (expected: number): Counted => ({ n: 0, first: 0, last: 0, samples: 0, expected, cpuFirst: NaN, cpuLast: NaN });
