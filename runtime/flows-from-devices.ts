// Flows generated from the settings file's `devices:` list on first start (instead of the
// default simulated flows): the same pipeline as the default flows, for these devices. A Devices
// tab polls them (one modbus-connection per line: devices sharing a TCP address or a serial port
// share it, as units on one bus must), each device writing its samples into the tag store and
// sending its scans to the link out "edgegw acquisition" (id edgegw.acq.out); from there the
// default flows' own stage tabs (runtime/default-flows/) take them: alarms for communication
// loss, statistics, store-and-forward to MQTT (devices/<id>/data with seq), the heartbeat, Home
// Assistant discovery, and commands (devices/<id>/commands) with a result for each. The
// Dashboard tab is the default flows' own: its pages are built from the tag store at run time.
//
// Device ids come from the stable id registry (devices.json), so regenerating the flows
// (--reset-flows) gives every device the id it had.
import type { DeviceSpec } from '../lib/fleet/devices-config';
import { DeviceIdRegistry } from '../lib/fleet/device-ids';
import { currentVersion } from '../nodes/common/migrations';
import { savedDefaults } from '../lib/config/fields';
import { MODBUS_CONNECTION_FIELDS } from '../lib/modbus/line/fields';
import { parseTagTableCsv } from '../lib/modbus/tag-table';
import { csvRow } from '../lib/system/text/csv';
import type { FlowNode } from './default-flows/flow-node';
import { RUNTIME_ENVIRONMENT, stagesOf, versioned } from './default-flows/pipeline';
import { ACQUISITION_OUT, ACQUISITION_TARGETS, type Plant } from './default-flows/plant';
import { brokerNode, forwardTargetNode, gatewayApiNode, TAG_STORE_ID, tagStoreNode } from './default-flows/tabs/config-nodes';
import { dashboardTab } from './default-flows/tabs/dashboard';
import { deviceCommandNodes } from './default-flows/tabs/device-commands';
import { stageTabs } from './default-flows/tabs/ids';

export const ACQUISITION_LINK_ID = ACQUISITION_OUT;
export const ACQUISITION_LINK_NAME = 'edgegw acquisition';
const TAB_ID = 'edgegw.devices.tab';

/** Where the Devices tab puts its nodes: a row per device. */
const ROW = { first: 120, step: 60, linkInX: 75, deviceX: 300, linkOutX: 520 } as const;

function lineKey(d: DeviceSpec): string {
  return d.transport === 'tcp' || d.transport === 'rtu-over-tcp' ? `${d.transport}:${d.host}:${d.port}` : `${d.transport}:${d.path}`;
}

function address(d: DeviceSpec): string {
  return d.host !== undefined ? `${d.host}:${d.port}` : d.path!;
}

const LINE_SETTINGS = ['host', 'port', 'path', 'baudRate', 'parity', 'dataBits', 'stopBits'] as const;

/** The line settings a device entry gives (the others keep the node's defaults). */
function lineSettingsOf(d: DeviceSpec): Record<string, unknown> {
  return Object.fromEntries(LINE_SETTINGS.filter((k) => d[k] !== undefined).map((k) => [k, d[k]]));
}

/** Seconds in three poll intervals of `ms`: how long a reading may be missing before it counts as lost. */
const threeIntervalsS = (ms: number): number => Math.ceil((3 * ms) / 1000);

/** A device as the pipeline knows it: its id, its entry, and how long its readings may be missing. */
interface ListedDevice {
  id: string;
  spec: DeviceSpec;
  /** the tag whose quality and freshness tell communication loss: the first of its table */
  watchTag?: string;
  /** three poll intervals of that tag's group */
  watchTagStaleS: number;
  /** three of its fastest poll intervals: some scan comes at least that often */
  scanSilentS: number;
  /** three of its slowest poll intervals: every tag is read at least that often */
  slowestTagS: number;
}

function listedDevice(id: string, d: DeviceSpec): ListedDevice {
  const first = parseTagTableCsv(d.tagsCsv)[0];
  const intervals = d.groups.map((g) => g.interval);
  const group = d.groups.find((g) => g.name === first?.group) ?? d.groups[0];
  return {
    id,
    spec: d,
    watchTag: first?.name,
    watchTagStaleS: threeIntervalsS(group.interval),
    scanSilentS: threeIntervalsS(Math.min(...intervals)),
    slowestTagS: threeIntervalsS(Math.max(...intervals)),
  };
}

/**
 * Communication loss of every device: quality of its first tag bad for 2 s, or no fresh reading
 * of it for three of its poll intervals (at least 15 s).
 */
function commLossRules(devices: readonly ListedDevice[]): string {
  const rows = [['tag', 'type', 'limit', 'deadband', 'on_delay', 'off_delay', 'severity', 'message']];
  for (const d of devices) {
    if (!d.watchTag) continue;
    const tag = `${d.id}/${d.watchTag}`;
    rows.push([tag, 'bad', '', '', '2', '2', 'high', `${d.spec.name}: communication lost`]);
    rows.push([tag, 'stale', String(Math.max(15, d.watchTagStaleS)), '', '', '', 'high', `${d.spec.name}: no fresh reading for {limit} s`]);
  }
  return rows.map(csvRow).join('\n') + '\n';
}

