import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { StreamHub, streamHub } from '../../../../lib/api/stream/hub';
import { parseStreamFilter, StreamFilterError } from '../../../../lib/api/stream/filter';
import { DEFAULT_STREAM_LIMITS, type DropReason, type StreamSink } from '../../../../lib/api/stream/session';
import type { FrameEvent } from '../../../../lib/api/stream/events';
import type { TagSample } from '../../../../lib/tags/contract';
import type { AlarmEvent } from '../../../../lib/alarm/engine';

/** A sink whose peer reads nothing until told to: every frame stays in its backlog. */
class MemorySink implements StreamSink {
  readonly transport = 'sse' as const;
  frames: Array<{ event: FrameEvent; data: unknown }> = [];
  unread = 0;
  dropped?: { reason: DropReason; text: string };
  constructor(private readonly reads = true) {}
  backlogBytes(): number {
    return this.unread;
  }
  write(event: FrameEvent, json: string): void {
    this.frames.push({ event, data: JSON.parse(json) });
    if (!this.reads) this.unread += Buffer.byteLength(json);
  }
  drop(reason: DropReason, text: string): void {
    this.dropped = { reason, text };
  }
}

const sample = (device: string, name: string, value: number, ts = Date.now()): TagSample => ({ device, name, value, quality: 'good', ts });
const filter = (q: string) => parseStreamFilter(new URLSearchParams(q));
const tagsOf = (sink: MemorySink) => sink.frames.filter((f) => f.event === 'tags').flatMap((f) => (f.data as { samples: TagSample[] }).samples.map((s) => `${s.device}/${s.name}=${String(s.value)}`));

