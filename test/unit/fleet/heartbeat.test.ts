import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { HeartbeatSampler, heartbeatTopic } from '../../../lib/fleet/heartbeat';

test('a heartbeat carries the documented figures, read from this machine', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'edgegw-hb-'));
  let depth = 7;
  const hb = new HeartbeatSampler({ gatewayId: 'gw1', version: '0.1.0', diskPath: dir, queueDepth: () => depth, now: () => 1764583200000 });
  const a = await hb.sample();
  assert.equal(a.gateway_id, 'gw1');
  assert.equal(a.version, '0.1.0');
  assert.equal(a.ts, 1764583200000);
  assert.equal(a.queue_depth, 7);
  assert.ok(a.cpu.process_percent >= 0);
  assert.equal(a.cpu.load.length, 3);
  assert.ok(a.cpu.cores >= 1);
  assert.ok(a.memory.rss_bytes > 0 && a.memory.heap_used_bytes > 0 && a.memory.heap_total_bytes >= a.memory.heap_used_bytes);
  assert.ok(a.memory.system_total_bytes >= a.memory.system_free_bytes && a.memory.system_free_bytes > 0);
  assert.ok('free_bytes' in a.disk, JSON.stringify(a.disk));
  if ('free_bytes' in a.disk) {
    assert.equal(a.disk.path, dir);
    assert.ok(a.disk.total_bytes >= a.disk.free_bytes && a.disk.free_bytes > 0);
    assert.ok(a.disk.used_percent >= 0 && a.disk.used_percent <= 100);
  }
  assert.ok(a.uptime.process_s >= 0 && a.uptime.system_s > 0);
  // JSON round trip keeps the shape (it is what goes on the wire)
  assert.deepEqual(JSON.parse(JSON.stringify(a)), a);
  depth = 0;
  assert.equal((await hb.sample()).queue_depth, 0);
});

test('a failing or missing queue counter gives null, the heartbeat still goes out', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'edgegw-hb-'));
  const failing = new HeartbeatSampler({
    gatewayId: 'gw',
    version: 'x',
    diskPath: dir,
    queueDepth: () => {
      throw new Error('closed');
    },
  });
  assert.equal((await failing.sample()).queue_depth, null);
  assert.equal((await new HeartbeatSampler({ gatewayId: 'gw', version: 'x', diskPath: dir }).sample()).queue_depth, null);
});

test('a missing disk path is reported, not thrown', async () => {
  const hb = await new HeartbeatSampler({ gatewayId: 'gw', version: 'x', diskPath: '/nonexistent/edgegw' }).sample();
  assert.deepEqual(hb.disk, { path: '/nonexistent/edgegw', error: 'ENOENT' });
});

test('topic', () => assert.equal(heartbeatTopic('gw-1'), 'edge-gateway/gw-1/heartbeat'));

test('disk used_percent is what df says (blocks reserved for root count as neither used nor free)', async (t) => {
  const df = spawnSync('df', ['--output=used,avail', '-B1', tmpdir()], { encoding: 'utf8' });
  if (df.status !== 0) return t.skip('df (coreutils) not available');
  const [used, avail] = df.stdout.trim().split('\n')[1].trim().split(/\s+/).map(Number);
  const hb = new HeartbeatSampler({ gatewayId: 'gw', version: '1', diskPath: tmpdir() });
  const s = await hb.sample();
  assert.ok('used_percent' in s.disk, JSON.stringify(s.disk));
  if ('used_percent' in s.disk) assert.ok(Math.abs(s.disk.used_percent - (100 * used) / (used + avail)) < 1, `${s.disk.used_percent}% vs df ${(100 * used) / (used + avail)}%`);
});
