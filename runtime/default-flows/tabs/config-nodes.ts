// The config nodes the tabs share: the broker, the tag store, the forwarding target and the
// operator API; the simulated plant's Modbus line and CAN interface.
import { nodeType } from '../../../nodes/common/migrations';
import { BROKER_ID, type FlowNode, type FlowsEnvironment } from '../flow-node';

export const MODBUS_LINE_ID = 'edgegw.mb.connection';
export const CAN_INTERFACE_ID = 'edgegw.can.interface';
export const TAG_STORE_ID = 'edgegw.tags.store';
export const FORWARD_TARGET_ID = 'edgegw.fwd.target';
export const GATEWAY_API_ID = 'edgegw.api';

/** The broker of every MQTT node; its birth, close and will messages are the gateway's status. */
export const brokerNode = (env: FlowsEnvironment): FlowNode => ({
  id: BROKER_ID,
  type: 'mqtt-broker',
  name: 'gateway broker',
  broker: env.mqttUrl,
  port: '1883',
  clientid: '',
  autoConnect: true,
  usetls: false,
  protocolVersion: '4',
  keepalive: '30',
  cleansession: true,
  autoUnsubscribe: true,
  birthTopic: env.statusTopic,
  birthQos: '1',
  birthRetain: 'true',
  birthPayload: 'online',
  birthMsg: {},
  closeTopic: env.statusTopic,
  closeQos: '1',
  closeRetain: 'true',
  closePayload: 'offline',
  closeMsg: {},
  willTopic: env.statusTopic,
  willQos: '1',
  willRetain: 'true',
  willPayload: 'offline',
  willMsg: {},
  userProps: '',
  sessionExpiry: '',
});

/** The simulated plant's Modbus line and CAN interface. */
const simulatorConfigNodes = (env: FlowsEnvironment): FlowNode[] => [
  {
    id: MODBUS_LINE_ID,
    type: nodeType('modbus-connection'),
    name: 'simulator line',
    transport: 'tcp',
    host: '127.0.0.1',
    port: env.simPort,
    path: '/dev/ttyUSB0',
    baudRate: 9600,
    parity: 'none',
    dataBits: 8,
    stopBits: 1,
    timeoutMs: 1000,
    maxInFlight: 1,
    reconnectMinMs: 500,
    reconnectMaxMs: 30000,
    unitBackoffMinMs: 1000,
    unitBackoffMaxMs: 30000,
    breakerThreshold: 5,
    breakerResetMs: 30000,
    queueTimeoutMs: '',
    interFrameDelayMs: '',
  },
  {
    id: CAN_INTERFACE_ID,
    type: nodeType('can-interface'),
    name: 'demo CAN log',
    kind: 'replay',
    iface: 'can0',
    filters: '',
    serialPath: '/dev/ttyACM0',
    baudRate: 115200,
    bitrate: 500000,
    timestamps: true,
    listenOnly: false,
    statusPollMs: 0,
    file: env.demoCanLog,
    pace: 'realtime',
    speed: 1,
    loop: true,
    replayTimestamps: 'replay',
  },
];

/** The tag store every scan goes into: maxAgeRules per device, user tags the flows may set. */
export const tagStoreNode = (maxAgeRules: string, userTags: string): FlowNode => ({
  id: TAG_STORE_ID,
  type: nodeType('tag-store'),
  name: 'gateway tags',
  persist: true,
  file: '',
  maxAge: 30,
  maxAgeRules,
  userDevice: 'user',
  userTags,
});

/** The broker again, as the durable queues' target; its client id is the gateway id. */
export const forwardTargetNode = (env: FlowsEnvironment): FlowNode => ({
  id: FORWARD_TARGET_ID,
  type: nodeType('forward-target'),
  name: 'gateway broker (queued)',
  kind: 'mqtt',
  url: env.mqttUrl,
  clientId: env.gatewayId,
  qos: 1,
  protocolVersion: 4,
  topic: '{topic}',
  retain: false,
  publish: 'payload',
  maxInFlight: 100,
  maxBatch: 25,
  usetls: false,
  ca: '',
  cert: '',
  servername: '',
  rejectUnauthorized: true,
});

/**
 * The operator API at /api: it finds the tag store, devices, alarms, queues and historian of the
 * flows through the API directory, so nothing is wired to it.
 */
export const gatewayApiNode = (): FlowNode => ({
  id: GATEWAY_API_ID,
  type: nodeType('gateway-api'),
  name: 'operator API',
  basePath: '/api',
  corsOrigins: '',
  bodyLimitKb: 64,
});

export const configNodes = (env: FlowsEnvironment): FlowNode[] => [
  brokerNode(env),
  ...simulatorConfigNodes(env),
  tagStoreNode('meter = 10\nboiler = 15\nplant-can = 15', 'tariff number 0..10 EUR/kWh = 0.25'),
  forwardTargetNode(env),
  gatewayApiNode(),
];
