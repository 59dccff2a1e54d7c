// The feed's subscriptions as browsers use them: a 1,000-tag device page gets its full snapshot
// (with history) once, then only the tags that changed, and a full one again after a gap; the
// overview reaches only the browsers that have it open; at most `maxSubscriptions` browsers are
// followed, one more is refused with the reason (and one warning), and a page that closes leaves.
// Pages of the shipped flows say `v: 2`; a page saved before (no `v`) is served as it expects.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DashboardFeed, type DashboardFeedOptions, type FeedMessage, type FeedOutput } from '../../../lib/dashboard/feed';
import type { DevicePageUpdate } from '../../../lib/dashboard/device-delta';
import { ManualClock, NOW, sample, setupDirectory } from './fixtures';

/** A feed whose live readings tick every 50 ms of real time, its throttle and expiry on a clock moved by hand. */
function liveFeed(options: Partial<DashboardFeedOptions> = {}) {
  const { directory, samples } = setupDirectory();
  let historyReads = 0;
  directory.register('historians', {
    id: 'h1',
    name: 'historian',
    query: () => {
      historyReads++;
      return Promise.resolve([]);
    },
  });
  const clock = new ManualClock(NOW);
  const sent: Array<[FeedOutput, FeedMessage]> = [];
  const warnings: string[] = [];
  const feed = new DashboardFeed({ directory, maxRate: 20, overviewMs: 60_000, historyMs: 3_600_000, clock, send: (o, m) => sent.push([o, m]), warn: (w) => warnings.push(w), ...options });
  feed.start();
  /** Past the throttle's interval, then a live reading. */
  const tick = async () => {
    clock.advance(1000);
    await new Promise((r) => setTimeout(r, 120));
  };
  const updates = (client: string) => sent.filter(([o, m]) => o === 'devices' && m.topic === 'device' && m._client?.socketId === client).map(([, m]) => m.payload as DevicePageUpdate);
  return { feed, samples, sent, warnings, clock, tick, updates, historyReads: () => historyReads };
}

test('a 1,000-tag device page: the full snapshot and its history once, then only the changed tags, then a full one after a gap', async () => {
  const f = liveFeed();
  const name = (i: number) => `t${String(i).padStart(3, '0')}`;
  for (let i = 0; i < 1000; i++) f.samples.push(sample('big', name(i), i));
  try {
    await f.feed.request('device', { v: 2, device: 'big' }, 's1');
    assert.equal(f.historyReads(), 1);
    const [first] = f.updates('s1');
    assert.deepEqual({ full: first.full, tags: first.tags.length, devices: first.devices }, { full: true, tags: 1000, devices: ['big', 'boiler', 'meter'] });

    await f.tick();
    assert.equal(f.updates('s1').length, 1, 'nothing changed: nothing sent');
    for (const i of [5, 500, 999]) f.samples[f.samples.findIndex((s) => s.name === name(i))] = { ...sample('big', name(i), -1), ts: NOW + 1000 };
    await f.tick();
    const delta = f.updates('s1').at(-1)!;
    assert.deepEqual(
      { full: delta.full, seq: delta.seq, tags: delta.tags, changes: delta.changes, devices: delta.devices },
      {
        full: false,
        seq: 1,
        tags: [],
        changes: [
          ['t005', -1, 'good', NOW + 1000],
          ['t500', -1, 'good', NOW + 1000],
          ['t999', -1, 'good', NOW + 1000],
        ],
        devices: undefined,
      },
    );

    // a page that saw a gap asks again: the full snapshot, no second history read
    await f.feed.request('device', { v: 2, device: 'big', resync: true }, 's1');
    f.clock.advance(50); // the throttle's interval since the last delivery
    assert.deepEqual([f.updates('s1').at(-1)!.full, f.updates('s1').at(-1)!.tags.length, f.historyReads()], [true, 1000, 1]);

    // the page renews; once its subscription lapsed (a tab asleep past the TTL), the renewal is a new subscriber: full, with history
    await f.feed.request('device', { v: 2, device: 'big', renew: true }, 's1');
    assert.equal(f.historyReads(), 1, 'a live renewal reads nothing');
    f.clock.advance(31_000);
    await f.tick();
    assert.equal(f.feed.clientCount, 0, 'lapsed');
    await f.feed.request('device', { v: 2, device: 'big', renew: true }, 's1');
    assert.deepEqual([f.updates('s1').at(-1)!.full, f.historyReads()], [true, 2]);
  } finally {
    f.feed.close();
  }
});

