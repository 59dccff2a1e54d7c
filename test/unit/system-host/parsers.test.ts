// The /proc parsers against files recorded on a real Linux host (test/fixtures/system-host).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { busyPercent, parseProcStat } from '../../../lib/system/host/cpu';
import { diskUsageOf } from '../../../lib/system/host/disk';
import { HostFileError } from '../../../lib/system/host/host-file';
import { parseMeminfo } from '../../../lib/system/host/memory';
import { parseNetDev, ratePerSecond } from '../../../lib/system/host/network';
import { parseLoadavg, parseUptime } from '../../../lib/system/host/uptime';

const PROC = join(__dirname, '..', '..', 'fixtures', 'system-host', 'proc');
const proc = (f: string) => readFileSync(join(PROC, f), 'utf8');

test('/proc/stat: busy percent between two readings, for all CPUs and each core', () => {
  const before = parseProcStat(proc('stat'));
  const after = parseProcStat(proc('stat.later'));
  assert.deepEqual([...after.cores.keys()], ['cpu0', 'cpu1']);
  // cpu: busy (user nice system irq softirq steal) 6189952 -> 6190338, total 7384867 -> 7385274
  assert.equal(busyPercent(after.all, before.all), 94.8);
  assert.equal(busyPercent(after.cores.get('cpu0')!, before.cores.get('cpu0')), 96.6);
  assert.equal(busyPercent(after.cores.get('cpu1')!, before.cores.get('cpu1')), 93.1);
  // without an earlier reading: since boot
  assert.equal(busyPercent(before.all, undefined), Math.round((6189952 / 7384867) * 1000) / 10);
  // a counter that went backwards gives no figure rather than a negative one
  assert.equal(busyPercent(before.all, after.all), undefined);
});

test('/proc/stat without the aggregate line, or with a word for a counter, names the file and the line', () => {
  assert.throws(
    () => parseProcStat('cpu0 1 2 3 4\n', '/p/stat'),
    (e: unknown) => e instanceof HostFileError && e.file === '/p/stat' && /no aggregate "cpu" line/.test(e.message),
  );
  assert.throws(() => parseProcStat('cpu  1 2 x 4\n', '/p/stat'), /\/p\/stat: cpu counter 3 is not a number: "x"/);
});

test('/proc/meminfo: available and used percent from MemAvailable', () => {
  const m = parseMeminfo(proc('meminfo'));
  assert.equal(m.total_bytes, 24683748 * 1024);
  assert.equal(m.available_bytes, 23618404 * 1024);
  assert.equal(m.used_percent, 4.3);
  assert.throws(() => parseMeminfo('MemTotal: 100 kB\nMemFree: 50 kB\n', '/p/meminfo'), /\/p\/meminfo: no MemAvailable line/);
});

test('/proc/uptime and /proc/loadavg', () => {
  assert.equal(parseUptime(proc('uptime')), 37028);
  assert.deepEqual(parseLoadavg(proc('loadavg')), [5.35, 6.64, 9.78]);
  assert.throws(() => parseLoadavg('5.35\n', '/p/loadavg'), /\/p\/loadavg: the 5 min load is not a number/);
});

test('/proc/net/dev: bytes, packets and errors per interface, and their rates', () => {
  const before = parseNetDev(proc('net/dev'));
  const after = parseNetDev(proc('net/dev.later'));
  assert.deepEqual([...after.keys()], ['lo', 'ifb0', 'ifb1', 'eth0']);
  assert.deepEqual(after.get('eth0'), { rx_bytes: 4923862367, rx_packets: 283321, rx_errors: 0, tx_bytes: 28425349, tx_packets: 220725, tx_errors: 0 });
  const lo = after.get('lo')!.rx_bytes - before.get('lo')!.rx_bytes;
  assert.ok(lo > 0, 'the loopback moved bytes between the two recordings');
  assert.equal(ratePerSecond(after.get('lo')!.rx_bytes, before.get('lo')!.rx_bytes, 2), Math.round((lo / 2) * 10) / 10);
  assert.equal(ratePerSecond(10, 20, 2), undefined, 'a counter that went backwards');
  assert.throws(() => parseNetDev('eth0: 1 2 3\n', '/p/net/dev'), /not in the \/proc\/net\/dev layout/);
});

test('disk usage as df reports it: the root-reserved blocks count as neither used nor free', () => {
  // 1000 blocks of 4 KiB, 300 free of which 50 reserved for root: df shows 700 used, 250 available
  const d = diskUsageOf('/data', { bsize: 4096, blocks: 1000, bfree: 300, bavail: 250 });
  assert.equal(d.total_bytes, 1000 * 4096);
  assert.equal(d.free_bytes, 250 * 4096);
  assert.equal(d.used_bytes, 700 * 4096);
  assert.equal(d.used_percent, 73.7); // 700 / (700 + 250), as df's Use% (not 700 / 1000)
  assert.equal(diskUsageOf('/empty', { bsize: 4096, blocks: 0, bfree: 0, bavail: 0 }).used_percent, 0);
});
