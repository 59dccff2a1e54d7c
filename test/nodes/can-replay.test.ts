// A multi-thousand-frame candump log, written by the test from the reference frames of a real DBC
// (opendbc vw_mqb.dbc), replayed through can-interface (replay, fast) -> can-in -> dbc-decode,
// with exact counts and reference values.
import { test, describe, before, after, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { helper, nodeModule } from '../helpers/nodered';
import { waitFor } from '../helpers/process';
import { assertSignals, clearCollected, collectorModule, dbcPath, expectedFrames, lastStatus, received, type ExpectedFrame } from '../helpers/can-nodes';
import { formatCandumpLine } from '../../lib/can/candump';
import { healthRegistry } from '../../lib/health/registry';
import { metricsRegistry } from '../../lib/metrics/registry';

const VW = dbcPath('opendbc', 'vw_mqb.dbc');
const REPEAT = 8;
const UNKNOWN_EVERY = 97;
const modules = () => [nodeModule('can-interface'), nodeModule('can-in'), nodeModule('can-out'), nodeModule('dbc-decode'), collectorModule];

describe('CAN nodes over a candump replay', () => {
  let dir: string;
  let log: string;
  let reference: ExpectedFrame[];
  let unknownCount = 0;
  const badLines: number[] = [];

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'edgegw-canlog-'));
    reference = expectedFrames('vw_mqb.dbc');
    const lines: string[] = [];
    let ts = 1700000000;
    for (let r = 0; r < REPEAT; r++) {
      reference.forEach((f, i) => {
        ts += 0.0005;
        lines.push(formatCandumpLine({ id: f.id, extended: f.extended, fd: false, data: Buffer.from(f.data, 'hex'), ts, iface: 'can0' }));
        if ((r * reference.length + i) % UNKNOWN_EVERY === 0) {
          // 0x7FE is not in vw_mqb.dbc
          lines.push(formatCandumpLine({ id: 0x7fe, extended: false, fd: false, data: Buffer.from([r, i & 0xff]), ts, iface: 'can0' }));
          unknownCount++;
        }
      });
      lines.push(`(${ts.toFixed(6)}) can0 7FE#XY`);
      badLines.push(lines.length);
    }
    log = join(dir, 'vw.log');
    writeFileSync(log, lines.join('\n') + '\n');
    await helper.startServer();
  });
  after(async () => {
    await helper.stopServer();
    rmSync(dir, { recursive: true, force: true });
  });
  afterEach(async () => {
    await helper.unload();
    clearCollected();
  });

  const flow = (inProps: Record<string, unknown> = {}) => [
    { id: 'tab', type: 'tab', label: 'replay' },
    { id: 'bus', type: 'edgegw-can-interface', name: 'replay', kind: 'replay', file: log, pace: 'fast', loop: false, replayTimestamps: 'recorded' },
    { id: 'in', z: 'tab', type: 'edgegw-can-in', interface: 'bus', filters: '', batchMs: 0, wires: [['dec']], ...inProps },
    { id: 'dec', z: 'tab', type: 'edgegw-dbc-decode', dbcSource: 'file', dbcFile: VW, output: 'message', labels: false, unknown: 'pass', outputs: 2, wires: [['sink'], ['unknown']] },
    { id: 'sink', z: 'tab', type: 'test-collect' },
    { id: 'unknown', z: 'tab', type: 'test-collect' },
  ];

  test('every frame decoded once, with the reference values; unknown and malformed counted exactly', async () => {
    await helper.load(modules(), flow());
    const total = reference.length * REPEAT;
    assert.ok(total > 5000, `${total} frames`);
    await waitFor('all frames decoded', () => received('sink').length >= total && received('unknown').length >= unknownCount, 120000, 100);
    await waitFor('replay ended', () => lastStatus(helper.getNode('in'))?.text === `can-in.status.ended · can-in.status.played(frames=${total + unknownCount})`, 10000);
    await new Promise((r) => setTimeout(r, 50));
    const sink = received('sink');
    assert.equal(sink.length, total);
    assert.equal(received('unknown').length, unknownCount);
    sink.forEach((m, k) => {
      const f = reference[k % reference.length];
      const can = m.can as { id: number; extended: boolean };
      assert.equal(can.id, f.id, `message ${k}`);
      assert.equal(can.extended, f.extended, `message ${k}`);
      assertSignals(m.payload as Record<string, unknown>, f.signals, `message ${k}`);
    });
    const health = healthRegistry()
      .list()
      .find((e) => e.id === 'bus')!;
    assert.equal(health.state, 'ok');
    assert.equal(health.detail?.frames, total + unknownCount);
    assert.equal(health.detail?.detail, `${total + unknownCount} frames played`);
    assert.equal(health.detail?.errors, badLines.length, 'the malformed lines');
    const text = await metricsRegistry().metrics();
    assert.match(text, new RegExp(`edgegw_can_errors_total\\{interface="bus",name="replay",kind="replay"\\} ${badLines.length}\\b`));
    assert.match(text, new RegExp(`edgegw_can_frames_received_total\\{interface="bus",name="replay",kind="replay"\\} ${total + unknownCount}\\b`));
  });

  test('batched by can-in, the same counts', async () => {
    await helper.load(modules(), flow({ batchMs: 5, filters: '' }));
    const total = reference.length * REPEAT;
    await waitFor('all frames decoded', () => received('sink').length >= total, 120000, 100);
    await waitFor('unknown batches', () => received('unknown').reduce((n, m) => n + (m.payload as unknown[]).length, 0) >= unknownCount, 10000);
    await waitFor('replay ended', () => /ended/.test(lastStatus(helper.getNode('in'))?.text ?? ''), 10000);
    await new Promise((r) => setTimeout(r, 50));
    assert.equal(received('sink').length, total);
    assert.equal(
      received('unknown').reduce((n, m) => n + (m.payload as unknown[]).length, 0),
      unknownCount,
    );
  });

  test('can-in filters: only the extended frames', async () => {
    await helper.load(modules(), flow({ filters: '00000000:00000000' }));
    const ext = reference.filter((f) => f.extended).length * REPEAT;
    await waitFor('replay ended', () => /ended/.test(lastStatus(helper.getNode('in'))?.text ?? ''), 120000);
    await waitFor('extended frames decoded', () => received('sink').length >= ext, 10000);
    await new Promise((r) => setTimeout(r, 50));
    assert.equal(received('sink').length, ext);
    assert.ok(received('sink').every((m) => (m.can as { extended: boolean }).extended));
    assert.equal(received('unknown').length, 0);
  });

  test('while the bus is open, can-in shows the rate of frames it passes', async () => {
    const busy = join(dir, 'busy.log');
    writeFileSync(busy, Array.from({ length: 50 }, (_, i) => `(${(1 + i * 0.01).toFixed(3)}) can0 123#01`).join('\n') + '\n');
    await helper.load(modules(), [
      { id: 'bus', type: 'edgegw-can-interface', kind: 'replay', file: busy, pace: 'realtime', loop: true },
      { id: 'in', type: 'edgegw-can-in', interface: 'bus', wires: [['sink']] },
      { id: 'sink', type: 'test-collect' },
    ]);
    // the test helper's RED._ returns the message key, so the key (not the figure) is checked
    await waitFor('rate status', () => /^can-in\.status\.receivingRate\(rate=\d+\)$/.test(lastStatus(helper.getNode('in'))?.text ?? ''), 20000);
    assert.equal(lastStatus(helper.getNode('in'))?.fill, 'green');
  });

  test('a replay interface loops back what can-out sends', async () => {
    const idle = join(dir, 'idle.log');
    writeFileSync(idle, '(1.0) can0 001#00\n');
    await helper.load(modules(), [
      { id: 'bus', type: 'edgegw-can-interface', kind: 'replay', file: idle, pace: 'realtime', loop: true },
      { id: 'out', type: 'edgegw-can-out', interface: 'bus' },
      { id: 'in', type: 'edgegw-can-in', interface: 'bus', filters: '123', wires: [['sink']] },
      { id: 'sink', type: 'test-collect' },
    ]);
    await waitFor('open', () => lastStatus(helper.getNode('out'))?.text === 'can-out.status.open');
    helper.getNode('out').receive({ payload: { id: 0x123, data: 'CAFE' } });
    await waitFor('looped back', () => received('sink').length === 1);
    assert.equal((received('sink')[0].payload as { data: Buffer }).data.toString('hex'), 'cafe');
  });

  test('a missing replay file shows in the clients status', async () => {
    await helper.load(modules(), [
      { id: 'bus', type: 'edgegw-can-interface', kind: 'replay', file: join(dir, 'missing.log'), pace: 'fast' },
      { id: 'in', type: 'edgegw-can-in', interface: 'bus', wires: [[]] },
    ]);
    await waitFor('failed status', () => lastStatus(helper.getNode('in'))?.text === 'can-in.status.failed · can-in.status.problem.fileNotFound');
    assert.equal(lastStatus(helper.getNode('in'))?.fill, 'red');
    const health = healthRegistry()
      .list()
      .find((e) => e.id === 'bus');
    assert.equal(health?.state, 'down');
    assert.match(String(health?.detail?.detail), /^cannot read the candump log: file not found/);
  });
});
