// The dashboard feed over a directory of fake nodes: the overview as the API sees it, a device
// page for one browser only, acknowledgements and writes through the directory's paths as the
// actor "dashboard", a refusal with its reason, and requests that name their fault.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { AlarmRecord } from '../../../lib/alarm/engine';
import { DashboardFeed, DashboardRequestError, type FeedMessage, type FeedOutput } from '../../../lib/dashboard/feed';
import type { TagSample } from '../../../lib/tags/contract';
import { ManualClock, NOW, alarm, setupDirectory } from './fixtures';

function setup() {
  const { directory, writes, acks } = setupDirectory();
  const sent: Array<[FeedOutput, FeedMessage]> = [];
  const feed = new DashboardFeed({ directory, maxRate: 1000, overviewMs: 60_000, historyMs: 3_600_000, send: (o, m) => sent.push([o, m]) });
  return { feed, sent, writes, acks };
}

test('the overview: devices with comm status and errors, queues, active alarms by severity', async () => {
  const { feed, sent } = setup();
  await feed.request('hello', {}, undefined);
  feed.close();
  const [, msg] = sent.find(([o]) => o === 'overview')!;
  const p = msg.payload as { devices: Array<Record<string, unknown>>; queues: Array<Record<string, unknown>>; alarms: Record<string, number> };
  assert.deepEqual(p.devices, [{ device: 'boiler', comm: 'ok', status: 'polling', breaker: 'closed', lastPollAt: NOW - 1000, errors: 2, timeouts: 1, lastError: null }]);
  assert.deepEqual(p.queues, [{ name: 'events', depth: 3, destination: 'connected', oldestAgeS: 2, dropped: 0 }]);
  assert.deepEqual(p.alarms, { low: 0, medium: 1, high: 0, critical: 1, total: 2 });
  const alarms = sent.find(([o]) => o === 'alarms')![1].payload as { active: AlarmRecord[] };
  assert.deepEqual(
    alarms.active.map((a) => a.severity),
    ['critical', 'medium'],
    'highest severity first',
  );
});

test("a device page: the device's tags with quality and unit, to that browser only", async () => {
  const { feed, sent } = setup();
  await feed.request('device', { device: 'boiler' }, 'socket-1');
  feed.close();
  const [, msg] = sent.find(([o, m]) => o === 'devices' && m.topic === 'device')!;
  assert.deepEqual(msg._client, { socketId: 'socket-1' });
  const p = msg.payload as { devices: string[]; device: string; tags: Array<Record<string, unknown>> };
  assert.deepEqual(p.devices, ['boiler', 'meter'], 'every device of the tag store');
  assert.deepEqual(
    p.tags.map((t) => [t.name, t.value, t.quality, t.unit, t.numeric]),
    [
      ['flow_temp', 58.3, 'good', 'degC', true],
      ['return_temp', 47, 'bad', 'degC', true],
    ],
  );
});

test('an acknowledgement goes through the alarm node as "dashboard"; an unknown id is refused with the reason', async () => {
  const { feed, sent, acks } = setup();
  await feed.request('ack', { id: 'boiler/flow_temp:hi' }, 's');
  await feed.request('ack', { id: 'nope' }, 's');
  feed.close();
  assert.deepEqual(acks[0], ['boiler/flow_temp:hi', 'dashboard']);
  const results = sent.filter(([, m]) => m.topic === 'ackResult').map(([, m]) => m.payload as { ok: boolean; error?: string });
  assert.equal(results[0].ok, true);
  assert.equal(results[1].ok, false);
  assert.match(results[1].error!, /no active alarm 'nope'/);
});

test('a write goes through the device as "dashboard"; a refused value comes back with the tag and the reason', async () => {
  const { feed, sent, writes } = setup();
  await feed.request('write', { device: 'boiler', tag: 'setpoint', value: 45 }, 's');
  await feed.request('write', { device: 'boiler', tag: 'setpoint', value: 99999 }, 's');
  feed.close();
  assert.deepEqual(writes, [{ values: { setpoint: 45 }, actor: 'dashboard' }]);
  const results = sent.filter(([o]) => o === 'controls').map(([, m]) => m.payload as { ok: boolean; error?: string });
  assert.equal(results[0].ok, true);
  assert.deepEqual({ ok: results[1].ok, error: results[1].error }, { ok: false, error: 'setpoint: out of range' });
});

