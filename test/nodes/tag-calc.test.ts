// tag-calc: deploy-time errors with line:column, scans in and out with quality, tag output, the
// interval trigger, the store option, the editor's check route, and 100 redeploys leaking nothing.
import { test, describe, before, after, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import { helper, nodeModule } from '../helpers/nodered';
import { waitFor } from '../helpers/process';
import { healthRegistry } from '../../lib/health/registry';
import { clearCollected, collectorModule, errorsOf, lastStatus, received } from '../helpers/can-nodes';
import type { TagSample } from '../../lib/tags/contract';
import { STATS_EVENT } from '../../nodes/tag-store/api';

const modules = () => [nodeModule('tag-calc'), nodeModule('tag-store'), collectorModule];
const DEFINITIONS = 'power_kw [kW] = meter1.voltage * meter1.current * pf / 1000\ndouble = power_kw * 2';

const scan = (values: Record<string, number>, quality: TagSample['quality'] = 'good', ts = Date.now()) => {
  const tags: TagSample[] = Object.entries(values).map(([name, value]) => ({ device: 'meter1', name, value, quality, ts }));
  return { topic: 'meter1', payload: values, tags };
};

describe('tag-calc', () => {
  before(async () => {
    await helper.startServer();
  });
  after(async () => {
    await helper.stopServer();
  });
  afterEach(async () => {
    await helper.unload();
    clearCollected();
  });

  const calc = (props: Record<string, unknown> = {}) => [
    { id: 't1', type: 'tab', label: 'calc' },
    {
      id: 'calc',
      type: 'edgegw-tag-calc',
      z: 't1',
      name: 'meter calc',
      definitions: DEFINITIONS,
      device: '',
      trigger: 'input',
      interval: 10,
      output: 'scan',
      missing: 'uncertain',
      store: '',
      wires: [['sink']],
      ...props,
    },
    { id: 'sink', type: 'test-collect', z: 't1' },
  ];

  test('a scan in gives one scan out, with units, quality and the node name as device', async () => {
    await helper.load(modules(), calc());
    const node = helper.getNode('calc');
    assert.match(lastStatus(node)?.text ?? '', /^tag-calc\.status\.ready\(count=[1-9]\d*\)$/);
    node.receive(scan({ voltage: 230, current: 10, pf: 0.5 }));
    await waitFor('a result scan', () => received('sink').length === 1);
    const out = received('sink')[0] as { topic: string; payload: Record<string, unknown>; tags: TagSample[] };
    assert.equal(out.topic, 'meter calc');
    assert.deepEqual(out.payload, { power_kw: 1.15, double: 2.3 });
    assert.deepEqual(
      out.tags.map((t) => [t.device, t.name, t.quality, t.unit]),
      [
        ['meter calc', 'power_kw', 'good', 'kW'],
        ['meter calc', 'double', 'good', undefined],
      ],
    );
    // the same values again change no input: no evaluation
    node.receive(scan({ voltage: 230, current: 10, pf: 0.5 }));
    node.receive(scan({ voltage: 230, current: 10, pf: 0.5 }, 'uncertain'));
    await waitFor('the uncertain scan', () => received('sink').length === 2);
    const second = received('sink')[1] as { tags: TagSample[] };
    assert.deepEqual(
      second.tags.map((t) => t.quality),
      ['uncertain', 'uncertain'],
    );
    assert.equal(lastStatus(node)?.fill, 'yellow');
  });

  test('one tag message per result; bad results carry the reason; missing inputs are skipped when asked', async () => {
    await helper.load(modules(), calc({ output: 'tag', definitions: 'ratio = meter1.a / meter1.b\nother = meter1.c + 1', missing: 'skip', device: 'derived' }));
    helper.getNode('calc').receive(scan({ a: 1, b: 0 }));
    await waitFor('one tag message', () => received('sink').length === 1);
    await new Promise((r) => setTimeout(r, 100));
    assert.equal(received('sink').length, 1, 'other is skipped: meter1/c was never seen');
    const m = received('sink')[0] as { topic: string; payload: unknown; tag: TagSample };
    assert.equal(m.topic, 'derived/ratio');
    assert.equal(m.payload, null);
    assert.equal(m.tag.quality, 'bad');
    assert.equal(m.tag.error, 'result is Infinity (division by zero?)');
  });

  test('a rejected definition: status with line:column, the error names them, /health down, input refused', async () => {
    await helper.load(modules(), calc({ definitions: 'ok = 1\nbad = meter1.x + evaluate(y)' }));
    const node = helper.getNode('calc');
    assert.deepEqual(lastStatus(node), { fill: 'red', shape: 'ring', text: 'tag-calc.status.exprError(line=2, column=18)' });
    assert.ok(
      errorsOf(node).some((e) => e === 'definitions: line 2, column 18: function evaluate is not allowed in the sandbox'),
      errorsOf(node).join('\n'),
    );
    const h = healthRegistry()
      .list()
      .find((e) => e.id === 'calc')!;
    assert.equal(h.state, 'down');
    node.receive(scan({ x: 1 }));
    await waitFor('input refused', () => errorsOf(node).length >= 2);
    assert.equal(received('sink').length, 0);
  });

  test('bad settings are named: trigger, interval, output, store', async () => {
    for (const [props, expected] of [
      [{ trigger: 'sometimes' }, /trigger: "sometimes"/],
      [{ trigger: 'interval', interval: 0 }, /interval: 0 is not a number of seconds/],
      [{ output: 'csv' }, /output: "csv"/],
      [{ store: 'nope' }, /store: tag-store nope not found/],
    ] as const) {
      await helper.load(modules(), calc(props));
      assert.ok(
        errorsOf(helper.getNode('calc')).some((e) => expected.test(e)),
        `${JSON.stringify(props)}: ${errorsOf(helper.getNode('calc')).join('; ')}`,
      );
      await helper.unload();
    }
  });

  test('input without samples is refused with a clear error', async () => {
    await helper.load(modules(), calc());
    helper.getNode('calc').receive({ payload: 42 });
    await waitFor('error', () => errorsOf(helper.getNode('calc')).some((e) => e.includes('msg carries no tag samples')));
  });

  test('interval trigger evaluates on its own; the store option writes every result', async () => {
    const flow = [
      ...calc({ trigger: 'interval', interval: 0.05, store: 'store1' }),
      { id: 'store1', type: 'edgegw-tag-store', name: 'calc-test', persist: false, maxAge: 0, maxAgeRules: '', userTags: '' },
    ];
    await helper.load(modules(), flow);
    const node = helper.getNode('calc');
    node.receive(scan({ voltage: 200, current: 5, pf: 1 }));
    await waitFor('two interval evaluations', () => received('sink').length >= 2);
    const store = helper.getNode('store1');
    const stored = store.read('meter calc/power_kw') as TagSample;
    assert.equal(stored.value, 1);
    assert.equal(stored.quality, 'good');
    assert.equal(stored.unit, 'kW');
    assert.match(String(stored.source), /^tag-calc:calc$/);
  });

  test('a store that refuses every result is warned about once, not at every evaluation', async () => {
    const flow = [
      ...calc({ device: 'plant', store: 'store1' }),
      { id: 'store1', type: 'edgegw-tag-store', name: 'calc-test', persist: false, maxAge: 0, maxAgeRules: '', userDevice: 'plant', userTags: 'power_kw number = 0' },
    ];
    await helper.load(modules(), flow);
    const node = helper.getNode('calc');
    for (let i = 0; i < 50; i++) node.receive(scan({ voltage: 200 + i, current: 5, pf: 1 }));
    await waitFor('50 evaluations', () => received('sink').length === 50);
    const warn = (node as unknown as { warn: { getCalls(): Array<{ args: unknown[] }> } }).warn;
    const warnings = warn.getCalls().map((c) => String(c.args[0]));
    assert.deepEqual(warnings, ['store: sample 0: plant/power_kw is a user tag: set it with a set message']);
  });

  test('the editor check route answers with the definitions or the error place', async () => {
    await helper.load(modules(), calc());
    const ok = await helper.request().post('/edgegw/calc/check').send({ definitions: DEFINITIONS }).expect(200);
    assert.equal(ok.body.ok, true);
    assert.deepEqual(
      ok.body.definitions.map((d: { name: string }) => d.name),
      ['power_kw', 'double'],
    );
    assert.deepEqual(ok.body.definitions[1].inputs, ['power_kw']);
    const bad = await helper.request().post('/edgegw/calc/check').send({ definitions: 'a = 1\nb = a.constructor' }).expect(200);
    assert.deepEqual(bad.body, { ok: false, error: { message: 'property access to "constructor" is not allowed', line: 2, column: 6, symbol: 'constructor' } });
  });

  test('the editor asks the check route for codes, and gets the error’s code and arguments beside the English text', async () => {
    await helper.load(modules(), calc());
    const bad = await helper.request().post('/edgegw/calc/check').send({ definitions: 'a = 1\nb = a + foo(2)', codes: true }).expect(200);
    assert.deepEqual(bad.body, { ok: false, error: { message: 'unknown function foo', line: 2, column: 9, symbol: 'foo', code: 'unknownFunction', args: { name: 'foo' } } });
  });

  test('100 redeploys leave no timer, health entry or store listener behind', async () => {
    const resources = () => {
      const counts: Record<string, number> = {};
      for (const r of process.getActiveResourcesInfo()) counts[r] = (counts[r] ?? 0) + 1;
      return counts;
    };
    await new Promise((r) => setTimeout(r, 100));
    const baseline = resources();
    const storeDef = { id: 'store1', type: 'edgegw-tag-store', name: 'leak-test', persist: false, maxAge: 0, maxAgeRules: '', userTags: '' };
    const flow = (i: number) => [...calc({ trigger: 'both', interval: 0.02 + (i % 3) / 100, store: 'store1', definitions: `${DEFINITIONS}\nn = ${i}` }), storeDef];
    await helper.load(modules(), flow(0));
    const store = helper.getNode('store1');
    const listeners = store.listenerCount(STATS_EVENT);
    const first = helper.getNode('calc');
    for (let i = 1; i <= 100; i++) await helper.setFlows(flow(i), 'nodes');
    assert.notEqual(helper.getNode('calc'), first, 'tag-calc was redeployed');
    assert.equal(helper.getNode('store1'), store, 'the store was left alone');
    assert.equal(store.listenerCount(STATS_EVENT), listeners);
    helper.getNode('calc').receive(scan({ voltage: 1, current: 1, pf: 1 }));
    await waitFor('the last deploy evaluates', () => received('sink').some((m) => (m.payload as Record<string, number>).n === 100));
    assert.equal(
      healthRegistry()
        .list()
        .filter((e) => e.type === 'tag-calc').length,
      1,
    );
    await helper.unload();
    await waitFor('timers back to the baseline', () => (resources().Timeout ?? 0) <= (baseline.Timeout ?? 0), 5000).catch(() => assert.deepEqual(resources(), baseline));
    assert.equal(
      healthRegistry()
        .list()
        .filter((e) => e.type === 'tag-calc' || e.type === 'tag-store').length,
      0,
    );
  });

  test('status texts and labels exist in both locales', () => {
    for (const type of ['tag-calc', 'tag-store', 'tag-store-in']) {
      const en = require(`../../nodes/${type}/locales/en-US/${type}.json`)[type];
      const ru = require(`../../nodes/${type}/locales/ru/${type}.json`)[type];
      const keys = (o: any, p = ''): string[] => Object.entries(o).flatMap(([k, v]) => (typeof v === 'object' ? keys(v, `${p}${k}.`) : [`${p}${k}`]));
      assert.deepEqual(keys(ru).sort(), keys(en).sort(), type);
    }
  });
});
