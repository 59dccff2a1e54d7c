// The heartbeat with a system-tags node running: its host figures come from the latest scan (one
// source), a bad or missing figure keeps the heartbeat's own, and without a current scan the
// heartbeat measures for itself.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { tmpdir } from 'node:os';
import { HeartbeatSampler, withSystemFigures, type Heartbeat } from '../../../lib/fleet/heartbeat';
import { latestSystemSamples, publishSystemSamples, withdrawSystemSamples } from '../../../lib/system/host/latest-samples';
import type { TagSample } from '../../../lib/tags/contract';

const sample = (name: string, value: number | null, quality: TagSample['quality'] = 'good'): TagSample => ({ device: 'system', name, value, quality, ts: 1, source: 'system' });

const OWN: Heartbeat = {
  gateway_id: 'gw',
  version: '1',
  ts: 1,
  cpu: { process_percent: 3.5, load: [0.1, 0.2, 0.3], cores: 4 },
  memory: { rss_bytes: 10, heap_used_bytes: 5, heap_total_bytes: 8, system_free_bytes: 100, system_total_bytes: 1000 },
  disk: { path: '/data', free_bytes: 1, total_bytes: 2, used_percent: 50 },
  uptime: { process_s: 7, system_s: 9 },
  queue_depth: null,
};

test('the scan replaces the host figures; the process CPU share and a bad or missing figure stay the heartbeat own', () => {
  const hb = withSystemFigures(OWN, [
    sample('load_1', 1.5),
    sample('load_5', 1.25),
    sample('load_15', null, 'bad'),
    sample('memory_total', 4e9),
    sample('memory_available', 3e9),
    sample('disk_total', 64e9),
    sample('disk_free', 16e9),
    sample('disk_used', 75),
    sample('uptime', 1234.6),
    sample('process_rss', 80e6),
  ]);
  assert.deepEqual(hb, {
    ...OWN,
    cpu: { process_percent: 3.5, load: [1.5, 1.25, 0.3], cores: 4 },
    memory: { rss_bytes: 80e6, heap_used_bytes: 5, heap_total_bytes: 8, system_free_bytes: 3e9, system_total_bytes: 4e9 },
    disk: { path: '/data', total_bytes: 64e9, free_bytes: 16e9, used_percent: 75 },
    uptime: { process_s: 7, system_s: 1235 },
  });
  assert.deepEqual(withSystemFigures(OWN, [sample('disk_total', 64e9), sample('disk_free', null, 'bad'), sample('disk_used', 75)]).disk, OWN.disk, 'a disk figure missing: the own disk whole');
});

test('the latest current scan of any system-tags node; none once withdrawn or stale', () => {
  const now = 1_000_000;
  publishSystemSamples('st1', [sample('uptime', 1)], 10_000, now - 30_000);
  assert.equal(latestSystemSamples(now), undefined, 'older than two intervals and 5 s');
  publishSystemSamples('st2', [sample('uptime', 2)], 10_000, now - 1000);
  assert.deepEqual(latestSystemSamples(now), [sample('uptime', 2)]);
  withdrawSystemSamples('st2');
  withdrawSystemSamples('st1');
  assert.equal(latestSystemSamples(now), undefined);
});

test('the sampler says where its figures came from', async () => {
  let samples: TagSample[] | undefined = [sample('uptime', 42)];
  const sampler = new HeartbeatSampler({ gatewayId: 'gw', version: '1', diskPath: tmpdir(), systemSamples: () => samples });
  assert.equal((await sampler.sample()).uptime.system_s, 42);
  assert.equal(sampler.figures, 'system-tags');
  samples = undefined;
  await sampler.sample();
  assert.equal(sampler.figures, 'own');
});