test('the tag picker lists every tag matching the search', async () => {
  const { feed, sent } = setup();
  await feed.request('tags', { search: 'TEMP' }, 's');
  feed.close();
  assert.deepEqual(sent.find(([o]) => o === 'tags')![1].payload, { search: 'TEMP', keys: ['boiler/flow_temp', 'boiler/return_temp'], total: 2 });
});

test('a request names its fault', async () => {
  const { feed } = setup();
  await assert.rejects(feed.request('reboot', {}, 's'), (e: unknown) => e instanceof DashboardRequestError && e.field === 'topic');
  await assert.rejects(feed.request('write', { device: '', tag: 'x', value: 1 }, 's'), (e: unknown) => e instanceof DashboardRequestError && e.field === 'payload.device');
  feed.close();
});

test('the host figures: good ones shown, an uncertain one (CPU since boot) marked with why, a bad one missing', async () => {
  const { directory } = setupDirectory();
  const sent: Array<[FeedOutput, FeedMessage]> = [];
  const host: TagSample[] = [
    { device: 'system', name: 'cpu_usage', value: 12.5, quality: 'uncertain', ts: NOW, unit: '%', error: 'first reading: average since boot' },
    { device: 'system', name: 'memory_used', value: 40, quality: 'good', ts: NOW, unit: '%' },
    { device: 'system', name: 'disk_used', value: null, quality: 'bad', ts: NOW, unit: '%', error: 'ENOENT' },
  ];
  const feed = new DashboardFeed({ directory, maxRate: 1000, overviewMs: 60_000, historyMs: 3_600_000, send: (o, m) => sent.push([o, m]), hostFigures: () => Promise.resolve(host) });
  await feed.request('hello', {}, undefined);
  feed.close();
  const p = sent.find(([o]) => o === 'overview')![1].payload as { host: Record<string, unknown> };
  assert.deepEqual(p.host, {
    cpu_usage: { value: 12.5, unit: '%', quality: 'uncertain', note: 'first reading: average since boot' },
    memory_used: { value: 40, unit: '%' },
  });
});

test('alarm events are recorded as they happen: one raised and cleared within a delivery interval is in the history; only its delivery waits', async () => {
  const { directory } = setupDirectory();
  const sent: Array<[FeedOutput, FeedMessage]> = [];
  let listener: ((events: readonly AlarmRecord[]) => void) | undefined;
  let stopped = 0;
  const clock = new ManualClock(NOW);
  const feed = new DashboardFeed({
    directory,
    maxRate: 0.5, // one delivery per 2 s per page
    overviewMs: 60_000,
    historyMs: 3_600_000,
    clock,
    send: (o, m) => sent.push([o, m]),
    alarmEvents: (l) => {
      listener = l;
      return () => {
        stopped++;
        listener = undefined;
      };
    },
  });
  feed.start();
  await new Promise((r) => setImmediate(r));
  const alarmPages = () => sent.filter(([o]) => o === 'alarms').map(([, m]) => m.payload as { active: AlarmRecord[]; history: Array<{ id: string; state: string }> });
  assert.equal(alarmPages().length, 1, 'the page got its first copy at start');
  assert.deepEqual(
    alarmPages()[0].history.map((e) => e.id),
    ['boiler/flow_temp:hi', 'meter/l1_voltage:lo'],
    'the alarms active at start begin the history, newest first',
  );
  const blip = alarm('meter/l2_voltage:hi', 'high', NOW + 100);
  clock.advance(100);
  listener!([blip]);
  clock.advance(200);
  listener!([{ ...blip, state: 'cleared', ts: NOW + 300 }]);
  assert.equal(alarmPages().length, 1, 'within the interval nothing more is delivered');
  clock.advance(2000);
  assert.equal(alarmPages().length, 2, 'one delivery at the end of the interval');
  const last = alarmPages()[1];
  assert.deepEqual(
    last.active.map((a) => a.id),
    ['boiler/flow_temp:hi', 'meter/l1_voltage:lo'],
    'the blip never was in an active list read',
  );
  assert.deepEqual(
    last.history.filter((e) => e.id === 'meter/l2_voltage:hi').map((e) => e.state),
    ['cleared', 'active'],
  );
  feed.close();
  assert.equal(stopped, 1, 'close stops listening');
  assert.equal(listener, undefined);
});

