// The shapes of a flows file and the Node-RED core nodes the default flows use, built with the
// fields the editor saves for them (so a deploy from the editor leaves the file unchanged).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

export type FlowValue = string | number | boolean | null | FlowValue[] | { [field: string]: FlowValue };

export interface FlowNode {
  id: string;
  type: string;
  /** the tab it is on; config nodes and tabs have none */
  z?: string;
  x?: number;
  y?: number;
  [field: string]: FlowValue | undefined;
}

export type Wires = string[][];

/**
 * What the flows take from where they run. The runtime passes its `${VAR}`s through (Node-RED
 * substitutes them at start); the palette example gets concrete values.
 */
export interface FlowsEnvironment {
  mqttUrl: string;
  simPort: string;
  demoCanLog: string;
  demoDbc: string;
  /** the broker config's birth, close and will topic */
  statusTopic: string;
  /** the MQTT client id of the forwarding target */
  gatewayId: string;
  /** the gateway id field of the heartbeat and discovery nodes (blank: the runtime's EDGEGW_GATEWAY_ID) */
  nodesGatewayId: string;
  /** where an operator acknowledges alarms: edge-gateway/<gateway id>/alarms/ack */
  alarmsAckTopic: string;
}

/**
 * The code of a function node: a file in function-nodes/, kept apart so that ESLint checks it as
 * Node-RED runs it (eslint.config.mjs) and taken byte for byte.
 */
export function functionBody(name: string): string {
  return readFileSync(join(__dirname, 'function-nodes', `${name}.js`), 'utf8');
}

/** The text of a tab's read-me comment: readme/<name>.md without its final newline. */
export function readmeText(name: string): string {
  const file = join(__dirname, 'readme', `${name}.md`);
  const text = readFileSync(file, 'utf8');
  if (!text.endsWith('\n')) throw new Error(`${file}: expected to end with one newline`);
  return text.slice(0, -1);
}

export const comment = (id: string, z: string, name: string, info: string, x = 330, y = 40): FlowNode => ({ id, type: 'comment', z, name, info, x, y, wires: [] });

export const functionNode = (id: string, z: string, name: string, func: string, x: number, y: number, wires: Wires, outputs = 1): FlowNode => ({
  id,
  type: 'function',
  z,
  name,
  func,
  outputs,
  timeout: 0,
  noerr: 0,
  initialize: '',
  finalize: '',
  libs: [],
  x,
  y,
  wires,
});

export interface InjectOptions {
  once?: boolean;
  onceDelay?: string;
}

export const inject = (id: string, z: string, name: string, repeat: string, x: number, y: number, wires: Wires, { once = true, onceDelay = '0.5' }: InjectOptions = {}): FlowNode => ({
  id,
  type: 'inject',
  z,
  name,
  props: [{ p: 'payload' }],
  repeat,
  crontab: '',
  once,
  onceDelay,
  topic: '',
  payload: '',
  payloadType: 'date',
  x,
  y,
  wires,
});

export interface DebugOptions {
  active?: boolean;
  /** 'true' for the whole message, else the property shown */
  complete?: string;
}

export const debug = (id: string, z: string, name: string, x: number, y: number, { active = false, complete = 'true' }: DebugOptions = {}): FlowNode => ({
  id,
  type: 'debug',
  z,
  name,
  active,
  tosidebar: true,
  console: false,
  tostatus: false,
  complete,
  targetType: complete === 'true' ? 'full' : 'msg',
  statusVal: '',
  statusType: 'auto',
  x,
  y,
  wires: [],
});

export const linkIn = (id: string, z: string, name: string, links: string[], x: number, y: number, wires: Wires): FlowNode => ({ id, type: 'link in', z, name, links, x, y, wires });

export const linkOut = (id: string, z: string, name: string, links: string[], x: number, y: number): FlowNode => ({ id, type: 'link out', z, name, mode: 'link', links, x, y, wires: [] });

/** The id of the mqtt-broker config node every MQTT node of the flows uses. */
export const BROKER_ID = 'edgegw.mqtt.broker';

export const mqttOut = (id: string, z: string, name: string, topic: string, x: number, y: number, retain = 'false'): FlowNode => ({
  id,
  type: 'mqtt out',
  z,
  name,
  topic,
  qos: '1',
  retain,
  respTopic: '',
  contentType: '',
  userProps: '',
  correl: '',
  expiry: '',
  broker: BROKER_ID,
  x,
  y,
  wires: [],
});