describe('stream hub', () => {
  test('the process has one hub (shared through globalThis)', () => {
    assert.equal(streamHub(), streamHub());
    assert.equal(streamHub(), (globalThis as unknown as Record<symbol, unknown>)[Symbol.for('edgegw.api.stream.hub')]);
  });

  test('publishing without clients does nothing; a client gets what its filter selects', () => {
    const hub = new StreamHub();
    assert.equal(hub.listening, false);
    hub.publishTags([sample('plc', 'a', 1)]); // nobody: no work, no error
    const all = new MemorySink();
    const plc = new MemorySink();
    const exact = new MemorySink();
    const alarmsOnly = new MemorySink();
    hub.open(filter(''), all, DEFAULT_STREAM_LIMITS);
    hub.open(filter('device=plc'), plc, DEFAULT_STREAM_LIMITS);
    hub.open(filter('tag=plc/a,other/t*'), exact, DEFAULT_STREAM_LIMITS);
    hub.open(filter('events=alarms&device=plc'), alarmsOnly, DEFAULT_STREAM_LIMITS);
    assert.equal(hub.listening, true);
    hub.publishTags([sample('plc', 'a', 1), sample('plc', 'ab', 2), sample('other', 'temp', 3), sample('other', 'x', 4)]);
    const alarm: AlarmEvent = { id: 'hi', tag: 'plc/a', rule: 'hi', severity: 'critical', state: 'active', value: 9, limit: 5, message: 'high', ts: 1, ackedBy: null };
    hub.publishAlarms([alarm, { ...alarm, id: 'o', tag: 'other/temp' }]);
    hub.publishQueue({ queue: 'q', depth: 3, waiting: 0, rate: 0, destination: 'connected', forwarder: 'running', health: 'ok', oldestAgeS: 0, ts: 1 });
    assert.deepEqual(tagsOf(all), ['plc/a=1', 'plc/ab=2', 'other/temp=3', 'other/x=4']);
    assert.deepEqual(tagsOf(plc), ['plc/a=1', 'plc/ab=2']);
    assert.deepEqual(tagsOf(exact), ['plc/a=1', 'other/temp=3']);
    assert.deepEqual(
      all.frames.map((f) => f.event),
      ['tags', 'alarm', 'alarm', 'queue'],
    );
    assert.deepEqual(
      alarmsOnly.frames.map((f) => `${f.event}:${(f.data as { id: string }).id}`),
      ['alarm:hi'],
    );
    // all: 4 frames; plc: tags, alarm, queue; exact: tags, 2 alarms, queue; alarmsOnly: 1 alarm
    assert.equal(hub.stats().frames.sse, 4 + 3 + 4 + 1);
  });

  test('bigint and Buffer values survive as text', () => {
    const hub = new StreamHub();
    const sink = new MemorySink();
    hub.open(filter(''), sink, DEFAULT_STREAM_LIMITS);
    hub.publishTags([
      { device: 'd', name: 'big', value: 2n ** 64n, quality: 'good', ts: 1 },
      { device: 'd', name: 'raw', value: Buffer.from([1, 255]), quality: 'good', ts: 1 },
    ]);
    assert.deepEqual(tagsOf(sink), ['d/big=18446744073709551616', 'd/raw=01ff']);
  });

  test('minInterval: at most one update per tag per interval, the latest value wins', async () => {
    const hub = new StreamHub();
    const sink = new MemorySink();
    hub.open(filter('minInterval=200'), sink, DEFAULT_STREAM_LIMITS);
    for (let i = 0; i < 50; i++) hub.publishTags([sample('plc', 'a', i), sample('plc', 'b', 100 + i)]);
    assert.deepEqual(tagsOf(sink), ['plc/a=0', 'plc/b=100']);
    assert.equal(hub.stats().heldBack, 2);
    await sleep(120);
    assert.equal(tagsOf(sink).length, 2, 'nothing before the interval has passed');
    await sleep(200);
    assert.deepEqual(tagsOf(sink), ['plc/a=0', 'plc/b=100', 'plc/a=49', 'plc/b=149']);
    assert.equal(hub.stats().heldBack, 0);
    // a tag quiet for longer than the interval goes out at once
    await sleep(250);
    hub.publishTags([sample('plc', 'a', 1000)]);
    assert.equal(tagsOf(sink).at(-1), 'plc/a=1000');
  });

  test('a client that never reads is dropped at the limit; its backlog leaves the accounting', () => {
    const hub = new StreamHub();
    const limits = { ...DEFAULT_STREAM_LIMITS, maxBacklogBytes: 64 * 1024 };
    const slow = new MemorySink(false);
    const fast = new MemorySink(true);
    hub.open(filter(''), slow, limits);
    hub.open(filter(''), fast, limits);
    const scan = Array.from({ length: 50 }, (_, i) => sample('plc', `t${i}`, i));
    let peak = 0;
    for (let i = 0; i < 2000; i++) {
      hub.publishTags(scan);
      peak = Math.max(peak, hub.stats().backlogBytes);
    }
    assert.equal(slow.dropped?.reason, 'backlog');
    assert.match(slow.dropped?.text ?? '', /did not read/);
    assert.ok(peak <= limits.maxBacklogBytes, `backlog peaked at ${peak}`);
    assert.equal(fast.dropped, undefined);
    assert.equal(fast.frames.length, 2000);
    const s = hub.stats();
    assert.equal(s.clients.sse, 1);
    assert.equal(s.backlogBytes, 0);
    assert.equal(s.dropped.backlog, 1);
  });

  test('a bad filter names its parameter', () => {
    for (const [q, field] of [
      ['minInterval=-1', 'minInterval'],
      ['minInterval=abc', 'minInterval'],
      ['events=tags,nope', 'events'],
      ['tag=noslash', 'tag'],
    ]) {
      assert.throws(
        () => filter(q),
        (e: unknown) => e instanceof StreamFilterError && e.field === field,
        q,
      );
    }
  });

  test('an alarm listener hears every event as published, with or without clients, until it stops', () => {
    const hub = new StreamHub();
    const heard: string[] = [];
    const stop = hub.onAlarms((events) => heard.push(...events.map((e) => `${e.id}:${e.state}`)));
    const event: AlarmEvent = { id: 'hi', tag: 'plc/a', rule: 'hi', severity: 'critical', state: 'active', value: 9, limit: 5, message: 'high', ts: 1, ackedBy: null };
    hub.publishAlarms([event, { ...event, state: 'cleared', ts: 2 }]);
    hub.publishAlarms([]);
    assert.deepEqual(heard, ['hi:active', 'hi:cleared']);
    assert.equal(hub.clientCount, 0, 'a listener is not a client');
    stop();
    hub.publishAlarms([event]);
    assert.equal(heard.length, 2);
  });
});