test("the Controls page is offered every device's writable tags, devices sorted, each in its table's order", async () => {
  const { directory } = setupDirectory();
  directory.register('devices', {
    id: 'dev0',
    device: 'aaa-pump',
    snapshot: () => ({ status: 'polling' }),
    write: () => Promise.reject(new Error('not in this test')),
    writableTags: () => [
      { name: 'speed', type: 'uint16', unit: 'rpm' },
      { name: 'run', type: 'bool' },
    ],
  });
  const sent: Array<[FeedOutput, FeedMessage]> = [];
  const feed = new DashboardFeed({ directory, maxRate: 1000, overviewMs: 60_000, historyMs: 3_600_000, send: (o, m) => sent.push([o, m]) });
  await feed.request('writable', {}, 'socket-1');
  feed.close();
  const [output, msg] = sent.find(([, m]) => m.topic === 'writable')!;
  assert.equal(output, 'controls');
  assert.deepEqual(msg._client, { socketId: 'socket-1' });
  assert.deepEqual(msg.payload, {
    tags: [
      { device: 'aaa-pump', name: 'speed', type: 'uint16', unit: 'rpm' },
      { device: 'aaa-pump', name: 'run', type: 'bool' },
    ],
  });
});

test('a page renewing its subscription (the same device, the same chart keys) costs no second history read or resend', async () => {
  const { directory } = setupDirectory();
  let queries = 0;
  directory.register('historians', {
    id: 'h1',
    name: 'historian',
    query: () => {
      queries++;
      return Promise.resolve([{ tag: 'boiler/flow_temp', ts: NOW - 60_000, value: 57 }] as never);
    },
  });
  const sent: Array<[FeedOutput, FeedMessage]> = [];
  const feed = new DashboardFeed({ directory, maxRate: 1000, overviewMs: 60_000, historyMs: 3_600_000, send: (o, m) => sent.push([o, m]) });
  await feed.request('device', { device: 'boiler' }, 's1');
  await feed.request('charts', { keys: ['meter/l1_voltage'] }, 's1');
  const before = { queries, sent: sent.length };
  assert.equal(queries, 2);
  await feed.request('device', { device: 'boiler', renew: true }, 's1');
  await feed.request('charts', { keys: ['meter/l1_voltage'] }, 's1');
  assert.deepEqual({ queries, sent: sent.length }, before, 'nothing read, nothing sent');
  await feed.request('device', { device: 'meter', renew: true }, 's1');
  assert.equal(queries, 3, 'another device is read, renewal or not');
  feed.close();
});

test('an answer that was waited for is not sent once the feed closed', async () => {
  const { directory } = setupDirectory();
  let release: () => void = () => undefined;
  directory.register('historians', { id: 'h1', name: 'historian', query: () => new Promise((r) => (release = () => r([]))) });
  const sent: Array<[FeedOutput, FeedMessage]> = [];
  const feed = new DashboardFeed({ directory, maxRate: 1000, overviewMs: 60_000, historyMs: 3_600_000, send: (o, m) => sent.push([o, m]) });
  const pending = feed.request('device', { device: 'boiler' }, 's1');
  await new Promise((r) => setImmediate(r));
  feed.close();
  release();
  await pending;
  assert.deepEqual(
    sent.filter(([, m]) => m.topic === 'history'),
    [],
  );
});

test('a request whose payload is not an object reads as an empty one; more keys than a page follows are not checked one by one', async () => {
  const { feed, sent } = setup();
  await assert.rejects(feed.request('write', 'boiler', 's'), (e: unknown) => e instanceof DashboardRequestError && e.field === 'payload.device');
  await feed.request('charts', { keys: [...Array.from({ length: 20 }, (_, i) => `boiler/t${i}`), 42] }, 's');
  feed.close();
  assert.ok(sent.some(([, m]) => m.topic === 'history'));
});
