// TagStore in memory, with an injected clock: writes, reads, max age, user tags and their audit,
// counts, /metrics.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { TagStore } from '../../../lib/tags/store';
import { parseMaxAgeRules, parseUserTags, TagConfigError, TagValueError } from '../../../lib/tags/store-config';
import { publishStoreStats, registerStore, unregisterStore } from '../../../lib/tags/store-metrics';
import { metricsRegistry } from '../../../lib/metrics/registry';
import { AuditLog } from '../../../lib/audit/audit-log';
import type { TagSample } from '../../../lib/tags/contract';

const s = (device: string, name: string, value: TagSample['value'], ts: number, quality: TagSample['quality'] = 'good'): TagSample => ({ device, name, value, quality, ts });

describe('TagStore', () => {
  test('keeps the latest sample of each tag; reads one tag, a device, a prefix', () => {
    const clock = { t: 1000 };
    const store = new TagStore({ now: () => clock.t });
    assert.deepEqual(store.write([s('meter1', 'voltage', 230, 900), s('meter1', 'current', 5, 900), s('line1/meter2', 'voltage', 231, 950)]), { written: 3 });
    store.write([{ ...s('meter1', 'voltage', 232, 990), unit: 'V', source: 'modbus' }]);
    assert.deepEqual(store.read('meter1/voltage'), { device: 'meter1', name: 'voltage', value: 232, quality: 'good', ts: 990, unit: 'V', source: 'modbus' });
    assert.deepEqual(store.read('line1/meter2', 'voltage')?.value, 231);
    assert.equal(store.read('line1/meter2/voltage')?.value, 231);
    assert.equal(store.read('nope/x'), undefined);
    assert.equal(store.read('novice'), undefined);
    assert.deepEqual(
      store
        .readDevice('meter1')
        .map((x) => x.name)
        .sort(),
      ['current', 'voltage'],
    );
    assert.deepEqual(
      store.readPrefix('line1/').map((x) => `${x.device}/${x.name}`),
      ['line1/meter2/voltage'],
    );
    assert.deepEqual(
      store.readPrefix('meter1/vol').map((x) => x.name),
      ['voltage'],
    );
    assert.equal(store.readPrefix('').length, 3);
    assert.equal(store.tagCount, 3);
    // a read is a copy: changing it changes nothing in the store
    store.read('meter1/voltage')!.value = 0;
    assert.equal(store.read('meter1/voltage')!.value, 232);
  });

  test('refuses bad samples with the reason and index, keeps the good ones of the same batch', () => {
    const store = new TagStore();
    const r = store.write([
      s('d', 'a', 1, 1),
      { device: '', name: 'x' } as TagSample,
      s('d', '', 1, 1),
      { ...s('d', 'q', 1, 1), quality: 'fine' as never },
      { ...s('d', 't', 1, 1), ts: 'now' as never },
      s('d', 'b', 2, 1),
    ]);
    assert.equal(r.written, 2);
    assert.deepEqual(r.errors, [
      'sample 1: device is missing',
      'sample 2: d: tag name is missing',
      'sample 3: d/q: quality "fine" is not good, uncertain, bad or stale',
      'sample 4: d/t: ts is not epoch milliseconds',
    ]);
    assert.equal(store.tick().refused, 4);
  });

  test('max age per device or tag: stale on read and on the timer tick, fresh again on a new sample', () => {
    const clock = { t: 0 };
    const store = new TagStore({ now: () => clock.t, maxAge: parseMaxAgeRules('meter1 = 10\nmeter1/energy = 60\n# comment\n', 30) });
    store.write([s('meter1', 'voltage', 1, 0), s('meter1', 'energy', 1, 0), s('other', 'x', 1, 0), s('other', 'broken', 0, 0, 'bad')]);
    clock.t = 11_000;
    assert.equal(store.read('meter1/voltage')!.quality, 'stale');
    assert.match(store.read('meter1/voltage')!.error!, /max age of 10 s/);
    assert.equal(store.read('meter1/energy')!.quality, 'good');
    assert.equal(store.read('other/x')!.quality, 'good');
    clock.t = 31_000;
    const stats = store.tick();
    assert.deepEqual(stats.byQuality, { good: 1, uncertain: 0, bad: 1, stale: 2 });
    assert.equal(stats.oldestAgeSeconds, 31);
    assert.equal(stats.meanAgeSeconds, 31);
    assert.equal(store.read('other/x')!.quality, 'stale');
    assert.equal(store.read('other/broken')!.quality, 'bad', 'bad stays bad: it says more than stale');
    store.write([s('meter1', 'voltage', 2, 31_000)]);
    assert.equal(store.read('meter1/voltage')!.quality, 'good');
    assert.equal(store.read('meter1/voltage')!.error, undefined);
  });

  test('user tags: typed, ranged, set only through setUserTag, every attempt audited', () => {
    const audit = new AuditLog();
    const store = new TagStore({ userTags: parseUserTags('setpoint number 5..30 degC = 21\nenabled boolean\nmode string = auto\ncount integer 0..10'), audit, now: () => 5000 });
    assert.deepEqual(store.read('user/setpoint'), { device: 'user', name: 'setpoint', value: 21, quality: 'good', ts: 5000, unit: 'degC', source: 'user' });
    assert.deepEqual(store.read('user/enabled'), { device: 'user', name: 'enabled', value: null, quality: 'uncertain', ts: 5000, source: 'user', error: 'not set yet' });
    assert.equal(store.setUserTag('setpoint', 22.5, 'flow:f1/node:n1').value, 22.5);
    assert.throws(
      () => store.setUserTag('setpoint', 40, 'flow:f1/node:n1'),
      (e: TagValueError) => e.tag === 'setpoint' && /40 is above the maximum 30/.test(e.message),
    );
    assert.throws(() => store.setUserTag('setpoint', '22', 'x'), /"22" is not a finite number/);
    assert.throws(() => store.setUserTag('count', 1.5, 'x'), /1.5 is not an integer/);
    assert.throws(() => store.setUserTag('enabled', 1, 'x'), /1 is not a boolean/);
    assert.throws(() => store.setUserTag('nope', 1, 'x'), /no such user tag \(defined: setpoint, enabled, mode, count\)/);
    assert.equal(store.setUserTag('enabled', true, 'x').quality, 'good');
    assert.equal(store.read('user/setpoint')!.value, 22.5);
    const w = store.write([s('user', 'setpoint', 99, 1)]);
    assert.deepEqual(w.errors, ['sample 0: user/setpoint is a user tag: set it with a set message']);
    const records = audit.recent();
    assert.equal(records.length, 7);
    assert.deepEqual({ ...records[0], ts: 0 }, { ts: 0, actor: 'flow:f1/node:n1', device: 'user', tag: 'setpoint', old: 21, new: 22.5, ok: true });
    assert.deepEqual([records[1].ok, records[1].old, records[1].new, records[1].error], [false, 22.5, 40, '40 is above the maximum 30']);
  });

  test('user tag and max age configuration errors name the line and tag', () => {
    assert.throws(
      () => parseUserTags('a number\nb float'),
      (e: TagConfigError) => e.line === 2 && e.tag === 'b' && /type "float" is not one of/.test(e.message),
    );
    assert.throws(() => parseUserTags('a number 10..1'), /range "10..1" is not MIN..MAX/);
    assert.throws(() => parseUserTags('a number 0..10 = 11'), /line 1 \(a\): initial value: 11 is above the maximum 10/);
    assert.throws(() => parseUserTags('a boolean = yes'), /initial value "yes" is not a boolean/);
    assert.throws(() => parseUserTags('a number\na number'), /line 2 \(a\): already defined on line 1/);
    assert.throws(() => parseUserTags('a boolean 0..1'), /a range needs a number or integer tag/);
    assert.throws(() => parseUserTags('a number kW extra'), /unexpected "extra"/);
    assert.throws(() => parseUserTags('1a number'), /"1a" is not a tag name/);
    assert.throws(
      () => parseMaxAgeRules('meter1 10'),
      (e: TagConfigError) => e.line === 1 && e.field === 'maxAgeRules',
    );
    assert.throws(() => parseMaxAgeRules('meter1 = 0x10'), /"0x10" is not a number of seconds/);
    assert.throws(() => parseMaxAgeRules('', -1), /not a number of seconds >= 0/);
  });

  test('/metrics: edgegw_tags{store,quality} and the edgegw_tag_age_seconds summary', async () => {
    const clock = { t: 100_000 };
    const store = new TagStore({ now: () => clock.t });
    const rows: TagSample[] = [];
    for (let i = 0; i < 100; i++) rows.push(s('m', `t${i}`, i, 100_000 - i * 1000, i < 10 ? 'bad' : 'good'));
    store.write(rows);
    registerStore('test-store', store);
    publishStoreStats('test-store', store.tick());
    const text = await metricsRegistry().metrics();
    assert.match(text, /edgegw_tags\{store="test-store",quality="good"\} 90/);
    assert.match(text, /edgegw_tags\{store="test-store",quality="bad"\} 10/);
    assert.match(text, /# TYPE edgegw_tag_age_seconds summary/);
    assert.match(text, /edgegw_tag_age_seconds\{quantile="0.5",store="test-store"\} 50/);
    assert.match(text, /edgegw_tag_age_seconds\{quantile="0.99",store="test-store"\} 99/);
    assert.match(text, /edgegw_tag_age_seconds_count\{store="test-store"\} 100/);
    assert.match(text, /edgegw_tag_age_seconds_sum\{store="test-store"\} 4950/);
    unregisterStore('test-store', store);
    const after = await metricsRegistry().metrics();
    assert.doesNotMatch(after, /store="test-store"/);
  });
});
