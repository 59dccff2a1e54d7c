// The gateway pipeline as flows: the runtime's default flows (one tab per stage) and the same
// pipeline on one tab as a palette example.
import { currentVersion, TYPE_PREFIX } from '../../nodes/common/migrations';
import type { FlowNode, FlowsEnvironment, FlowValue } from './flow-node';
import { acquisitionTab } from './tabs/acquisition';
import { commandsTab } from './tabs/commands';
import { configNodes } from './tabs/config-nodes';
import { fieldTab } from './tabs/field';
import { forwardingTab } from './tabs/forwarding';
import { tabs } from './tabs/ids';
import { processingTab } from './tabs/processing';
import { supervisionTab } from './tabs/supervision';

export function gatewayPipeline(env: FlowsEnvironment): FlowNode[] {
  return [...tabs(), ...configNodes(env), ...fieldTab(env), ...acquisitionTab(env), ...processingTab(), ...forwardingTab(), ...commandsTab(), ...supervisionTab()];
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
};

/** The example runs in a Node-RED of the user's: a broker on its usual port, a simulator port clear of the runtime's. */
export const EXAMPLE_ENVIRONMENT: FlowsEnvironment = {
  mqttUrl: 'mqtt://127.0.0.1:1883',
  simPort: '15030',
  demoCanLog: 'node_modules/@edgegw/node-red-gateway/flows/demo/plant.log',
  demoDbc: 'node_modules/@edgegw/node-red-gateway/flows/demo/plant.dbc',
  statusTopic: 'edge-gateway/my-gateway/status',
  gatewayId: 'my-gateway',
};

const RUNTIME_ID_PREFIX = 'edgegw.';
const EXAMPLE_ID_PREFIX = 'egwx.';
const EXAMPLE_TAB_ID = 'egwx.tab';

/** Every string in a value with the runtime's id prefix swapped for the example's. */
function withExampleIds(value: FlowValue): FlowValue {
  if (typeof value === 'string') return value.replaceAll(RUNTIME_ID_PREFIX, EXAMPLE_ID_PREFIX);
  if (Array.isArray(value)) return value.map(withExampleIds);
  if (value !== null && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, withExampleIds(v)]));
  return value;
}

/**
 * The same pipeline on one tab, stages stacked, ids of their own (importable next to the default
 * flows), concrete values instead of the runtime's variables.
 */
export function examplePipeline(): FlowNode[] {
  const nodes = gatewayPipeline(EXAMPLE_ENVIRONMENT);
  const offsetOfTab = new Map<string, number>();
  let top = 0;
  for (const tab of nodes.filter((n) => n.type === 'tab')) {
    offsetOfTab.set(tab.id, top);
    top += Math.max(...nodes.filter((n) => n.z === tab.id).map((n) => n.y ?? 0)) + 80;
  }
  const tab: FlowNode = {
    id: EXAMPLE_TAB_ID,
    type: 'tab',
    label: 'Gateway pipeline (edge gateway)',
    disabled: false,
    info: 'The default flows of the edge-gateway runtime on one tab. Set the broker URL in the config node "gateway broker" and "gateway broker (queued)".',
  };
  const placed = nodes
    .filter((n) => n.type !== 'tab')
    .map((node) => {
      const z = node.z;
      const n = withExampleIds(node as FlowValue) as FlowNode;
      if (z !== undefined) {
        n.y = (n.y ?? 0) + (offsetOfTab.get(z) ?? 0);
        n.z = tab.id;
        if (n.type === 'comment' && typeof n.info === 'string') n.info = n.info.replace('the simulator port (`--sim-port`, default 5020)', 'port 15030');
      }
      return n;
    });
  return [tab, ...placed];
}

/** Our nodes carry their config version (nodes/common/migrations.ts): the flows are current. */
export function versioned(nodes: FlowNode[]): FlowNode[] {
  return nodes.map((n) => (n.type.startsWith(TYPE_PREFIX) ? { ...n, version: currentVersion(n.type) } : n));
}
