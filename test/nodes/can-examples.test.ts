// The example flows of the CAN and DBC nodes import and run end to end with Node-RED's own inject
// and debug nodes: the DBC ones on their own, the CAN ones on the replayed demo log the package ships.
import { test, describe, before, after, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { helper, nodeModule } from '../helpers/nodered';
import { waitFor } from '../helpers/process';
import { lastStatus, repoRoot } from '../helpers/can-nodes';
import type { NodeMessage } from '../../nodes/common/red';

const core = (file: string) => require(join(repoRoot, 'node_modules', '@node-red', 'nodes', 'core', 'common', file));
const modules = () => [
  nodeModule('can-interface'),
  nodeModule('can-in'),
  nodeModule('can-out'),
  nodeModule('dbc-decode'),
  nodeModule('dbc-encode'),
  core('20-inject.js'),
  core('21-debug.js'),
  core('90-comment.js'),
  core('25-catch.js'),
];
const example = (name: string) => JSON.parse(readFileSync(join(repoRoot, 'examples', `${name}.json`), 'utf8')) as Array<Record<string, unknown>>;
const idOf = (flow: Array<Record<string, unknown>>, type: string, name: string) => String(flow.find((n) => n.type === type && n.name === name)!.id);

function listen(id: string): NodeMessage[] {
  const got: NodeMessage[] = [];
  helper.getNode(id).on('input', (m: NodeMessage) => got.push(m));
  return got;
}

describe('example flows', () => {
  before(async () => {
    await helper.startServer();
  });
  after(async () => {
    await helper.stopServer();
  });
  afterEach(async () => {
    await helper.unload();
  });

  test('dbc-decode example decodes its frames per message and per signal', async () => {
    const flow = example('dbc-decode');
    await helper.load(modules(), flow);
    const signals = listen(idOf(flow, 'debug', 'signals'));
    const unknown = listen(idOf(flow, 'debug', 'unknown frames'));
    const tags = listen(idOf(flow, 'debug', 'tag messages'));
    helper.getNode(idOf(flow, 'inject', 'ExampleMessage frame')).receive({});
    helper.getNode(idOf(flow, 'inject', 'unknown id 0x123')).receive({});
    await waitFor('outputs', () => signals.length === 1 && unknown.length === 1 && tags.length === 3);
    assert.equal(signals[0].topic, 'ExampleMessage');
    assert.deepEqual(Object.keys(signals[0].payload as object).sort(), ['AverageRadius', 'Enable', 'Temperature']);
    assert.deepEqual(tags.map((t) => t.topic).sort(), ['engine/AverageRadius', 'engine/Enable', 'engine/Temperature']);
  });

  test('dbc-encode example round-trips its signals', async () => {
    const flow = example('dbc-encode');
    await helper.load(modules(), flow);
    const frames = listen(idOf(flow, 'debug', 'frame'));
    const decoded = listen(idOf(flow, 'debug', 'decoded'));
    helper.getNode(idOf(flow, 'inject', 'signals')).receive({});
    helper.getNode(idOf(flow, 'inject', 'message named by topic')).receive({});
    await waitFor('outputs', () => frames.length === 2 && decoded.length === 2);
    const first = decoded.find((m) => (m.labels as Record<string, string>)?.Enable === 'Enabled')!;
    const p = first.payload as Record<string, number>;
    assert.ok(Math.abs(p.Temperature - 251.5) < 1e-9 && Math.abs(p.AverageRadius - 2.5) < 1e-9);
    assert.ok(frames.every((f) => (f.payload as { id: number }).id === 496));
  });

  test('can-in and can-out examples run on the replayed demo log', async () => {
    // the examples name the log where the palette installs the package, relative to the user
    // directory; here the package is the repository
    const replayOfRepo = (flow: Array<Record<string, unknown>>) =>
      flow.map((n) => {
        if (n.type !== 'edgegw-can-interface') return n;
        assert.equal(n.kind, 'replay');
        assert.equal(n.file, 'node_modules/@edgegw/node-red-gateway/flows/demo/plant.log');
        return { ...n, file: join(repoRoot, 'flows', 'demo', 'plant.log') };
      });
    const canIn = replayOfRepo(example('can-in'));
    await helper.load(modules(), canIn);
    const frames = listen(idOf(canIn, 'debug', 'frame'));
    const batches = listen(idOf(canIn, 'debug', 'batch of frames'));
    await waitFor('frames and a batch of 0x100-0x10F', () => frames.length >= 3 && batches.length >= 1, 30_000);
    assert.ok(frames.some((m) => (m.payload as { id: number }).id === 0x100));
    await helper.unload();

    const canOut = replayOfRepo(example('can-out'));
    await helper.load(modules(), canOut);
    const notSent = listen(idOf(canOut, 'debug', 'why not sent'));
    const sender = canOut.find((n) => n.type === 'edgegw-can-out')!;
    await waitFor('can-out on the open replay', () => lastStatus(helper.getNode(String(sender.id)))?.fill === 'green', 30_000);
    for (const n of canOut.filter((x) => x.type === 'inject')) helper.getNode(String(n.id)).receive({});
    await new Promise((r) => setTimeout(r, 500));
    assert.deepEqual(notSent, [], 'the replayed bus takes the frames');
    await helper.unload();
  });
});
