// SystemTagSampler against temporary /proc and /sys roots laid out like the real ones, filled with
// files recorded on a real host: the scan it emits, rates over time, and unreadable files.
import { test, describe, beforeEach, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SystemTagSampler } from '../../../lib/system/host/system-tags';
import type { TagSample } from '../../../lib/tags/contract';

const RECORDED = join(__dirname, '..', '..', 'fixtures', 'system-host', 'proc');
const T0 = 1764583200000;

const tag = (samples: TagSample[], name: string) => {
  const s = samples.find((x) => x.name === name);
  assert.ok(s, `tag ${name} in ${samples.map((x) => x.name).join(', ')}`);
  return s;
};

describe('SystemTagSampler', () => {
  let base: string;
  let procRoot: string;
  let sysRoot: string;
  let now: number;
  let sampler: SystemTagSampler | undefined;
  const make = (diskPath = base) => (sampler = new SystemTagSampler({ device: 'system', procRoot, sysRoot, diskPath, now: () => now }));
  const zone = (n: number, type: string, temp?: string) => {
    const dir = join(sysRoot, 'class', 'thermal', `thermal_zone${n}`);
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'type'), `${type}\n`);
    if (temp !== undefined) writeFileSync(join(dir, 'temp'), `${temp}\n`);
  };
  // the second recording takes the place of the first, as the kernel's counters move on
  const later = () => {
    cpSync(join(RECORDED, 'stat.later'), join(procRoot, 'stat'));
    cpSync(join(RECORDED, 'net', 'dev.later'), join(procRoot, 'net', 'dev'));
  };

  beforeEach(() => {
    base = mkdtempSync(join(tmpdir(), 'edgegw-host-'));
    procRoot = join(base, 'proc');
    sysRoot = join(base, 'sys');
    cpSync(RECORDED, procRoot, { recursive: true });
    now = T0;
  });
  afterEach(() => {
    sampler?.close();
    sampler = undefined;
    rmSync(base, { recursive: true, force: true });
  });

  test('one reading is a scan of good tags with units; CPU since boot and rates are uncertain at first', async () => {
    zone(0, 'cpu-thermal', '48312');
    zone(1, 'gpu-thermal', '45000');
    const samples = await make().sample();
    for (const s of samples) {
      assert.equal(s.device, 'system');
      assert.equal(s.ts, T0);
    }
    assert.deepEqual(
      ['load_1', 'load_5', 'load_15'].map((n) => tag(samples, n).value),
      [5.35, 6.64, 9.78],
    );
    assert.deepEqual(tag(samples, 'memory_available'), { device: 'system', name: 'memory_available', value: 23618404 * 1024, quality: 'good', ts: T0, unit: 'B', source: 'system' });
    assert.equal(tag(samples, 'memory_used').value, 4.3);
    assert.equal(tag(samples, 'memory_used').unit, '%');
    assert.equal(tag(samples, 'uptime').value, 37028);
    assert.equal(tag(samples, 'uptime').unit, 's');
    assert.deepEqual([tag(samples, 'soc_temperature').value, tag(samples, 'soc_temperature').unit], [48.3, '°C']);
    assert.equal(tag(samples, 'temperature_gpu_thermal').value, 45);
    const disk = tag(samples, 'disk_used');
    assert.equal(disk.quality, 'good');
    assert.ok(typeof disk.value === 'number' && disk.value >= 0 && disk.value <= 100);
    assert.ok((tag(samples, 'disk_free').value as number) > 0);
    for (const name of ['cpu_usage', 'cpu0_usage', 'cpu1_usage']) {
      assert.equal(tag(samples, name).quality, 'uncertain', name);
      assert.equal(tag(samples, name).error, 'first reading: average since boot');
    }
    const rate = tag(samples, 'net_eth0_rx_bytes');
    assert.deepEqual([rate.value, rate.quality, rate.unit], [null, 'uncertain', 'B/s']);
    assert.ok((tag(samples, 'process_rss').value as number) > 0);
    assert.ok((tag(samples, 'process_heap_used').value as number) > 0);
    assert.equal(tag(samples, 'process_event_loop_lag_p99').unit, 'ms');
    assert.ok((tag(samples, 'process_active_resources').value as number) >= 0);
  });

  test('the next reading gives CPU usage and interface rates over the interval', async () => {
    make();
    await sampler!.sample();
    later();
    now = T0 + 2000;
    const samples = await sampler!.sample();
    assert.deepEqual(
      ['cpu_usage', 'cpu0_usage', 'cpu1_usage'].map((n) => [tag(samples, n).value, tag(samples, n).quality]),
      [
        [94.8, 'good'],
        [96.6, 'good'],
        [93.1, 'good'],
      ],
    );
    // lo: 3708700465 -> 3708860865 bytes and 200 packets (100 sent, 100 received) in 2 s
    assert.equal(tag(samples, 'net_lo_rx_bytes').value, 80200);
    assert.equal(tag(samples, 'net_lo_rx_packets').value, 100);
    assert.equal(tag(samples, 'net_lo_tx_packets').unit, '1/s');
    assert.equal(tag(samples, 'net_eth0_rx_errors').value, 0);
  });

  test('a file that cannot be read makes its tags bad with the reason; the others still arrive', async () => {
    make();
    await sampler!.sample();
    rmSync(join(procRoot, 'meminfo'));
    rmSync(join(procRoot, 'stat'));
    const samples = await sampler!.sample();
    for (const name of ['memory_total', 'memory_available', 'memory_used']) {
      const s = tag(samples, name);
      assert.deepEqual([s.value, s.quality], [null, 'bad']);
      assert.equal(s.error, `${join(procRoot, 'meminfo')}: cannot be read (ENOENT)`);
    }
    // the per-core tags seen before are marked bad too, not dropped
    for (const name of ['cpu_usage', 'cpu0_usage', 'cpu1_usage']) assert.equal(tag(samples, name).quality, 'bad', name);
    assert.equal(tag(samples, 'uptime').quality, 'good');
    assert.equal(tag(samples, 'load_1').quality, 'good');
  });

  test('no thermal zone, a zone without a reading, and a disk path that is gone are bad, not thrown', async () => {
    const samples = await make(join(base, 'no-such-dir')).sample();
    assert.equal(tag(samples, 'soc_temperature').quality, 'bad');
    assert.equal(tag(samples, 'soc_temperature').error, `no thermal zone under ${sysRoot}/class/thermal`);
    assert.equal(tag(samples, 'disk_used').quality, 'bad');
    assert.equal(tag(samples, 'disk_used').error, `${join(base, 'no-such-dir')}: ENOENT`);
    zone(0, 'soc_thermal');
    zone(1, 'soc_thermal', 'hot');
    const again = await sampler!.sample();
    assert.match(tag(again, 'soc_temperature').error ?? '', /thermal_zone0\/temp: cannot be read \(ENOENT\)/);
    assert.match(tag(again, 'temperature_soc_thermal_2').error ?? '', /thermal_zone1\/temp: the temperature is not a number: "hot"/);
  });

  test('an interface that disappears is bad once with the reason, then no longer listed', async () => {
    make();
    await sampler!.sample();
    const dev = readFileSync(join(procRoot, 'net', 'dev'), 'utf8');
    writeFileSync(join(procRoot, 'net', 'dev'), dev.replace(/^\s*eth0:.*\n/m, ''));
    now += 1000;
    const samples = await sampler!.sample();
    const gone = tag(samples, 'net_eth0_tx_bytes');
    assert.deepEqual([gone.value, gone.quality, gone.error], [null, 'bad', 'interface eth0 no longer listed in /proc/net/dev']);
    now += 1000;
    assert.ok(!(await sampler!.sample()).some((s) => s.name.startsWith('net_eth0_')));
  });
});
