// The nodes that own the data feed the process's hub: tag-store (every stored change, a user tag
// set), alarm (its events as the engine emits them), store-forward (its queue state each second).
import { test, describe, before, after, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { helper, nodeModule } from '../../../helpers/nodered';
import { waitFor } from '../../../helpers/process';
import { streamHub } from '../../../../lib/api/stream/hub';
import { parseStreamFilter } from '../../../../lib/api/stream/filter';
import { DEFAULT_STREAM_LIMITS, type StreamSession, type StreamSink } from '../../../../lib/api/stream/session';
import type { FrameEvent } from '../../../../lib/api/stream/events';
import type { TagStoreNode } from '../../../../nodes/tag-store/api';
import { TagStore } from '../../../../lib/tags/store';
import { MemoryActiveListStore } from '../../../../lib/alarm/alarm-store';

class CollectingSink implements StreamSink {
  readonly transport = 'ws' as const;
  frames: Array<{ event: FrameEvent; data: Record<string, unknown> }> = [];
  backlogBytes(): number {
    return 0;
  }
  write(event: FrameEvent, json: string): void {
    this.frames.push({ event, data: JSON.parse(json) as Record<string, unknown> });
  }
  drop(): void {}
}

const tagKeys = (sink: CollectingSink) =>
  sink.frames
    .filter((f) => f.event === 'tags')
    .flatMap((f) => (f.data.samples as Array<{ device: string; name: string; value: unknown; quality: string }>).map((s) => `${s.device}/${s.name}=${String(s.value)}:${s.quality}`));

describe('publishers of the live stream', () => {
  let dir: string;
  let sink: CollectingSink;
  let session: StreamSession;
  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'edgegw-publishers-'));
    await helper.startServer();
  });
  after(async () => {
    await helper.stopServer();
    rmSync(dir, { recursive: true, force: true });
  });
  afterEach(async () => {
    session?.end();
    await helper.unload();
    MemoryActiveListStore.forget('al');
  });
  const subscribe = (query = '') => {
    sink = new CollectingSink();
    session = streamHub().open(parseStreamFilter(new URLSearchParams(query)), sink, DEFAULT_STREAM_LIMITS);
  };

  test('TagStore: stored samples (not refused ones), user tag sets, tags going stale', () => {
    const changes: string[] = [];
    let now = 1000;
    const store = new TagStore({
      userTags: [{ name: 'sp', type: 'number' }],
      maxAge: { defaultMs: 500, rules: {} },
      now: () => now,
      onChange: (s) => changes.push(...s.map((x) => `${x.device}/${x.name}=${String(x.value)}:${x.quality}`)),
    });
    store.write([
      { device: 'plc', name: 'a', value: 1, quality: 'good', ts: 1000 },
      { device: '', name: 'bad', value: 2, quality: 'good', ts: 1000 },
    ]);
    store.setUserTag('sp', 5, 'test');
    now = 2000;
    store.tick();
    assert.deepEqual(changes, ['plc/a=1:good', 'user/sp=5:good', 'plc/a=1:stale']);
  });

  test('tag-store node: a write reaches a subscriber', async () => {
    await helper.load([nodeModule('tag-store')], [{ id: 'store1', type: 'edgegw-tag-store', name: 'site', persist: false, file: '', maxAge: 0, userDevice: 'user', userTags: '' }]);
    subscribe('device=boiler');
    const store = helper.getNode('store1') as unknown as TagStoreNode;
    store.write([
      { device: 'boiler', name: 'supply', value: 70, quality: 'good', ts: Date.now() },
      { device: 'other', name: 'x', value: 1, quality: 'good', ts: Date.now() },
    ]);
    assert.deepEqual(tagKeys(sink), ['boiler/supply=70:good']);
  });

  test('alarm node: its events as the engine emits them', async () => {
    const rules = 'tag,type,limit,deadband,on_delay,off_delay,severity,message\noven/temp,hi,80,2,0,0,critical,Oven hot: {value}\n';
    await helper.load([nodeModule('alarm')], [{ id: 'al', type: 'edgegw-alarm', rulesSource: 'editor', rules, persist: 'memory', wires: [[], []] }]);
    subscribe('events=alarms');
    const al = helper.getNode('al');
    al.receive({ topic: 'oven/temp', payload: 95 });
    await waitFor('alarm frame', () => sink.frames.length > 0);
    assert.equal(sink.frames[0].event, 'alarm');
    assert.equal(sink.frames[0].data.state, 'active');
    assert.equal(sink.frames[0].data.tag, 'oven/temp');
  });

  test('store-forward node: its queue state each second', async () => {
    (helper as unknown as { settings(s: unknown): void }).settings({ userDir: dir });
    await helper.load(
      [nodeModule('forward-target'), nodeModule('store-forward')],
      [
        { id: 'target', type: 'edgegw-forward-target', kind: 'mqtt', url: 'mqtt://127.0.0.1:1', qos: 1, protocolVersion: 5, topic: 'out/{device}' },
        { id: 'sf', type: 'edgegw-store-forward', name: 'to broker', target: 'target', queue: 'streamed', storage: 'memory', batchMs: 5, wires: [[], []] },
      ],
    );
    subscribe('events=queues');
    helper.getNode('sf').receive({ topic: 'd', payload: 1 });
    await waitFor('queue frame', () => sink.frames.some((f) => f.event === 'queue'), 5000);
    const q = sink.frames.find((f) => f.event === 'queue')?.data;
    assert.equal(q?.queue, 'streamed');
    assert.equal(typeof q?.depth, 'number');
    assert.equal(typeof q?.destination, 'string');
  });
});