/** The Devices tab: the devices, their lines, their commands' links in and the outcome reporters. */
function devicesTab(devices: readonly ListedDevice[], registryNote: string[], source: string): FlowNode[] {
  const connections = new Map<string, FlowNode>();
  const deviceNodes: FlowNode[] = [];
  devices.forEach(({ id, spec: d }, i) => {
    const key = lineKey(d);
    let conn = connections.get(key);
    if (!conn) {
      conn = {
        id: `edgegw.devices.line${connections.size + 1}`,
        type: 'edgegw-modbus-connection',
        version: currentVersion('edgegw-modbus-connection'),
        // every setting the settings file does not give: what a new node in the editor saves
        ...(savedDefaults(MODBUS_CONNECTION_FIELDS) as Record<string, FlowNode[string]>),
        name: `${d.transport} ${address(d)}`,
        transport: d.transport,
        ...(lineSettingsOf(d) as Record<string, FlowNode[string]>),
      };
      connections.set(key, conn);
    }
    deviceNodes.push({
      id: `edgegw.devices.${id}`,
      type: 'edgegw-modbus-device',
      version: currentVersion('edgegw-modbus-device'),
      z: TAB_ID,
      name: d.name,
      connection: conn.id,
      device: id,
      unit: d.unit,
      notation: 'zero',
      tags: d.tagsCsv,
      groups: d.groups,
      maxGap: 10,
      maxRegisters: 125,
      maxBits: 2000,
      output: 'scan',
      template: d.template ?? '',
      // commands arrive from MQTT as bytes
      parseJson: true,
      store: TAG_STORE_ID,
      x: ROW.deviceX,
      y: ROW.first + i * ROW.step,
      wires: [[ACQUISITION_LINK_ID]],
    });
  });
  const info = `Generated on first start from the \`devices:\` list of ${source}.\n\n${registryNote.join('\n')}\n\nEvery device writes its samples into the tag store *gateway tags* and emits scans (payload {tag: value}, msg.tags the samples) to the link out node **${ACQUISITION_LINK_NAME}**, which feeds the tabs Processing (alarms for communication loss, statistics), Forwarding (\`devices/<device>/data\` through a durable queue, heartbeat, Home Assistant discovery) and Supervision (watchdog); commands come from the Commands tab (\`devices/<device>/commands\`). Link in from **${ACQUISITION_LINK_NAME}** for flows of your own. Device ids are kept in devices.json in the user directory. The Dashboard tab serves /dashboard: its pages follow the tag store, so these devices appear there without an edit.`;
  const outcomesY = ROW.first + devices.length * ROW.step + 20;
  return [
    { id: TAB_ID, type: 'tab', label: 'Devices', disabled: false, info },
    { id: 'edgegw.devices.comment', type: 'comment', z: TAB_ID, name: `Devices from ${source}: read me (double-click)`, info, x: 240, y: 40, wires: [] },
    ...connections.values(),
    ...deviceNodes,
    { id: ACQUISITION_LINK_ID, type: 'link out', z: TAB_ID, name: ACQUISITION_LINK_NAME, mode: 'link', links: ACQUISITION_TARGETS, x: ROW.linkOutX, y: ROW.first, wires: [] },
    ...deviceCommandNodes(
      TAB_ID,
      devices.map((d, i) => ({ device: d.id, node: `edgegw.devices.${d.id}`, x: ROW.linkInX, y: ROW.first + i * ROW.step })),
      { x: 300, y: outcomesY },
    ),
  ];
}

/** The flows for `devices`, ids from `registry`. Node ids are derived from device ids: regenerating gives the same flows. */
export function flowsFromDevices(devices: readonly DeviceSpec[], registry: DeviceIdRegistry, source: string): FlowNode[] {
  const listed = devices.map((d) => listedDevice(registry.resolve({ name: d.name, transport: d.transport, address: address(d), unit: d.unit }, d.name), d));
  const registryNote = listed.map(({ id, spec: d }) => `- **${d.name}** → \`devices/${id}/data\` (${d.transport} ${address(d)}, unit ${d.unit}${d.template ? `, template ${d.template}` : ''})`);
  const ids = listed.map((d) => d.id);
  const plant: Plant = {
    commandDevices: ids,
    watchedDevices: ids,
    silenceAfterS: Math.max(10, ...listed.map((d) => d.scanSilentS)),
    alarmRules: commLossRules(listed),
    twin: false,
    readme: { processing: 'devices-processing', commands: 'devices-commands', supervision: 'devices-supervision' },
  };
  const env = RUNTIME_ENVIRONMENT;
  const maxAgeRules = listed.map((d) => `${d.id} = ${Math.max(10, d.slowestTagS)}`).join('\n');
  return versioned([
    ...devicesTab(listed, registryNote, source),
    ...stageTabs(plant),
    brokerNode(env),
    tagStoreNode(maxAgeRules, ''),
    forwardTargetNode(env),
    gatewayApiNode(),
    ...stagesOf(env, plant),
    ...dashboardTab(),
  ]);
}
