// Every node type is complete: registered in package.json, editor form and code, help and messages in
// both locales, and (for non-config nodes) an importable example flow.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { currentVersion, NODE_KINDS } from '../../nodes/common/migrations';

const root = join(__dirname, '..', '..');
const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
const mapped = pkg['node-red'].nodes as Record<string, string>;
const types = readdirSync(join(root, 'nodes')).filter((d) => d !== 'common' && statSync(join(root, 'nodes', d)).isDirectory());

const examples = existsSync(join(root, 'examples'))
  ? readdirSync(join(root, 'examples'))
      .filter((f) => f.endsWith('.json'))
      .map((f) => ({ file: f, flow: JSON.parse(readFileSync(join(root, 'examples', f), 'utf8')) as Array<{ id: string; type: string; wires?: string[][] }> }))
  : [];

// One colour per node family (prefixes of the type name).
const FAMILY_COLOURS: Array<[string[], string]> = [
  // field devices, whatever their protocol
  [['modbus-', 'mqtt-'], '#F0B86E'],
  [['can-', 'dbc-'], '#8CC4E8'],
  [['tag-', 'stats', 'alarm', 'historian'], '#A8D58E'],
  [['watchdog', 'circuit-breaker', 'gateway-', 'ha-discovery', 'audit-', 'dashboard-'], '#E9A08F'],
  [['store-forward', 'forward-'], '#C3A8E0'],
  // the box's own inputs: system figures, 1-Wire sensors, GPIO
  [['system-', 'onewire', 'gpio-'], '#D7D7A0'],
];

test('every icon in icons/ is a well-formed SVG', () => {
  for (const f of readdirSync(join(root, 'icons'))) {
    assert.match(f, /\.svg$/, f);
    assert.match(readFileSync(join(root, 'icons', f), 'utf8'), /^<svg [^>]*viewBox="0 0 40 60"/, `${f}: a 40x60 Node-RED icon`);
  }
});

test('every nodes/<type> folder is registered in package.json and vice versa', () => {
  assert.deepEqual(Object.keys(mapped).sort(), [...types].sort());
});

test('every node kind of nodes/ is in the type list, and every type carries the edgegw- prefix', () => {
  assert.deepEqual([...NODE_KINDS].sort(), [...types].sort());
});

for (const type of types) {
  test(`node ${type} is complete`, () => {
    const dir = join(root, 'nodes', type);
    // the Node-RED type: the folder's kind with the package's one prefix (type names are global)
    const nodeRedType = `edgegw-${type}`;
    assert.ok(existsSync(join(dir, `${type}.ts`)), 'runtime side');
    assert.match(readFileSync(join(dir, `${type}.ts`), 'utf8'), new RegExp(`registerType\\(\\s*['"]${nodeRedType}['"]`), 'runtime registers the type');
    const html = readFileSync(join(dir, `${type}.html`), 'utf8');
    // the editor side: the edit form in the .html, the definition in editor/nodes/<type>.ts (built
    // into resources/nodes/<type>.js, which the .html loads)
    const editor = readFileSync(join(root, 'editor', 'nodes', `${type}.ts`), 'utf8');
    assert.match(html, new RegExp(`<script src="resources/@edgegw/node-red-gateway/nodes/${type}\\.js"></script>`), 'the .html loads the editor code');
    assert.match(editor, new RegExp(`registerType(<\\w+>)?\\(\\s*['"]${nodeRedType}['"]`), 'editor registers the type');
    assert.match(html, new RegExp(`data-template-name=["']${nodeRedType}["']`), 'edit form');
    assert.match(editor, new RegExp(`\\bversion: \\{ value: ${currentVersion(nodeRedType)} \\}`), 'the editor saves the current config version with the node');
    for (const lang of ['en-US', 'ru']) {
      const messages = JSON.parse(readFileSync(join(dir, 'locales', lang, `${type}.json`), 'utf8'));
      assert.ok(messages[type], `${lang} messages under the "${type}" key`);
      const help = readFileSync(join(dir, 'locales', lang, `${type}.html`), 'utf8');
      assert.match(help, new RegExp(`data-help-name=["']${nodeRedType}["']`), `${lang} help`);
    }
    const isConfig = /category\s*:\s*['"]config['"]/.test(editor);
    if (!isConfig) {
      // Our own icon, shipped in icons/ (not a core icon such as bridge.svg), and the colour of
      // the node's family, so a palette of edge gateway nodes reads at a glance.
      const icon = /\bicon\s*:\s*['"]([^'"]+)['"]/.exec(editor)?.[1];
      assert.ok(icon && existsSync(join(root, 'icons', icon)), `icon ${icon} is one of ours in icons/`);
      const colour = /\bcolor\s*:\s*['"](#[0-9A-Fa-f]{6})['"]/.exec(editor)?.[1];
      const family = FAMILY_COLOURS.find(([prefixes]) => prefixes.some((p) => type.startsWith(p)));
      assert.ok(family, `${type} belongs to a node family`);
      assert.equal(colour?.toUpperCase(), family[1], `${type} has its family's colour`);
      const ex = examples.filter((e) => e.flow.some((n) => n.type === nodeRedType));
      assert.ok(ex.length > 0, `an example flow in examples/ uses ${type}`);
    }
  });
}

test('example flows are valid flow arrays with unique ids and wires to existing nodes', () => {
  for (const { file, flow } of examples) {
    assert.ok(Array.isArray(flow), file);
    const ids = new Set<string>();
    for (const n of flow) {
      assert.ok(n.id && !ids.has(n.id), `${file}: unique id ${n.id}`);
      ids.add(n.id);
    }
    for (const n of flow) {
      for (const out of n.wires ?? []) for (const target of out) assert.ok(ids.has(target), `${file}: ${n.id} wired to missing ${target}`);
    }
  }
});