test('the overview reaches only the browsers that have it open, until they leave it', async () => {
  const f = liveFeed({ overviewMs: 50 });
  try {
    await f.feed.request('hello', { v: 2 }, 'on-overview');
    await f.feed.request('device', { v: 2, device: 'boiler' }, 'on-devices');
    await f.tick();
    await f.tick();
    const overviews = () => f.sent.filter(([o]) => o === 'overview').map(([, m]) => m._client?.socketId);
    assert.ok(overviews().length >= 2, 'the overview is sent at its pace');
    assert.deepEqual([...new Set(overviews())], ['on-overview'], 'to the overview page only');
    await f.feed.request('leave', { page: 'overview' }, 'on-overview');
    const count = overviews().length;
    await f.tick();
    await f.tick();
    assert.equal(overviews().length, count, 'nobody has it open: nothing is sent (nor read)');
    assert.equal(f.feed.clientCount, 1, 'the browser that left its only page is forgotten');
  } finally {
    f.feed.close();
  }
});

test('at most maxSubscriptions browsers: one more is told why and warned about once; a browser that leaves makes room', async () => {
  const f = liveFeed({ maxSubscriptions: 2 });
  try {
    await f.feed.request('device', { v: 2, device: 'boiler' }, 's1');
    await f.feed.request('hello', { v: 2 }, 's2');
    await f.feed.request('device', { v: 2, device: 'boiler' }, 's3');
    await f.feed.request('hello', { v: 2 }, 's3');
    const refusals = f.sent.filter(([, m]) => m.topic === 'refused' && m._client?.socketId === 's3');
    assert.deepEqual(
      refusals.map(([o]) => o),
      ['devices', 'overview'],
      "on the page's own output",
    );
    assert.match((refusals[0][1].payload as { reason: string }).reason, /at most 2 browsers/);
    assert.equal(f.warnings.length, 1, 'one warning, not one per refused request');
    assert.match(f.warnings[0], /at most 2 browsers at once/);
    assert.equal(f.feed.clientCount, 2);
    await assert.rejects(f.feed.request('leave', { page: 'home' }, 's1'), /payload\.page: must be one of overview, devices, tags, controls/);
    await f.feed.request('leave', { page: 'devices' }, 's1');
    await f.feed.request('device', { v: 2, device: 'boiler' }, 's3');
    assert.ok(f.updates('s3').length, 'room again');
  } finally {
    f.feed.close();
  }
});

test('pages saved before the protocol (no v): every device update whole, the overview broadcast past the subscription TTL', async () => {
  const f = liveFeed({ overviewMs: 50 });
  try {
    await f.feed.request('device', { device: 'boiler' }, 'old-devices');
    const [first] = f.updates('old-devices');
    const all = first.tags.length;
    assert.ok(first.full && all > 1);
    await f.tick();
    assert.equal(f.updates('old-devices').length, 1, 'nothing changed: nothing sent');
    const i = f.samples.findIndex((s) => s.device === 'boiler');
    f.samples[i] = { ...f.samples[i], value: -5, ts: NOW + 1000 };
    await f.tick();
    const change = f.updates('old-devices').at(-1)!;
    assert.deepEqual([change.full, change.tags.length, change.changes, change.tags.find((t) => t.name === f.samples[i].name)?.value], [true, all, undefined, -5], 'a change comes whole');

    // the former overview said hello once and never renews: it still gets the overview, broadcast
    await f.feed.request('hello', {}, 'old-overview');
    f.clock.advance(31_000);
    await f.tick();
    const count = f.sent.filter(([o]) => o === 'overview').length;
    await f.tick();
    await f.tick();
    const overviews = f.sent.filter(([o]) => o === 'overview');
    assert.ok(overviews.length > count, 'still sent past the TTL');
    assert.equal(overviews.at(-1)![1]._client, undefined, 'to every browser, as before');
  } finally {
    f.feed.close();
  }
});
