// tag-store (config) + tag-store-in: scans stored and passed on, refusals named, user tags set
// and audited, reads, SQLite across a redeploy (stale after it), memory-only without sqlite3,
// /health and /metrics, and 100 redeploys leaking nothing.
import { test, describe, before, after, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import Module from 'node:module';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { helper, nodeModule } from '../helpers/nodered';
import { waitFor } from '../helpers/process';
import { needPeers } from '../helpers/peers';
import { SQLITE_PEER } from '../helpers/sqlite-store';
import { healthRegistry } from '../../lib/health/registry';
import { metricsRegistry } from '../../lib/metrics/registry';
import { sharedAuditLog } from '../../lib/audit/audit-log';
import { clearCollected, collectorModule, errorsOf, lastStatus, received } from '../helpers/can-nodes';
import type { TagSample } from '../../lib/tags/contract';

const modules = () => [nodeModule('tag-store'), nodeModule('tag-store-in'), collectorModule];
const sample = (device: string, name: string, value: TagSample['value'], ts = Date.now()): TagSample => ({ device, name, value, quality: 'good', ts });

describe('tag-store and tag-store-in', () => {
  let dir: string;
  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'edgegw-tagstore-'));
    await helper.startServer();
  });
  after(async () => {
    await helper.stopServer();
    rmSync(dir, { recursive: true, force: true });
  });
  afterEach(async () => {
    await helper.unload();
    helper.settings({});
    clearCollected();
  });

  const flow = (store: Record<string, unknown> = {}) => [
    { id: 't1', type: 'tab', label: 'store' },
    { id: 'in', type: 'edgegw-tag-store-in', z: 't1', name: '', store: 'store1', wires: [['sink']] },
    { id: 'sink', type: 'test-collect', z: 't1' },
    {
      id: 'store1',
      type: 'edgegw-tag-store',
      name: 'site',
      persist: false,
      file: '',
      maxAge: 0,
      maxAgeRules: 'boiler1 = 15',
      userDevice: 'user',
      userTags: 'setpoint number 5..30 degC = 21\nboost boolean',
      ...store,
    },
  ];

  test('stores scans and tag messages, passes them on; reads by device, prefix and all', async () => {
    await helper.load(modules(), flow());
    const input = helper.getNode('in');
    input.receive({ topic: 'boiler1', payload: { supply: 70, ret: 55 }, tags: [sample('boiler1', 'supply', 70), sample('boiler1', 'ret', 55)] });
    input.receive({ topic: 'line1/meter1/voltage', payload: 230, tag: sample('line1/meter1', 'voltage', 230) });
    await waitFor('both passed on', () => received('sink').length === 2);
    const store = helper.getNode('store1');
    assert.equal(store.read('boiler1/supply').value, 70);
    assert.equal(store.read('line1/meter1/voltage').value, 230);
    input.receive({ read: 'boiler1' });
    input.receive({ read: 'line1/' });
    input.receive({ read: '' });
    await waitFor('three reads', () => received('sink').length === 5);
    const [dev, prefix, all] = received('sink').slice(2) as Array<{ payload: Record<string, unknown>; tags: TagSample[] }>;
    assert.deepEqual(dev.payload, { 'boiler1/supply': 70, 'boiler1/ret': 55 });
    assert.deepEqual(prefix.payload, { 'line1/meter1/voltage': 230 });
    assert.equal(all.tags.length, 5, 'two user tags, two boiler tags, one meter tag');
  });

  test('bad samples are refused by index and reported; the good ones of the batch are stored', async () => {
    await helper.load(modules(), flow());
    const input = helper.getNode('in');
    input.receive({ tags: [sample('d', 'a', 1), { device: 'd', name: 'b', value: 1, quality: 'excellent', ts: 1 }, { device: 'd', value: 2, quality: 'good', ts: 1 }] });
    await waitFor('the refusal', () => errorsOf(input).length === 1);
    assert.equal(errorsOf(input)[0], 'sample 1: d/b: quality "excellent" is not good, uncertain, bad or stale (and 1 more); 1 samples stored');
    assert.equal(helper.getNode('store1').read('d/a').value, 1);
    input.receive({ payload: 'nothing' });
    await waitFor('nothing to do', () => errorsOf(input).some((e) => e.startsWith('msg carries no tag samples')));
  });

  test('user tags: set by topic and payload, range-checked, every attempt audited', async () => {
    await helper.load(modules(), flow());
    const input = helper.getNode('in');
    const before = sharedAuditLog().recent().length;
    input.receive({ topic: 'user/setpoint', payload: 23.5 });
    await waitFor('the set tag message', () => received('sink').length === 1);
    const m = received('sink')[0] as { topic: string; payload: unknown; tag: TagSample };
    assert.equal(m.topic, 'user/setpoint');
    assert.equal(m.payload, 23.5);
    assert.equal(m.tag.unit, 'degC');
    input.receive({ topic: 'setpoint', payload: 45 });
    input.receive({ topic: 'boost', payload: 'yes' });
    input.receive({ topic: 'unknown_tag', payload: 1 });
    await waitFor('three refusals', () => errorsOf(input).length === 3);
    assert.deepEqual(errorsOf(input), ['user tag setpoint: 45 is above the maximum 30', 'user tag boost: "yes" is not a boolean', 'user tag unknown_tag: no such user tag (defined: setpoint, boost)']);
    assert.equal(helper.getNode('store1').read('user/setpoint').value, 23.5);
    const audit = sharedAuditLog().recent().slice(before);
    assert.deepEqual(
      audit.map((r) => [r.actor, r.device, r.tag, r.old, r.new, r.ok]),
      [
        ['flow:t1/node:in', 'user', 'setpoint', 21, 23.5, true],
        ['flow:t1/node:in', 'user', 'setpoint', 23.5, 45, false],
        ['flow:t1/node:in', 'user', 'boost', null, 'yes', false],
        ['flow:t1/node:in', 'user', 'unknown_tag', null, 1, false],
      ],
    );
  });

  test('user tag writes reach the audit file of settings.edgegw.auditLog with no modbus-device in the flows', async () => {
    const file = join(dir, 'audit-user-tags.jsonl');
    const audit = sharedAuditLog();
    const formerFile = audit.filePath;
    audit.setFile(undefined);
    try {
      helper.settings({ edgegw: { auditLog: file } });
      await helper.load(modules(), flow());
      helper.getNode('in').receive({ topic: 'user/setpoint', payload: 22 });
      await waitFor('the set tag message', () => received('sink').length === 1);
      const lines = readFileSync(file, 'utf8')
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l) as Record<string, unknown>);
      assert.deepEqual(
        lines.map((r) => [r.device, r.tag, r.old, r.new, r.ok]),
        [['user', 'setpoint', 21, 22, true]],
      );
    } finally {
      audit.setFile(formerFile);
    }
  });

  test('status, /health and /metrics count tags by quality', async () => {
    await helper.load(modules(), flow({ name: 'metrics-site' }));
    const input = helper.getNode('in');
    input.receive({ tags: [sample('boiler1', 'old', 1, Date.now() - 60_000), sample('boiler1', 'new', 2), { ...sample('pump', 'x', 0), quality: 'bad' }] });
    await waitFor('stored', () => received('sink').length === 1);
    await waitFor(
      'a tick counted them',
      () =>
        (healthRegistry()
          .list()
          .find((e) => e.id === 'store1')?.detail?.tags as number) === 5,
      5000,
    );
    const h = healthRegistry()
      .list()
      .find((e) => e.id === 'store1')!;
    assert.equal(h.state, 'ok');
    assert.deepEqual([h.detail!.good, h.detail!.stale, h.detail!.bad, h.detail!.uncertain, h.detail!.persistence], [2, 1, 1, 1, 'memory']);
    assert.equal(lastStatus(input)?.fill, 'green');
    assert.match(lastStatus(input)?.text ?? '', /^tag-store-in\.status\.tags\(count=\d+, stale=\d+\) · tag-store-in\.status\.(memory|memoryOnly|sqlite)$/);
    const text = await metricsRegistry().metrics();
    assert.match(text, /edgegw_tags\{store="metrics-site",quality="stale"\} 1/);
    assert.match(text, /edgegw_tag_age_seconds_count\{store="metrics-site"\} 5/);
  });

  test('a field its declaration refuses is named, as the editor names it', async () => {
    await helper.load(modules(), flow({ maxAge: '-1' }));
    assert.ok(errorsOf(helper.getNode('store1')).includes('tag-store site: maxAge: must be a number >= 0 s, got -1'), errorsOf(helper.getNode('store1')).join('\n'));
    await helper.unload();
    await helper.load(modules(), flow({ userDevice: 'plant/user' }));
    assert.ok(errorsOf(helper.getNode('store1')).includes('tag-store site: userDevice: must not contain "/", got "plant/user"'), errorsOf(helper.getNode('store1')).join('\n'));
  });

  test('a misconfigured store refuses writes and says why; a missing store is named', async () => {
    await helper.load(modules(), flow({ userTags: 'a number\nb float' }));
    const store = helper.getNode('store1');
    assert.ok(
      errorsOf(store).some((e) => e === 'tag-store site: userTags line 2 (b): type "float" is not one of number, integer, boolean, string'),
      errorsOf(store).join('\n'),
    );
    assert.equal(
      healthRegistry()
        .list()
        .find((e) => e.id === 'store1')?.state,
      'down',
    );
    const input = helper.getNode('in');
    assert.equal(lastStatus(input)?.text, 'tag-store-in.status.badStore');
    input.receive({ tag: sample('d', 'a', 1) });
    await waitFor('refused', () => errorsOf(input).some((e) => e.includes('tag-store site is not configured')));
    await helper.unload();
    await helper.load(modules(), [
      { id: 't1', type: 'tab' },
      { id: 'in', type: 'edgegw-tag-store-in', z: 't1', store: '', wires: [[]] },
    ]);
    assert.equal(lastStatus(helper.getNode('in'))?.text, 'tag-store-in.status.noStore');
  });

  test('SQLite in the user directory: after a redeploy the last values are back as stale', needPeers(SQLITE_PEER()), async () => {
    const userDir = mkdtempSync(join(dir, 'userdir-'));
    helper.settings({ userDir });
    await helper.load(modules(), flow({ persist: true, file: 'tags.sqlite' }));
    const input = helper.getNode('in');
    input.receive({ tags: [sample('boiler1', 'supply', 71.5)] });
    input.receive({ topic: 'setpoint', payload: 25 });
    await waitFor('stored', () => received('sink').length === 2);
    assert.equal(
      healthRegistry()
        .list()
        .find((e) => e.id === 'store1')?.detail?.persistence,
      'sqlite',
    );
    await helper.unload(); // close saves what is pending
    assert.ok(existsSync(join(userDir, 'tags.sqlite')));
    await helper.load(modules(), flow({ persist: true, file: 'tags.sqlite' }));
    const store = helper.getNode('store1');
    await waitFor('loaded', () => store.read('boiler1/supply'));
    assert.equal(store.read('boiler1/supply').quality, 'stale');
    assert.equal(store.read('boiler1/supply').value, 71.5);
    assert.equal(store.read('user/setpoint').value, 25);
    assert.equal(store.read('user/setpoint').quality, 'good');
    helper.getNode('in').receive({ tags: [sample('boiler1', 'supply', 72)] });
    await waitFor('fresh again', () => store.read('boiler1/supply').quality === 'good');
  });

  test('without sqlite3 the store runs in memory and the status says so', async () => {
    const M = Module as unknown as { _load: (req: string, ...rest: unknown[]) => unknown };
    const load = M._load;
    M._load = function (req: string, ...rest: unknown[]) {
      if (req === 'sqlite3') throw Object.assign(new Error("Cannot find module 'sqlite3'"), { code: 'MODULE_NOT_FOUND' });
      return load.call(this, req, ...rest);
    };
    try {
      await helper.load(modules(), flow({ persist: true }));
    } finally {
      M._load = load;
    }
    const input = helper.getNode('in');
    assert.equal(lastStatus(input)?.fill, 'yellow');
    const h = healthRegistry()
      .list()
      .find((e) => e.id === 'store1')!;
    assert.equal(h.state, 'degraded');
    assert.equal(h.detail?.persistence, 'memory (sqlite3 missing)');
    input.receive({ tag: sample('d', 'a', 1) });
    await waitFor('stored in memory', () => helper.getNode('store1').read('d/a'));
  });

  test('100 redeploys of a store with SQLite and its client leave nothing behind', needPeers(SQLITE_PEER()), async () => {
    const userDir = mkdtempSync(join(dir, 'leak-'));
    helper.settings({ userDir });
    const resources = () => {
      const counts: Record<string, number> = {};
      for (const r of process.getActiveResourcesInfo()) counts[r] = (counts[r] ?? 0) + 1;
      return counts;
    };
    await new Promise((r) => setTimeout(r, 100));
    const baseline = resources();
    const deploy = (i: number) => flow({ persist: true, file: 'leak.sqlite', maxAge: i % 5 });
    await helper.load(modules(), deploy(0));
    for (let i = 1; i <= 100; i++) {
      await helper.setFlows(deploy(i), 'nodes');
      if (i % 10 === 0) helper.getNode('in').receive({ tags: [sample('d', `t${i}`, i)] });
    }
    await waitFor('the last deploy stores', () => helper.getNode('store1').read('d/t100'));
    assert.equal(
      healthRegistry()
        .list()
        .filter((e) => e.type === 'tag-store').length,
      1,
    );
    await helper.unload();
    await waitFor('timers back to the baseline', () => (resources().Timeout ?? 0) <= (baseline.Timeout ?? 0), 5000).catch(() => assert.deepEqual(resources(), baseline));
    assert.equal(
      healthRegistry()
        .list()
        .filter((e) => e.type === 'tag-store').length,
      0,
    );
    assert.doesNotMatch(await metricsRegistry().metrics(), /store="site"/);
  });
});
