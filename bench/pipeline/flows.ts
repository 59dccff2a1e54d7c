// The device and flows of bench/pipeline.bench.ts: a 1,000-tag Modbus device (a realistic mix of
// holding and input registers of four types, and coils) and the two flows measured in one run:
// the Modbus-only ceiling (modbus-device with nothing downstream) and the whole pipeline.
import { serializeTagTableCsv } from '../../lib/modbus/tag-table';
import type { Area, TagDef, TagType } from '../../lib/modbus/types';

export const DEVICE = 'press';
export const CALC_DEVICE = 'calc';
export const TOPIC_TEMPLATE = 'devices/{device}/data';

/** [area, type, how many]: 400 holding, 400 input registers, 200 coils = 1,000 tags. */
const MIX: ReadonlyArray<readonly [Area, TagType, number]> = [
  ['holding', 'uint16', 150],
  ['holding', 'int16', 100],
  ['holding', 'float32', 100],
  ['holding', 'uint32', 50],
  ['input', 'uint16', 150],
  ['input', 'int16', 50],
  ['input', 'float32', 150],
  ['input', 'uint32', 50],
  ['coil', 'bool', 200],
];

const WORDS: Partial<Record<TagType, number>> = { float32: 2, uint32: 2, int32: 2 };

/** Tag names say area and type: h_f32_3 is the fourth float32 holding register tag. */
export function deviceTags(): TagDef[] {
  const tags: TagDef[] = [];
  const next: Partial<Record<Area, number>> = {};
  const short: Record<string, string> = { uint16: 'u16', int16: 'i16', float32: 'f32', uint32: 'u32', bool: 'b' };
  for (const [area, type, count] of MIX) {
    for (let i = 0; i < count; i++) {
      const address = next[area] ?? 0;
      next[area] = address + (type === 'bool' ? 1 : (WORDS[type] ?? 1));
      // a scale on some registers, as real tables have: the codec's scaling path is measured too
      const scale = type !== 'bool' && i % 3 === 0 ? 0.1 : 1;
      tags.push({ name: `${area[0]}_${short[type]}_${i}`, area, address, type, order: 'ABCD', scale, offset: 0, access: 'r' });
    }
  }
  return tags;
}

export const TAG_COUNT = 1000;

/** Ten derived tags over the device's tags: arithmetic, a conditional, min/max/mean, a rate. */
export const CALC_DEFINITIONS = [
  `power_kw [kW] = ${DEVICE}.h_f32_0 * ${DEVICE}.h_f32_1 * 0.9 / 1000`,
  `delta_t [K] = ${DEVICE}.i_f32_0 - ${DEVICE}.i_f32_1`,
  `flow_total = ${DEVICE}.h_u16_0 + ${DEVICE}.h_u16_1 + ${DEVICE}.h_u16_2`,
  `pressure_bar [bar] = ${DEVICE}.i_u16_10 / 100`,
  `hottest = max(${DEVICE}.i_f32_2, ${DEVICE}.i_f32_3, ${DEVICE}.i_f32_4)`,
  `mean_speed = mean([${DEVICE}.h_i16_0, ${DEVICE}.h_i16_1, ${DEVICE}.h_i16_2, ${DEVICE}.h_i16_3])`,
  `running = ${DEVICE}.c_b_1 and not ${DEVICE}.c_b_0`,
  `overload = power_kw > 50 ? 1 : 0`,
  `energy_rate = rate(${DEVICE}.h_u32_0)`,
  `efficiency = power_kw > 0 ? min(1, delta_t / power_kw) : 0`,
].join('\n');

export interface FlowOptions {
  modbusPort: number;
  brokerPort: number;
  /** modbus-connection maxInFlight (requests pipelined on the line) */
  maxInFlight: number;
  /** poll interval of the device's one group, ms (1 = as fast as it answers) */
  intervalMs: number;
}

function acquisition(o: FlowOptions, wires: string[][]): Array<Record<string, unknown>> {
  return [
    { id: 'benchTab', type: 'tab', label: 'pipeline bench' },
    { id: 'benchLine', type: 'edgegw-modbus-connection', name: 'bench line', transport: 'tcp', host: '127.0.0.1', port: String(o.modbusPort), timeoutMs: 1000, maxInFlight: o.maxInFlight },
    {
      id: 'benchDevice',
      type: 'edgegw-modbus-device',
      z: 'benchTab',
      name: DEVICE,
      connection: 'benchLine',
      device: DEVICE,
      unit: 1,
      notation: 'zero',
      tags: serializeTagTableCsv(deviceTags()),
      groups: [{ name: 'all', interval: o.intervalMs }],
      output: 'scan',
      maxGap: 0,
      maxRegisters: 125,
      maxBits: 2000,
      wires,
    },
  ];
}

/** modbus-device alone: what the line and the poller deliver with nothing downstream. */
export function ceilingFlow(o: FlowOptions): Array<Record<string, unknown>> {
  return acquisition(o, [[]]);
}

/**
 * The pipeline as the default flows wire it: every scan goes to the queue, and to tag-calc whose
 * derived scan goes to the same queue; the queue forwards to the broker at QoS 1.
 */
export function pipelineFlow(o: FlowOptions, withCalc = true): Array<Record<string, unknown>> {
  return [
    ...acquisition(o, [withCalc ? ['benchQueue', 'benchCalc'] : ['benchQueue']]),
    ...(withCalc
      ? [
          {
            id: 'benchCalc',
            type: 'edgegw-tag-calc',
            z: 'benchTab',
            name: 'derived',
            definitions: CALC_DEFINITIONS,
            device: CALC_DEVICE,
            trigger: 'input',
            output: 'scan',
            missing: 'uncertain',
            wires: [['benchQueue']],
          },
        ]
      : []),
    {
      id: 'benchTarget',
      type: 'edgegw-forward-target',
      name: 'embedded broker',
      kind: 'mqtt',
      url: `mqtt://127.0.0.1:${o.brokerPort}`,
      clientId: 'bench',
      qos: 1,
      protocolVersion: 4,
      topic: TOPIC_TEMPLATE,
      publish: 'payload',
      retain: false,
      maxInFlight: 100,
      maxBatch: 25,
    },
    {
      id: 'benchQueue',
      type: 'edgegw-store-forward',
      z: 'benchTab',
      name: 'bench queue',
      queue: 'bench',
      target: 'benchTarget',
      storage: 'sqlite',
      durability: 'normal',
      batchMs: 20,
      batchMax: 500,
      policy: 'drop-oldest',
      wires: [[], []],
    },
  ];
}
