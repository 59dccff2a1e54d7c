// The overview's host figures: a running system-tags node's scan when there is one (no second
// measurement of the host), the feed's own sampler only when none runs or it names a disk of its
// own, and that sampler released on close.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { HostFigures, type OwnHostSampler } from '../../../lib/dashboard/host-figures';
import type { TagSample } from '../../../lib/tags/contract';

const cpu = (value: number, device: string): TagSample => ({ device, name: 'cpu_usage', value, quality: 'good', ts: 1, unit: '%' });

function ownSamplers() {
  const opened: Array<{ diskPath: string; samples: number; closed: boolean }> = [];
  const openSampler = (diskPath: string): OwnHostSampler => {
    const rec = { diskPath, samples: 0, closed: false };
    opened.push(rec);
    return {
      sample: () => {
        rec.samples++;
        return Promise.resolve([cpu(7, 'gateway')]);
      },
      close: () => {
        rec.closed = true;
      },
    };
  };
  return { opened, openSampler };
}

test('the system-tags scan is read while one is current; no sampler of its own is opened', async () => {
  const { opened, openSampler } = ownSamplers();
  const host = new HostFigures({ diskPath: '/data', ownDisk: false, shared: () => [cpu(42, 'system')], openSampler });
  assert.deepEqual(await host.read(), [cpu(42, 'system')]);
  assert.equal(host.source, 'system-tags');
  assert.equal(opened.length, 0);
  host.close();
});

test('without a current scan it measures itself, with one sampler kept across readings and released on close', async () => {
  const { opened, openSampler } = ownSamplers();
  let shared: TagSample[] | undefined;
  const host = new HostFigures({ diskPath: '/data', ownDisk: false, shared: () => shared, openSampler });
  assert.deepEqual(await host.read(), [cpu(7, 'gateway')]);
  assert.deepEqual(await host.read(), [cpu(7, 'gateway')]);
  assert.equal(host.source, 'own');
  assert.deepEqual(
    opened.map((o) => [o.diskPath, o.samples, o.closed]),
    [['/data', 2, false]],
  );
  shared = [cpu(42, 'system')];
  assert.deepEqual(await host.read(), [cpu(42, 'system')], 'a system-tags node started later is read from then on');
  host.close();
  assert.equal(opened[0].closed, true);
  shared = undefined;
  assert.deepEqual(await host.read(), [], 'nothing is opened again after close');
  assert.equal(opened.length, 1);
});

test("a disk of the feed's own is measured by the feed, whatever system-tags reads", async () => {
  const { opened, openSampler } = ownSamplers();
  const host = new HostFigures({ diskPath: '/mnt/ssd', ownDisk: true, shared: () => [cpu(42, 'system')], openSampler });
  assert.deepEqual(await host.read(), [cpu(7, 'gateway')]);
  assert.equal(opened[0].diskPath, '/mnt/ssd');
  host.close();
  assert.equal(opened[0].closed, true);
});

test('the real sampler opens on the host and closes', async () => {
  const host = new HostFigures({ diskPath: process.cwd(), ownDisk: false, shared: () => undefined });
  const samples = await host.read();
  host.close();
  assert.ok(samples.some((s) => s.name === 'cpu_usage' && s.unit === '%'));
  assert.ok(samples.some((s) => s.name === 'disk_used' && s.quality === 'good'));
});
