// Processing: derived tags, alarms and statistics over every acquired scan; the operator
// acknowledges alarms with a button or over MQTT.
import { nodeType } from '../../../nodes/common/migrations';
import { BROKER_ID, comment, debug, functionBody, functionNode, linkIn, linkOut, readmeText, type FlowNode, type FlowsEnvironment } from '../flow-node';
import { ACQUISITION_OUT, DERIVED_OUT, HA_SCANS_IN, type Plant } from '../plant';
import { TAG_STORE_ID } from './config-nodes';
import { TAB } from './ids';

export const SIMULATED_ALARM_RULES = `tag,type,limit,deadband,on_delay,off_delay,severity,message
boiler/flow_temp,hi,85,3,3,5,critical,Boiler flow temperature {value} degC over {limit} degC
boiler/flow_temp,bad,,,2,2,high,Boiler: communication lost
boiler/flow_temp,stale,15,,,,high,Boiler: no fresh reading for 15 s
meter/l1_voltage,bad,,,2,2,high,Energy meter: communication lost
meter/l1_voltage,stale,15,,,,high,Energy meter: no fresh reading for 15 s
meter/l1_voltage,lo,207,3,10,5,medium,Energy meter: L1 voltage {value} V under {limit} V
plant-can/FlowTemp,stale,15,,,,medium,CAN bus: no BoilerStatus frame for 15 s
system/disk_used,hi,95,2,30,30,high,Gateway disk {value} % full (over {limit} %)
system/memory_used,hi,90,3,60,30,medium,Gateway memory {value} % used (over {limit} %)
system/soc_temperature,hi,80,5,30,30,high,Gateway SoC {value} degC (over {limit} degC)
`;

export const SIMULATED_DERIVED_TAGS = `# apparent power of the three phases, kVA
meter_apparent_kva [kVA] = (meter.l1_voltage * meter.l1_current + meter.l2_voltage * meter.l2_current + meter.l3_voltage * meter.l3_current) / 1000
# energy per hour: the import counter's change per second (kWh/s) times 3600
meter_energy_per_hour [kWh/h] = rate(meter.import_energy) * 3600
# heating delta-T between flow and return
boiler_delta_t [K] = boiler.flow_temp - boiler.return_temp
`;

/** How the two statistics nodes differ: window length, percentiles, reporting and persistence. */
interface StatsWindow {
  lengthUnit: string;
  percentiles: boolean;
  graceSec: number;
  report: boolean;
  reportPrefix: string;
  retentionDays: number;
  persist: string;
  dbFile: string;
}

const statsNode = (id: string, name: string, fields: StatsWindow, x: number, y: number): FlowNode => ({
  id,
  type: nodeType('stats'),
  z: TAB.processing,
  name,
  windowKind: 'tumbling',
  windowBy: 'time',
  length: 1,
  lengthUnit: fields.lengthUnit,
  hop: 1,
  hopUnit: 'min',
  align: true,
  timeZone: '',
  percentiles: fields.percentiles,
  graceSec: fields.graceSec,
  report: fields.report,
  reportDir: 'reports',
  reportPer: 'day',
  reportPrefix: fields.reportPrefix,
  retentionDays: fields.retentionDays,
  persist: fields.persist,
  dbFile: fields.dbFile,
  x,
  y,
  wires: [['edgegw.proc.stats.debug']],
});

/** The alarm node's acknowledgements: a button for "all", and edge-gateway/<gateway id>/alarms/ack. */
const acknowledgements = (z: string, env: FlowsEnvironment, alarmId: string, y: number): FlowNode[] => [
  {
    id: 'edgegw.proc.ack.all',
    type: 'inject',
    z,
    name: 'acknowledge all',
    props: [
      { p: 'ack', v: 'all', vt: 'str' },
      { p: 'ackedBy', v: 'editor', vt: 'str' },
    ],
    repeat: '',
    crontab: '',
    once: false,
    onceDelay: 0.1,
    topic: '',
    x: 160,
    y,
    wires: [[alarmId]],
  },
  {
    id: 'edgegw.proc.ack.mqtt',
    type: 'mqtt in',
    z,
    name: 'alarms/ack',
    topic: env.alarmsAckTopic,
    qos: '1',
    datatype: 'utf8',
    broker: BROKER_ID,
    nl: false,
    rap: true,
    rh: 0,
    inputs: 0,
    x: 150,
    y: y + 60,
    wires: [['edgegw.proc.ack.parse']],
  },
  functionNode('edgegw.proc.ack.parse', z, 'acknowledgement', functionBody('alarm-ack'), 370, y + 60, [[alarmId]]),
];

