// The forward-target editor's validators (editor/nodes/forward-target.ts, as its .html loads them) run outside a
// browser: each type checks its own fields only, so switching type never flags another type's.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import vm from 'node:vm';
import { editorScripts } from '../../helpers/editor-scripts';

interface EditorDef {
  defaults: Record<string, { value: unknown; validate?: (this: Record<string, unknown>, v: unknown) => boolean }>;
  credentials: Record<string, { type: string }>;
  label(this: Record<string, unknown>): string;
}

function editorDefinition(): EditorDef {
  let def: EditorDef | undefined;
  // No edit dialog open: the validators read the node's own properties.
  const context = vm.createContext({ RED: { nodes: { registerType: (_t: string, d: EditorDef) => (def = d) } }, $: () => ({ length: 0 }) });
  for (const script of editorScripts('forward-target')) vm.runInContext(script.code, context, { filename: script.name });
  return def!;
}

test('each field is checked for its own type only', () => {
  const def = editorDefinition();
  const valid = (field: string, node: Record<string, unknown>, value: unknown) => def.defaults[field].validate?.call(node, value) ?? true;
  const cases: Array<[string, Record<string, unknown>, unknown, boolean]> = [
    ['url', { kind: 'mqtt' }, 'mqtt://127.0.0.1:1883', true],
    ['url', { kind: 'http' }, 'mqtt://127.0.0.1:1883', false],
    ['url', { kind: 'http' }, 'https://twin.example.com/in', true],
    ['url', { kind: 'influxdb' }, 'http://127.0.0.1:8086', true],
    ['url', { kind: 'postgres' }, 'mqtt://127.0.0.1:1883', true],
    ['database', { kind: 'influxdb', influxVersion: 'v1' }, '', false],
    ['database', { kind: 'influxdb', influxVersion: 'v2' }, '', true],
    ['database', { kind: 'postgres' }, '', false],
    ['org', { kind: 'influxdb', influxVersion: 'v2' }, '', false],
    ['bucket', { kind: 'influxdb', influxVersion: 'v1' }, '', true],
    ['table', { kind: 'postgres' }, 'a.b.c', false],
    ['table', { kind: 'postgres' }, 'plant.readings', true],
    ['table', { kind: 'http' }, '', true],
    ['headers', { kind: 'http' }, '{"X-Site": "north"}', true],
    ['headers', { kind: 'http' }, '[1]', false],
    ['headers', { kind: 'mqtt' }, '{bad', true],
    ['retryStatuses', { kind: 'http' }, '408, 500', false],
    ['retryStatuses', { kind: 'http' }, '408, 429', true],
    ['maxBatch', { kind: 'http' }, '', true],
    ['maxBatch', { kind: 'http' }, '0', false],
    ['port', { kind: 'postgres' }, 70000, false],
    ['topic', { kind: 'http' }, 'a/{nope}', true],
    ['topic', { kind: 'mqtt' }, 'a/{nope}', false],
    ['kind', {}, 'kafka', false],
  ];
  for (const [field, node, value, expected] of cases) assert.equal(valid(field, node, value), expected, `${field} ${JSON.stringify(node)} ${JSON.stringify(value)}`);
});

test('credentials stay out of the defaults; the label says where the target points', () => {
  const def = editorDefinition();
  assert.deepEqual(Object.keys(def.credentials).sort(), ['bearerToken', 'key', 'password', 'token', 'user']);
  for (const secret of ['user', 'password', 'key', 'bearerToken', 'token']) assert.ok(!(secret in def.defaults), `${secret} is not a default`);
  assert.equal(def.label.call({ kind: 'http', method: 'PUT', url: 'http://h/in' }), 'PUT http://h/in');
  assert.equal(def.label.call({ kind: 'postgres', host: 'db', port: 5432, database: 'plant', table: 'readings' }), 'postgres://db:5432/plant readings');
  assert.equal(def.label.call({ kind: 'influxdb', url: 'http://h:8086', influxVersion: 'v2', bucket: 'raw' }), 'http://h:8086 raw');
});
