// The flows a settings file's `devices:` list becomes: the default flows' pipeline (the same
// stage tabs, built by the same modules) behind a Devices tab of those devices, nothing of the
// simulated plant, every link and wire pointing at a node that exists, and a layout that fits
// the editor.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseDevices } from '../../lib/fleet/devices-config';
import { DeviceIdRegistry } from '../../lib/fleet/device-ids';
import { parseRuleTable } from '../../lib/alarm/rules';
import { flowsFromDevices, ACQUISITION_LINK_ID } from '../../runtime/flows-from-devices';
import { layoutProblems, type FlowJson } from '../helpers/flow-layout';

const root = join(__dirname, '..', '..');
type Node = Record<string, any> & { id: string; type: string };

const devices = parseDevices(
  [
    { name: 'Main Meter', host: '10.0.0.5:502', unit: 1, template: 'eastron-sdm630', poll: '2s' },
    { name: 'sub meter', host: '10.0.0.5', port: 502, unit: 2, template: 'eastron-sdm120' },
    { name: 'boiler', host: '10.0.0.6', unit: 3, tags: 'name,area,address,type,unit,access\nflow_temp,holding,3,int16,degC,r\nsetpoint,holding,4,int16,degC,rw\n', poll: '30s' },
  ],
  'gw.yaml',
);
const flows = flowsFromDevices(devices, new DeviceIdRegistry(mkdtempSync(join(tmpdir(), 'edgegw-devflows-'))), 'gw.yaml') as Node[];
const byId = new Map(flows.map((n) => [n.id, n]));
const defaults = JSON.parse(readFileSync(join(root, 'flows', 'gateway.json'), 'utf8')) as Node[];

test('the Devices tab, then the stage tabs of the default flows; nothing of the simulated plant', () => {
  assert.deepEqual(
    flows.filter((n) => n.type === 'tab').map((t) => t.label),
    ['Devices', 'Processing', 'Forwarding', 'Commands', 'Supervision', 'Dashboard'],
  );
  const simulated = flows.filter((n) => /modbus-server|can-|dbc-|tag-calc|circuit-breaker|http (in|request|response)/.test(n.type));
  assert.deepEqual(
    simulated.map((n) => n.id),
    [],
  );
  // the stage tabs' nodes are the default flows' own (same ids and types), less the calc and the twin
  const stageTabs = new Set(['edgegw.tab.proc', 'edgegw.tab.fwd', 'edgegw.tab.cmd', 'edgegw.tab.sup']);
  const stageNodes = flows.filter((n) => stageTabs.has(n.z));
  const defaultIds = new Map(defaults.map((n) => [n.id, n.type]));
  for (const n of stageNodes) {
    // the links to the devices' commands are the devices' own
    if (n.id.startsWith('edgegw.cmd.to.')) assert.equal(n.type, 'link out');
    else assert.equal(defaultIds.get(n.id), n.type, `${n.id} is a node of the default flows`);
  }
  for (const type of ['edgegw-store-forward', 'edgegw-gateway-heartbeat', 'edgegw-ha-discovery', 'edgegw-alarm', 'edgegw-stats', 'edgegw-watchdog', 'mqtt in', 'mqtt out']) {
    assert.ok(
      stageNodes.some((n) => n.type === type),
      `a ${type}`,
    );
  }
  // the operator API too, as in the default flows: it finds the devices through the API directory
  const api = flows.filter((n) => n.type === 'edgegw-gateway-api');
  assert.equal(api.length, 1);
  for (const config of ['edgegw.mqtt.broker', 'edgegw.tags.store', 'edgegw.fwd.target', api[0].id])
    assert.deepEqual(Object.keys(byId.get(config)!).sort(), Object.keys(defaults.find((n) => n.id === config)!).sort());
});

