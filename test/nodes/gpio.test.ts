// gpio-in and gpio-out in a real Node-RED: on this machine (onoff installed, Gpio.accessible false)
// a grey "not available" status and nothing else; with the software twin in place of the host's
// GPIO, the line numbers of a Pi 5, debounced edges, payloads, and the safe level on redeploy.
import { test, describe, before, after, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import type { NodeMessage } from '../../nodes/common/red';
import type { TagSample } from '../../lib/tags/contract';
import { replaceGpioHost } from '../../lib/gpio/host';
import { helper, nodeModule } from '../helpers/nodered';
import { waitFor } from '../helpers/process';
import { clearCollected, collectorModule, errorsOf, lastStatus, received } from '../helpers/can-nodes';
import { leftAfterRedeploys } from '../helpers/modbus-leaks';
import { GpioTwin } from '../helpers/gpio-twin';

type Scan = NodeMessage & { payload: Record<string, unknown>; tags: TagSample[]; edge?: string };
const modules = () => [nodeModule('gpio-in'), nodeModule('gpio-out'), collectorModule];
const scans = (id: string) => received(id) as Scan[];

const flow = (nodes: object[]) => [{ id: 'tab', type: 'tab', label: 'gpio' }, ...nodes.map((n) => ({ z: 'tab', ...n })), { id: 'out', z: 'tab', type: 'test-collect' }];

describe('gpio nodes without GPIO on the host', () => {
  before(async () => helper.startServer());
  after(async () => helper.stopServer());
  afterEach(async () => {
    await helper.unload();
    clearCollected();
  });

  test('both show a grey "not available" status, send nothing, report no error; a message to gpio-out is taken', async () => {
    await helper.load(
      modules(),
      flow([
        { id: 'in', type: 'edgegw-gpio-in', line: 17, wires: [['out']] },
        { id: 'gpo', type: 'edgegw-gpio-out', line: 27, wires: [['out']] },
      ]),
    );
    const gpi = helper.getNode('in');
    const gpo = helper.getNode('gpo');
    await waitFor('statuses', () => lastStatus(gpi)?.text === 'gpio-in.status.unavailable' && lastStatus(gpo)?.text === 'gpio-out.status.unavailable', 20000);
    assert.equal(lastStatus(gpi)?.fill, 'grey');
    assert.equal(lastStatus(gpo)?.fill, 'grey');
    gpo.receive({ payload: true });
    await sleep(100);
    assert.equal(received('out').length, 0);
    assert.deepEqual([...errorsOf(gpi), ...errorsOf(gpo)], []);
  });
});

describe('gpio nodes on a software twin of a Raspberry Pi 5', () => {
  let twin: GpioTwin;
  let restore: () => void;
  before(async () => helper.startServer());
  after(async () => helper.stopServer());
  afterEach(async () => {
    await helper.unload();
    clearCollected();
    restore();
  });
  const useTwin = () => {
    twin = new GpioTwin();
    restore = replaceGpioHost(twin);
  };

  test('gpio-in: header line 17 is sysfs 588; the initial level, then one debounced edge per press, in the tag contract', async () => {
    useTwin();
    // a button to ground with a pull-up: idle at 1
    twin.idle.set(588, 1);
    await helper.load(
      modules(),
      flow([{ id: 'in', type: 'edgegw-gpio-in', line: 17, activeLow: true, debounce: 30, edge: 'both', initialRead: true, device: 'panel', tag: 'start', wires: [['out']] }]),
    );
    await waitFor('initial scan', () => scans('out').length >= 1, 20000);
    const line = twin.line(588);
    assert.equal(line.direction, 'in');
    const first = scans('out')[0];
    assert.equal(first.topic, 'panel');
    assert.deepEqual(first.payload, { start: false }, 'active low: the idle line (1) is off');
    assert.equal(first.edge, 'initial');
    assert.deepEqual([first.tags[0].device, first.tags[0].name, first.tags[0].quality, first.tags[0].source], ['panel', 'start', 'good', 'gpio']);

    // pressed, with bounce: one rising edge once it holds
    for (const raw of [0, 1, 0, 1, 0] as const) line.drive(raw);
    await waitFor('rising edge', () => scans('out').length >= 2, 5000);
    await sleep(80);
    assert.equal(scans('out').length, 2, 'one edge for the whole bounce');
    assert.deepEqual([scans('out')[1].payload, scans('out')[1].edge], [{ start: true }, 'rising']);
    assert.equal(lastStatus(helper.getNode('in'))?.text, 'gpio-in.status.on(gpio=588)');
    line.drive(1);
    await waitFor('falling edge', () => scans('out').length >= 3, 5000);
    assert.deepEqual([scans('out')[2].payload, scans('out')[2].edge], [{ start: false }, 'falling']);
  });

  test('gpio-in: rising edges only; a named chip by label; a watch error is a bad sample', async () => {
    useTwin();
    await helper.load(modules(), flow([{ id: 'in', type: 'edgegw-gpio-in', chip: 'gpio-brcmstb@107d508500', line: 3, debounce: 0, edge: 'rising', initialRead: false, wires: [['out']] }]));
    await waitFor('line opened', () => twin.lines.length === 1, 20000);
    const line = twin.line(515);
    await sleep(20);
    line.drive(1);
    line.drive(0);
    line.drive(1);
    await waitFor('two rising edges', () => scans('out').length >= 2, 5000);
    assert.deepEqual(
      scans('out').map((s) => [s.payload.input, s.edge]),
      [
        [true, 'rising'],
        [true, 'rising'],
      ],
    );
    line.fail(new Error('EPOLLERR'));
    await waitFor('bad sample', () => scans('out').length >= 3, 5000);
    const bad = scans('out')[2];
    assert.deepEqual([bad.tags[0].value, bad.tags[0].quality, bad.tags[0].error, bad.edge], [null, 'bad', 'GPIO 515: watch failed: EPOLLERR', 'error']);
    assert.deepEqual(errorsOf(helper.getNode('in')), ['GPIO 515: watch failed: EPOLLERR']);
  });

  test('a line the host refuses to release: each node logs it naming the line, and still stops', async () => {
    useTwin();
    await helper.load(
      modules(),
      flow([
        { id: 'in', type: 'edgegw-gpio-in', line: 17, debounce: 0, wires: [['out']] },
        { id: 'gpo', type: 'edgegw-gpio-out', line: 27, safe: 'keep', wires: [['out']] },
      ]),
    );
    await waitFor('lines open', () => twin.lines.length === 2, 20000);
    const gin = helper.getNode('in');
    const gout = helper.getNode('gpo');
    for (const l of twin.lines) l.failRelease = new Error('EBUSY: resource busy');
    // the test helper's spies are gone once the flow stopped: record what the close handlers log
    const logged = new Map<string, string[]>();
    for (const n of [gin, gout]) {
      const own = n.error.bind(n);
      n.error = (m: unknown) => {
        logged.set(n.id, [...(logged.get(n.id) ?? []), String(m)]);
        own(m);
      };
    }
    await helper.unload();
    assert.ok(
      twin.lines.every((l) => l.released),
      'both let go',
    );
    assert.deepEqual(logged.get('in'), ['gpio-in: GPIO 588: release failed: EBUSY: resource busy']);
    assert.deepEqual(logged.get('gpo'), ['gpio-out: safe state: GPIO 598: release failed: EBUSY: resource busy']);
  });

  test('gpio-in: a line past the chip is an error naming chip and line', async () => {
    useTwin();
    await helper.load(modules(), flow([{ id: 'in', type: 'edgegw-gpio-in', chip: 'pinctrl-rp1', line: 60, wires: [['out']] }]));
    const node = helper.getNode('in');
    await waitFor('error', () => errorsOf(node).length > 0, 20000);
    assert.deepEqual(errorsOf(node), ['gpio-in: pinctrl-rp1 line 60: pinctrl-rp1 has lines 0-53']);
    assert.equal(lastStatus(node)?.fill, 'red');
  });

  test('gpio-out: opens at its initial level, follows payloads, fails a bad one naming it, and goes safe on redeploy', async () => {
    useTwin();
    const out = { id: 'gpo', type: 'edgegw-gpio-out', line: 27, initial: 'on', safe: 'off', device: 'panel', tag: 'lamp', wires: [['out']] };
    await helper.load(modules(), flow([out]));
    await waitFor('line opened', () => twin.lines.length === 1, 20000);
    const line = twin.line(598);
    assert.equal(line.direction, 'high');
    const gpo = helper.getNode('gpo');
    for (const payload of [false, 'on', 0, 'OFF', 1]) gpo.receive({ payload });
    await waitFor('five scans', () => scans('out').length >= 5, 5000);
    assert.deepEqual(line.written, [0, 1, 0, 0, 1]);
    assert.deepEqual(
      scans('out')[4].tags.map((s) => [s.device, s.name, s.value, s.quality]),
      [['panel', 'lamp', true, 'good']],
    );

    gpo.receive({ payload: 'dim' });
    await waitFor('error', () => errorsOf(gpo).length > 0, 5000);
    assert.match(errorsOf(gpo)[0], /^gpio-out: payload "dim" is not a level: send true\/false, 1\/0 or "on"\/"off"$/);

    // a redeploy: the old node leaves the line safe (off) and releases it before the new one opens
    await helper.setFlows(flow([{ ...out, initial: 'off' }]), 'nodes');
    assert.deepEqual(line.written, [0, 1, 0, 0, 1, 0]);
    assert.equal(line.released, true);
    await waitFor('reopened', () => twin.lines.length === 2, 5000);
    assert.equal(twin.lines[1].direction, 'low');
  });

  test('gpio-out: a write under way finishes before the safe level on stop', async () => {
    useTwin();
    await helper.load(modules(), flow([{ id: 'gpo', type: 'edgegw-gpio-out', line: 27, initial: 'off', safe: 'off', wires: [['out']] }]));
    await waitFor('line opened', () => twin.lines.length === 1, 20000);
    const line = twin.line(598);
    line.writeDelayMs = 50;
    helper.getNode('gpo').receive({ payload: true });
    await sleep(5);
    await helper.unload();
    assert.deepEqual(line.written, [1, 0]);
    assert.equal(line.released, true);
  });
});

test('100 redeploys of gpio-in and gpio-out on the twin leave no timer or line behind', async () => {
  const twin = new GpioTwin();
  const restore = replaceGpioHost(twin);
  await helper.startServer();
  try {
    const nodes = flow([
      { id: 'in', type: 'edgegw-gpio-in', line: 17, debounce: 20, wires: [['out']] },
      { id: 'gpo', type: 'edgegw-gpio-out', line: 27, wires: [['out']] },
    ]);
    const left = await leftAfterRedeploys({
      deploy: () => helper.load(modules(), nodes),
      during: async (i) => {
        // a press still bouncing when the flow stops
        await waitFor('lines open', () => twin.lines.length >= 2 * (i + 2), 5000);
        twin.line(588).drive(1);
      },
      stop: () => helper.unload(),
      after: clearCollected,
    });
    assert.deepEqual(left, []);
    assert.ok(
      twin.lines.every((l) => l.released),
      'every line released',
    );
  } finally {
    await helper.stopServer();
    restore();
  }
});