export function processingTab(env: FlowsEnvironment, plant: Plant): FlowNode[] {
  const z = TAB.processing;
  const calc = plant.derivedTags !== undefined;
  // every acquired and derived tag: the stats windows and the history (7 days, changes only
  // beyond no deadband, at least once a minute)
  const stats = ['edgegw.proc.minute', 'edgegw.proc.hourly', 'edgegw.proc.history'];
  return [
    comment('edgegw.proc.comment', z, 'Processing: read me (double-click)', readmeText(plant.readme.processing), 180, 40),
    linkIn('edgegw.proc.in', z, 'acquired scans', [ACQUISITION_OUT], 75, 200, [[...(calc ? ['edgegw.proc.calc'] : []), 'edgegw.proc.alarm', ...stats]]),
    ...(calc
      ? [
          {
            id: 'edgegw.proc.calc',
            type: nodeType('tag-calc'),
            z,
            name: 'derived',
            definitions: plant.derivedTags,
            device: 'calc',
            trigger: 'input',
            interval: 10,
            output: 'scan',
            missing: 'skip',
            store: TAG_STORE_ID,
            x: 250,
            y: 110,
            wires: [[DERIVED_OUT, ...stats]],
          },
          linkOut(DERIVED_OUT, z, 'derived scans', ['edgegw.fwd.in', HA_SCANS_IN], 395, 110),
        ]
      : []),
    {
      id: 'edgegw.proc.alarm',
      type: nodeType('alarm'),
      z,
      name: 'gateway alarms',
      rulesSource: 'editor',
      rules: plant.alarmRules,
      rulesFile: '',
      cooldownSec: 0,
      persist: 'sqlite',
      dbFile: 'edge-gateway-state.db',
      healthOn: 'critical-unacknowledged',
      x: 620,
      y: 380,
      wires: [['edgegw.proc.alarm.topic'], []],
    },
    functionNode('edgegw.proc.alarm.topic', z, 'to alarms topic', functionBody('alarms-topic'), 850, 380, [['edgegw.proc.alarm.out']]),
    linkOut('edgegw.proc.alarm.out', z, 'alarm events (events queue)', ['edgegw.fwd.events.in'], 995, 380),
    ...acknowledgements(z, env, 'edgegw.proc.alarm', 420),
    statsNode(
      'edgegw.proc.minute',
      '1-minute figures',
      { lengthUnit: 'min', percentiles: false, graceSec: 2, report: false, reportPrefix: 'minute', retentionDays: 30, persist: 'memory', dbFile: '' },
      620,
      200,
    ),
    statsNode(
      'edgegw.proc.hourly',
      'hourly report',
      { lengthUnit: 'h', percentiles: true, graceSec: 5, report: true, reportPrefix: 'gateway', retentionDays: 90, persist: 'sqlite', dbFile: 'edge-gateway-state.db' },
      620,
      270,
    ),
    debug('edgegw.proc.stats.debug', z, 'window figures', 870, 235),
    {
      id: 'edgegw.proc.history',
      type: nodeType('historian'),
      z,
      name: 'tag history (7 days)',
      dbFile: 'edge-gateway-history.db',
      retentionDays: 7,
      batchSize: 20000,
      batchMs: 1000,
      deadbandAbs: 0,
      deadbandPct: 0,
      deadbandTags: '',
      maxIntervalSec: 60,
      x: 620,
      y: 330,
      wires: [[], []],
    },
  ];
}
