// Flows generated from the settings file's `devices:` list on first start (instead of the
// default simulated flows): one modbus-connection per line (devices sharing a TCP address or a
// serial port share it, as units on one bus must), one modbus-device per device emitting scans,
// all wired to the link out node "edgegw acquisition" (id edgegw.acq.out). That link out is
// the contract with the pipeline: whatever processes and forwards the data (part 2's default
// pipeline, or the user's own flows) links in from it.
//
// Device ids come from the stable id registry (devices.json), so regenerating the flows
// (--reset-flows) gives every device the id it had.
import type { DeviceSpec } from '../lib/fleet/devices-config';
import { DeviceIdRegistry } from '../lib/fleet/device-ids';
import { currentVersion } from '../nodes/common/migrations';
import { savedDefaults } from '../lib/config/fields';
import { MODBUS_CONNECTION_FIELDS } from '../lib/modbus/line/fields';

export const ACQUISITION_LINK_ID = 'edgegw.acq.out';
export const ACQUISITION_LINK_NAME = 'edgegw acquisition';
const TAB_ID = 'edgegw.devices.tab';

type FlowNode = Record<string, unknown> & { id: string; type: string };

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

/** The flows for `devices`, ids from `registry`. Node ids are derived from device ids: regenerating gives the same flows. */
export function flowsFromDevices(devices: readonly DeviceSpec[], registry: DeviceIdRegistry, source: string): FlowNode[] {
  const connections = new Map<string, FlowNode>();
  const deviceNodes: FlowNode[] = [];
  const listed: string[] = [];
  devices.forEach((d, i) => {
    const key = lineKey(d);
    let conn = connections.get(key);
    if (!conn) {
      conn = {
        id: `edgegw.devices.line${connections.size + 1}`,
        type: 'edgegw-modbus-connection',
        version: currentVersion('edgegw-modbus-connection'),
        // every setting the settings file does not give: what a new node in the editor saves
        ...savedDefaults(MODBUS_CONNECTION_FIELDS),
        name: `${d.transport} ${address(d)}`,
        transport: d.transport,
        ...lineSettingsOf(d),
      };
      connections.set(key, conn);
    }
    const deviceId = registry.resolve({ name: d.name, transport: d.transport, address: address(d), unit: d.unit }, d.name);
    listed.push(`- **${d.name}** → \`devices/${deviceId}/data\` (${d.transport} ${address(d)}, unit ${d.unit}${d.template ? `, template ${d.template}` : ''})`);
    deviceNodes.push({
      id: `edgegw.devices.${deviceId}`,
      type: 'edgegw-modbus-device',
      version: currentVersion('edgegw-modbus-device'),
      z: TAB_ID,
      name: d.name,
      connection: conn.id,
      device: deviceId,
      unit: d.unit,
      notation: 'zero',
      tags: d.tagsCsv,
      groups: d.groups,
      maxGap: 10,
      maxRegisters: 125,
      maxBits: 2000,
      output: 'scan',
      template: d.template ?? '',
      x: 200,
      y: 120 + i * 60,
      wires: [[ACQUISITION_LINK_ID]],
    });
  });
  const tab: FlowNode = {
    id: TAB_ID,
    type: 'tab',
    label: 'Devices',
    disabled: false,
    info: `Generated on first start from the \`devices:\` list of ${source}.\n\n${listed.join('\n')}\n\nEvery device emits scans (payload {tag: value}, msg.tags the samples) to the link out node **${ACQUISITION_LINK_NAME}**: link in from it to process and forward the data. Device ids are kept in devices.json in the user directory.`,
  };
  const comment: FlowNode = {
    id: 'edgegw.devices.comment',
    type: 'comment',
    z: TAB_ID,
    name: `Devices from ${source}: scans go to link out "${ACQUISITION_LINK_NAME}"`,
    info: tab.info,
    x: 240,
    y: 60,
    wires: [],
  };
  const linkOut: FlowNode = { id: ACQUISITION_LINK_ID, type: 'link out', z: TAB_ID, name: ACQUISITION_LINK_NAME, mode: 'link', links: [], x: 520, y: 120, wires: [] };
  return [tab, comment, ...connections.values(), ...deviceNodes, linkOut];
}