test('every device writes into the tag store, takes commands through its link, and is watched for communication loss', () => {
  const devs = flows.filter((n) => n.type === 'edgegw-modbus-device');
  const ids = devs.map((n) => n.device);
  assert.deepEqual(ids, ['main-meter', 'sub-meter', 'boiler']);
  for (const d of devs) {
    assert.equal(d.store, 'edgegw.tags.store');
    assert.equal(d.parseJson, true, 'commands arrive as bytes');
    assert.deepEqual(d.wires, [[ACQUISITION_LINK_ID]]);
    const linkIn = byId.get(`edgegw.acq.cmd.${d.device}`)!;
    assert.deepEqual(linkIn.wires, [[d.id]]);
    assert.deepEqual(linkIn.links, [`edgegw.cmd.to.${d.device}`]);
  }
  const route = byId.get('edgegw.cmd.route')!;
  assert.deepEqual(
    route.rules.map((r: { v?: string }) => r.v),
    [...ids.map((id) => `devices/${id}/commands`), undefined],
  );
  assert.equal(route.outputs, 4);
  assert.deepEqual(byId.get('edgegw.tab.cmd')!.env, [{ name: 'COMMAND_DEVICES', value: 'main-meter, sub-meter, boiler', type: 'str' }]);
  for (const scope of [byId.get('edgegw.acq.done')!.scope, byId.get('edgegw.acq.failed')!.scope])
    assert.deepEqual(
      scope,
      devs.map((d) => d.id),
    );
  const rules = parseRuleTable(byId.get('edgegw.proc.alarm')!.rules);
  assert.deepEqual(
    rules.map((r) => `${r.tag}:${r.type}`),
    ['main-meter/l1_voltage:bad', 'main-meter/l1_voltage:stale', 'sub-meter/voltage:bad', 'sub-meter/voltage:stale', 'boiler/flow_temp:bad', 'boiler/flow_temp:stale'],
  );
  // stale after three poll intervals of the tag's group, at least 15 s
  assert.deepEqual(
    rules.filter((r) => r.type === 'stale').map((r) => r.limit),
    [15, 15, 90],
  );
  const watchdog = byId.get('edgegw.sup.watchdog')!;
  assert.equal(watchdog.keys, 'main-meter\nsub-meter\nboiler');
  // silent after three of the fastest poll intervals of the slowest device, at least 10 s
  assert.equal(watchdog.timeout, '90');
  assert.equal(byId.get('edgegw.tags.store')!.maxAgeRules, 'main-meter = 10\nsub-meter = 180\nboiler = 90');
});

test('wires and links point at nodes that exist, link outs and link ins agree', () => {
  for (const n of flows) {
    for (const out of n.wires ?? []) for (const target of out) assert.ok(byId.has(target), `${n.id} wires to missing ${target}`);
    if (n.type === 'link out' || n.type === 'link in') {
      for (const target of n.links) {
        assert.equal(byId.get(target)?.type, n.type === 'link out' ? 'link in' : 'link out', `${n.id} links to ${target}`);
        assert.ok(byId.get(target)!.links.includes(n.id), `${target} lists ${n.id}`);
      }
    }
    if (n.type === 'mqtt-broker') continue;
    for (const ref of ['broker', 'store', 'target', 'connection']) if (typeof n[ref] === 'string' && n[ref]) assert.ok(byId.has(n[ref]), `${n.id}.${ref} -> ${n[ref]}`);
  }
});

test("the Dashboard tab and Dashboard 2.0's config nodes are the default flows' own", () => {
  const dashTab = flows.find((n) => n.type === 'tab' && n.label === 'Dashboard')!;
  const defaultDashTab = defaults.find((n) => n.type === 'tab' && n.label === 'Dashboard')!;
  const dashboardOf = (nodes: Node[], tab: string) => nodes.filter((n) => n.z === tab || n.type.startsWith('ui-')).map((n) => ({ ...n, version: undefined }));
  assert.equal(dashTab.id, defaultDashTab.id);
  assert.deepEqual(dashboardOf(flows, dashTab.id), dashboardOf(defaults, defaultDashTab.id));
  assert.ok(flows.some((n) => n.type === 'edgegw-dashboard-feed' && n.z === dashTab.id));
});

test('every tab fits the editor at 1600 x 900, no wire through a node', () => {
  assert.deepEqual(layoutProblems(flows as FlowJson), []);
});
