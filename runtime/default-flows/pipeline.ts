// The gateway pipeline as flows: the runtime's default flows (one tab per stage, and the
// dashboard's) and the same pipeline and dashboard as palette examples.
import { currentVersion, TYPE_PREFIX } from '../../nodes/common/migrations';
import type { FlowNode, FlowsEnvironment, FlowValue } from './flow-node';
import type { Plant } from './plant';
import { acquisitionTab } from './tabs/acquisition';
import { commandsTab } from './tabs/commands';
import { configNodes } from './tabs/config-nodes';
import { dashboardTab } from './tabs/dashboard';
import { fieldTab } from './tabs/field';
import { fieldMqttTab } from './tabs/field-mqtt';
import { forwardingTab } from './tabs/forwarding';
import { tabs } from './tabs/ids';
import { processingTab, SIMULATED_ALARM_RULES, SIMULATED_DERIVED_TAGS } from './tabs/processing';
import { supervisionTab } from './tabs/supervision';

const RUNTIME_ID_PREFIX = 'edgegw.';

/** The simulated plant of the default flows: a boiler and a meter on Modbus, a CAN bus. */
export const SIMULATED_PLANT: Plant = {
  commandDevices: ['boiler', 'meter'],
  watchedDevices: ['boiler', 'meter', 'plant-can'],
  silenceAfterS: 10,
  alarmRules: SIMULATED_ALARM_RULES,
  derivedTags: SIMULATED_DERIVED_TAGS,
  twin: true,
  readme: { processing: 'processing', commands: 'commands', supervision: 'supervision' },
};

/** The tabs after acquisition, for any plant: Processing, Forwarding, Commands, Supervision (the tabs' own nodes). */
export function stagesOf(env: FlowsEnvironment, plant: Plant): FlowNode[] {
  return [...processingTab(env, plant), ...forwardingTab(env, plant), ...commandsTab(plant), ...supervisionTab(plant)];
}

export function gatewayPipeline(env: FlowsEnvironment): FlowNode[] {
  return [...tabs(SIMULATED_PLANT), ...configNodes(env), ...fieldTab(env), ...fieldMqttTab(), ...acquisitionTab(env), ...stagesOf(env, SIMULATED_PLANT)];
}

/** The runtime's default flows: the pipeline, and the dashboard at /dashboard. */
export function defaultFlows(env: FlowsEnvironment): FlowNode[] {
  return [...gatewayPipeline(env), ...dashboardTab()];
}

const DASHBOARD_EXAMPLE_ID_PREFIX = 'egwd.';

/** The dashboard for a Node-RED of the user's (Dashboard 2.0 installed beside us): the same tab, ids of its own. */
export function dashboardExample(): FlowNode[] {
  return dashboardTab().map((node) => JSON.parse(JSON.stringify(node).replaceAll(RUNTIME_ID_PREFIX, DASHBOARD_EXAMPLE_ID_PREFIX)) as FlowNode);
}

// Node-RED substitutes ${VAR} only when it is a property's whole value: composed values (topics)
// are composed by the runtime (EDGEGW_STATUS_TOPIC) or by function nodes (env.get)
export const RUNTIME_ENVIRONMENT: FlowsEnvironment = {
  mqttUrl: '${EDGEGW_MQTT_URL}',
  simPort: '${EDGEGW_SIM_PORT}',
  demoCanLog: '${EDGEGW_DEMO_CANLOG}',
  demoDbc: '${EDGEGW_DEMO_DBC}',
  statusTopic: '${EDGEGW_STATUS_TOPIC}',
  gatewayId: '${EDGEGW_GATEWAY_ID}',
  nodesGatewayId: '',
  alarmsAckTopic: '${EDGEGW_ALARMS_ACK_TOPIC}',
};

/** The example runs in a Node-RED of the user's: a broker on its usual port, a simulator port clear of the runtime's. */
export const EXAMPLE_ENVIRONMENT: FlowsEnvironment = {
  mqttUrl: 'mqtt://127.0.0.1:1883',
  simPort: '15030',
  demoCanLog: 'node_modules/@edgegw/node-red-gateway/flows/demo/plant.log',
  demoDbc: 'node_modules/@edgegw/node-red-gateway/flows/demo/plant.dbc',
  statusTopic: 'edge-gateway/my-gateway/status',
  gatewayId: 'my-gateway',
  nodesGatewayId: 'my-gateway',
  alarmsAckTopic: 'edge-gateway/my-gateway/alarms/ack',
};

const EXAMPLE_ID_PREFIX = 'egwx.';

/** Every string in a value with the runtime's id prefix swapped for the example's. */
function withExampleIds(value: FlowValue): FlowValue {
  if (typeof value === 'string') return value.replaceAll(RUNTIME_ID_PREFIX, EXAMPLE_ID_PREFIX);
  if (Array.isArray(value)) return value.map(withExampleIds);
  if (value !== null && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, withExampleIds(v)]));
  return value;
}

/**
 * The same pipeline for a Node-RED of the user's: the same tabs (each fits a 1600 x 900 window,
 * so the stages are not stacked on one), labelled as the example's, ids of their own (importable
 * next to the default flows), concrete values instead of the runtime's variables.
 */
export function examplePipeline(): FlowNode[] {
  return gatewayPipeline(EXAMPLE_ENVIRONMENT).map((node, i) => {
    const n = withExampleIds(node as FlowValue) as FlowNode;
    if (n.type === 'tab') {
      n.label = `Gateway pipeline: ${typeof n.label === 'string' ? n.label : ''}`;
      if (i === 0)
        n.info = `The default flows of the edge-gateway runtime, one tab per stage. Set the broker URL in the config nodes "gateway broker" and "gateway broker (queued)". ${typeof n.info === 'string' ? n.info : ''}`;
    }
    if (n.type === 'comment' && typeof n.info === 'string') n.info = n.info.replace('the simulator port (`--sim-port`, default 5020)', 'port 15030');
    return n;
  });
}

/** Our nodes carry their config version (nodes/common/migrations.ts): the flows are current. */
export function versioned(nodes: FlowNode[]): FlowNode[] {
  return nodes.map((n) => (n.type.startsWith(TYPE_PREFIX) ? { ...n, version: currentVersion(n.type) } : n));
}
