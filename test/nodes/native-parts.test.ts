// A palette install where sqlite3's add-on did not build: the nodes load, one log line at load says
// which feature is off and the exact command that fixes it, the dependent store-forward node's
// status says it too, and 200 messages into the refused queue give two error lines (the refusal
// and the first failure), not 200, while a Catch node still sees every one.
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { helper, nodeModule } from '../helpers/nodered';
import { waitFor } from '../helpers/process';
import { errorsOf, lastStatus, received, testNodesModule } from '../helpers/modbus-nodes';

// The add-on failing to load, as on a machine without a compiler: the package is there, its binary is not.
const Module = require('node:module') as { _load: (request: string, ...rest: unknown[]) => unknown };
const realLoad = Module._load;
Module._load = function (this: unknown, request: string, ...rest: unknown[]) {
  if (request === 'sqlite3') throw Object.assign(new Error('/home/pi/.node-red/node_modules/sqlite3/build/Release/node_sqlite3.node: cannot open shared object file'), { code: 'ERR_DLOPEN_FAILED' });
  return realLoad.call(this, request, ...rest);
};
const catchModule = require(require.resolve('@node-red/nodes/core/common/25-catch.js'));

const FIX = 'sudo apt-get install build-essential python3 && cd ~/.node-red && npm rebuild sqlite3';

describe('missing native parts', () => {
  let userDir: string;
  before(async () => {
    userDir = mkdtempSync(join(tmpdir(), 'edgegw-native-'));
    await helper.startServer();
  });
  after(async () => {
    await helper.unload();
    await helper.stopServer();
    Module._load = realLoad;
    rmSync(userDir, { recursive: true, force: true });
  });

  test('one line at load with the fix, the status on the dependent node, no flood over 200 messages', async () => {
    const h = helper as unknown as { load(m: unknown, f: unknown): Promise<void>; settings(s: unknown): void; log(): { getCalls(): Array<{ args: Array<{ level: number; msg: unknown }> }> } };
    h.settings({ userDir });
    const flow = [
      { id: 'tab1', type: 'tab', label: 'queues' },
      { id: 'target', type: 'edgegw-forward-target', kind: 'mqtt', url: 'mqtt://127.0.0.1:1', qos: 1, protocolVersion: 5, topic: 'out/{device}' },
      { id: 'sf', type: 'edgegw-store-forward', z: 'tab1', name: 'to broker', target: 'target', queue: 'plant', batchMs: 5, wires: [[], []] },
      { id: 'catch1', type: 'catch', z: 'tab1', scope: null, uncaught: false, wires: [['caught']] },
      { id: 'caught', type: 'modbus-test-sink', z: 'tab1' },
    ];
    await h.load([nodeModule('forward-target'), nodeModule('store-forward'), nodeModule('stats'), catchModule, testNodesModule], flow);
    const warnings = h
      .log()
      .getCalls()
      .map((c) => String(c.args[0]?.msg))
      .filter((m) => m.includes('native parts missing'));
    assert.equal(warnings.length, 1, `one notice for both node types: ${warnings.join('\n')}`);
    assert.ok(warnings[0].includes('sqlite3 did not load') && warnings[0].includes('durable store & forward queues') && warnings[0].includes(`fix: ${FIX}`), warnings[0]);

    const sf = helper.getNode('sf');
    assert.deepEqual(lastStatus(sf), { fill: 'red', shape: 'ring', text: 'store-forward.status.needsSqlite' });
    assert.ok(
      errorsOf(sf).some((e) => e.includes(`fix: ${FIX}`)),
      errorsOf(sf).join('\n'),
    );
    const before = errorsOf(sf).length;
    for (let i = 0; i < 200; i++) sf.receive({ topic: 'meter1/p', payload: i });
    await waitFor('every failure caught', () => (received.get('caught') ?? []).length === 200, 20_000);
    const after = errorsOf(sf).slice(before);
    assert.equal(after.length, 1, `the first failure only, the rest counted: ${after.join('\n')}`);
    assert.match(after[0], /to broker is not running/);
  });
});
