// Every shipped flow (the default flows, every example, and the flows written from a settings file's devices) opens in the editor with no node
// marked "not properly configured". The editor's own rule (Node-RED's validateNode) is run over
// the files: each of our node types' editor scripts are loaded as the editor loads them (the
// scripts its .html references, built into resources/, in order), and for every node of ours in a flow each `defaults`
// property is checked as the editor checks it: a required value present, a config-node reference
// to a node of the flow, and the property's `validate` function with the value the flow holds
// (undefined for a field the file lacks: the editor does not fill defaults into imported nodes).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import vm from 'node:vm';
import { NODE_KINDS, nodeType } from '../../nodes/common/migrations';
import { editorScripts } from '../helpers/editor-scripts';
import { parseDevices } from '../../lib/fleet/devices-config';
import { DeviceIdRegistry } from '../../lib/fleet/device-ids';
import { flowsFromDevices } from '../../runtime/flows-from-devices';

const root = join(__dirname, '..', '..');

interface PropertyDef {
  value?: unknown;
  required?: boolean;
  type?: string;
  validate?: (this: Record<string, unknown>, v: unknown, opt?: unknown) => boolean | string;
}
interface EditorDef {
  category?: string;
  defaults: Record<string, PropertyDef>;
}

/** Our node types' editor definitions, loaded as the editor loads them (no edit dialog open). */
function editorDefinitions(): Map<string, EditorDef> {
  const defs = new Map<string, EditorDef>();
  const noDialog = () => ({ length: 0, is: () => false, val: () => undefined });
  const RED = {
    _: (k: string) => k,
    nodes: { registerType: (type: string, def: EditorDef) => defs.set(type, def), node: () => undefined },
    comms: { subscribe: () => undefined },
    view: { redrawStatus: () => undefined },
    settings: { get: () => undefined },
  };
  const context = vm.createContext({ RED, $: noDialog, window: {}, Promise });
  (context as { window: unknown }).window = context;
  // the editor's own RED.validators (number, regex, typedInput...), taken from Node-RED's editor
  const redJs = readFileSync(require.resolve('@node-red/editor-client/public/red/red.js'), 'utf8');
  const start = redJs.indexOf('RED.validators = {');
  vm.runInContext(redJs.slice(start, redJs.indexOf('\n};', start) + 3), context);
  for (const kind of NODE_KINDS) {
    for (const script of editorScripts(kind)) vm.runInContext(script.code, context, { filename: script.name });
    assert.ok(defs.has(nodeType(kind)), `${kind}.html registers ${nodeType(kind)}`);
  }
  return defs;
}

/** Node-RED's validateNode for one node: the properties the editor would flag. */
function invalidProperties(node: Record<string, unknown>, def: EditorDef, byId: Map<string, Record<string, unknown>>): string[] {
  const bad: string[] = [];
  for (const [prop, p] of Object.entries(def.defaults)) {
    const value = node[prop];
    if (p.type) {
      // a config-node reference: valid when empty and not required, or when it names a node of that type
      const ref = typeof value === 'string' ? byId.get(value) : undefined;
      if ((p.required || value) && (!ref || ref.type !== p.type)) bad.push(`${prop} (no ${p.type} ${JSON.stringify(value)})`);
      continue;
    }
    if (p.required && (value === undefined || value === '' || value === null)) {
      bad.push(`${prop} (required, missing)`);
      continue;
    }
    if (p.validate) {
      const ok = p.validate.call(node, value, { prop });
      if (ok !== true) bad.push(`${prop} = ${JSON.stringify(value)}: ${ok === false ? 'invalid' : ok}`);
    }
  }
  return bad;
}

type FlowJson = Array<Record<string, unknown>>;

/** The flows the runtime writes from a settings file's `devices:` list (first start), for a meter of each template and a tag table. */
function flowsFromASettingsFile(): FlowJson {
  const devices = parseDevices(
    [
      { name: 'Main Meter', host: '10.0.0.5:502', unit: 1, template: 'eastron-sdm630' },
      { name: 'sub meter', host: '10.0.0.5', unit: 2, template: 'eastron-sdm120' },
      { name: 'boiler', host: '10.0.0.6', unit: 3, tags: 'name,area,address,type,unit,access\nsetpoint,holding,4,int16,degC,rw\n' },
    ],
    'gw.yaml',
  );
  return flowsFromDevices(devices, new DeviceIdRegistry(mkdtempSync(join(tmpdir(), 'edgegw-editor-devflows-'))), 'gw.yaml');
}

const shipped: Array<{ name: string; flow: () => FlowJson }> = [
  { name: 'flows/gateway.json', flow: () => JSON.parse(readFileSync(join(root, 'flows', 'gateway.json'), 'utf8')) as FlowJson },
  ...readdirSync(join(root, 'examples'))
    .filter((f) => f.endsWith('.json'))
    .map((f) => ({ name: `examples/${f}`, flow: () => JSON.parse(readFileSync(join(root, 'examples', f), 'utf8')) as FlowJson })),
  { name: 'flows generated from a settings file', flow: flowsFromASettingsFile },
];

test('every node of ours in every shipped flow is valid in the editor', () => {
  const defs = editorDefinitions();
  const problems: string[] = [];
  let checked = 0;
  for (const { name, flow: read } of shipped) {
    const flow = read();
    const byId = new Map(flow.map((n) => [String(n.id), n]));
    for (const node of flow) {
      const def = defs.get(String(node.type));
      if (!def) continue;
      checked++;
      for (const p of invalidProperties(node, def, byId)) problems.push(`${name}: ${String(node.type)} "${String(node.name || node.id)}": ${p}`);
    }
  }
  assert.ok(checked > 60, `${checked} nodes of ours checked`);
  assert.deepEqual(problems, []);
});

test('the check finds what the editor would flag', () => {
  // a node of ours with a bad value and one missing a required config node
  const defs = editorDefinitions();
  const byId = new Map<string, Record<string, unknown>>();
  const wd = { id: 'w', type: 'edgegw-watchdog', timeout: 'soon' };
  assert.ok(invalidProperties(wd, defs.get('edgegw-watchdog')!, byId).some((p) => p.startsWith('timeout')));
  const sf = { id: 's', type: 'edgegw-store-forward', target: 'nowhere' };
  assert.ok(invalidProperties(sf, defs.get('edgegw-store-forward')!, byId).some((p) => p.startsWith('target')));
});
