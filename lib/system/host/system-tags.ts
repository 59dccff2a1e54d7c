// The host's own figures as tags (the tag contract, one scan per reading): CPU, memory, disk, uptime,
// temperatures, network rates and the Node-RED process. Every group is read on its own: a file that
// cannot be read makes that group's tags `bad` with the reason, and the others still arrive.
import type { Quality, TagSample, TagValue } from '../../tags/contract';
import { busyPercent, parseProcStat, type CpuCounters } from './cpu';
import { diskUsage } from './disk';
import { HostFileError, readHostFile } from './host-file';
import { parseMeminfo } from './memory';
import { INTERFACE_COUNTERS, parseNetDev, ratePerSecond, type InterfaceCounters } from './network';
import { ProcessMeter } from './node-process';
import { readThermalZones, socZone } from './thermal';
import { parseLoadavg, parseUptime } from './uptime';

export interface SystemTagsOptions {
  /** the device of every tag (topic "<device>/<tag>") */
  device: string;
  /** where procfs is mounted; a test lays out a directory the same way */
  procRoot?: string;
  /** where sysfs is mounted */
  sysRoot?: string;
  /** whose file system the disk tags describe (the user directory) */
  diskPath: string;
  /** injected in tests */
  now?: () => number;
}

/** A tag of a group, before device, quality and time are added. */
interface Figure {
  name: string;
  value: TagValue;
  unit?: string;
  quality?: Quality;
  error?: string;
}

const netTagName = (iface: string, counter: string) => `net_${iface.replace(/[^A-Za-z0-9]+/g, '_')}_${counter}`;

const FIRST_RATE = 'first reading: a rate needs two';
const COUNTER_BACKWARDS = 'counter went backwards (interface re-created or counter wrapped)';

/** Reads the host's figures; remembers the previous counters so rates and CPU cover the interval. */
export class SystemTagSampler {
  private readonly procRoot: string;
  private readonly sysRoot: string;
  private readonly process = new ProcessMeter();
  private lastCpu: CpuCounters | undefined;
  private lastNet: { at: number; counters: Map<string, InterfaceCounters> } | undefined;
  /** each group's tag names at its last good reading: the tags a failed read marks bad */
  private readonly seen = new Map<string, string[]>();

  constructor(private readonly options: SystemTagsOptions) {
    this.procRoot = options.procRoot ?? '/proc';
    this.sysRoot = options.sysRoot ?? '/sys';
  }

  async sample(): Promise<TagSample[]> {
    const ts = this.options.now?.() ?? Date.now();
    const groups = await Promise.all([
      this.group('cpu', ['cpu_usage'], () => this.cpu()),
      this.group('load', ['load_1', 'load_5', 'load_15'], () => this.load()),
      this.group('memory', ['memory_total', 'memory_available', 'memory_used'], () => this.memory()),
      this.group('disk', ['disk_total', 'disk_free', 'disk_used'], () => this.disk()),
      this.group('uptime', ['uptime'], () => this.uptime()),
      this.group('thermal', ['soc_temperature'], () => this.thermal()),
      this.group('network', [], () => this.network(ts)),
      this.group('process', [], async () => this.processFigures()),
    ]);
    const { device } = this.options;
    return groups.flat().map((f) => ({
      device,
      name: f.name,
      value: f.value,
      quality: f.quality ?? 'good',
      ts,
      ...(f.unit ? { unit: f.unit } : {}),
      source: 'system',
      ...(f.error ? { error: f.error } : {}),
    }));
  }

  /** Releases the event-loop monitor. */
  close(): void {
    this.process.close();
  }

  private async group(key: string, fixed: string[], read: () => Promise<Figure[]>): Promise<Figure[]> {
    try {
      const figures = await read();
      this.seen.set(
        key,
        figures.map((f) => f.name),
      );
      return figures;
    } catch (err) {
      const names = new Set([...fixed, ...(this.seen.get(key) ?? [])]);
      return [...names].map((name) => ({ name, value: null, quality: 'bad', error: (err as Error).message }));
    }
  }

  private async cpu(): Promise<Figure[]> {
    const now = parseProcStat(await readHostFile(this.procRoot, 'stat'), `${this.procRoot}/stat`);
    const before = this.lastCpu;
    this.lastCpu = now;
    const figure = (name: string, percent: number | undefined): Figure =>
      percent === undefined
        ? { name, value: null, unit: '%', quality: 'uncertain', error: 'CPU counters went backwards (a CPU went offline)' }
        : before
          ? { name, value: percent, unit: '%' }
          : // top's first frame: the average since boot, true but not the current load
            { name, value: percent, unit: '%', quality: 'uncertain', error: 'first reading: average since boot' };
    return [figure('cpu_usage', busyPercent(now.all, before?.all)), ...[...now.cores].map(([core, times]) => figure(`${core}_usage`, busyPercent(times, before?.cores.get(core))))];
  }

  private async load(): Promise<Figure[]> {
    const [l1, l5, l15] = parseLoadavg(await readHostFile(this.procRoot, 'loadavg'), `${this.procRoot}/loadavg`);
    return [
      { name: 'load_1', value: l1 },
      { name: 'load_5', value: l5 },
      { name: 'load_15', value: l15 },
    ];
  }

  private async memory(): Promise<Figure[]> {
    const m = parseMeminfo(await readHostFile(this.procRoot, 'meminfo'), `${this.procRoot}/meminfo`);
    return [
      { name: 'memory_total', value: m.total_bytes, unit: 'B' },
      { name: 'memory_available', value: m.available_bytes, unit: 'B' },
      { name: 'memory_used', value: m.used_percent, unit: '%' },
    ];
  }

  private async disk(): Promise<Figure[]> {
    let d;
    try {
      d = await diskUsage(this.options.diskPath);
    } catch (err) {
      throw new HostFileError(this.options.diskPath, (err as NodeJS.ErrnoException).code ?? (err as Error).message);
    }
    return [
      { name: 'disk_total', value: d.total_bytes, unit: 'B' },
      { name: 'disk_free', value: d.free_bytes, unit: 'B' },
      { name: 'disk_used', value: d.used_percent, unit: '%' },
    ];
  }

  private async uptime(): Promise<Figure[]> {
    return [{ name: 'uptime', value: parseUptime(await readHostFile(this.procRoot, 'uptime'), `${this.procRoot}/uptime`), unit: 's' }];
  }

  private async thermal(): Promise<Figure[]> {
    const zones = await readThermalZones(this.sysRoot);
    const soc = socZone(zones);
    const byType = new Map<string, number>();
    const figures: Figure[] = zones.map((z) => {
      // two zones of one type (two "acpitz") get _2, _3...: a tag name must stay one zone's
      const base = `temperature_${z.type.replace(/[^A-Za-z0-9]+/g, '_').toLowerCase()}`;
      const n = (byType.get(base) ?? 0) + 1;
      byType.set(base, n);
      const name = n === 1 ? base : `${base}_${n}`;
      return 'celsius' in z ? { name, value: z.celsius, unit: '°C' } : { name, value: null, unit: '°C', quality: 'bad', error: z.error };
    });
    if (!soc) figures.unshift({ name: 'soc_temperature', value: null, unit: '°C', quality: 'bad', error: `no thermal zone under ${this.sysRoot}/class/thermal` });
    else if ('celsius' in soc) figures.unshift({ name: 'soc_temperature', value: soc.celsius, unit: '°C' });
    else figures.unshift({ name: 'soc_temperature', value: null, unit: '°C', quality: 'bad', error: soc.error });
    return figures;
  }

  private async network(ts: number): Promise<Figure[]> {
    const counters = parseNetDev(await readHostFile(this.procRoot, 'net/dev'), `${this.procRoot}/net/dev`);
    const before = this.lastNet;
    this.lastNet = { at: ts, counters };
    const figures: Figure[] = [];
    for (const [iface, now] of counters) {
      const was = before?.counters.get(iface);
      for (const counter of INTERFACE_COUNTERS) {
        const name = netTagName(iface, counter);
        const unit = counter.endsWith('bytes') ? 'B/s' : '1/s';
        if (!before || !was) {
          figures.push({ name, value: null, unit, quality: 'uncertain', error: FIRST_RATE });
          continue;
        }
        const rate = ratePerSecond(now[counter], was[counter], (ts - before.at) / 1000);
        figures.push(rate === undefined ? { name, value: null, unit, quality: 'uncertain', error: COUNTER_BACKWARDS } : { name, value: rate, unit });
      }
    }
    // an interface that went away (a USB modem unplugged) reads bad once, not silently missing;
    // then it is gone, so interfaces that come and go (container veths) do not pile up
    for (const iface of before?.counters.keys() ?? []) {
      if (counters.has(iface)) continue;
      for (const counter of INTERFACE_COUNTERS) figures.push({ name: netTagName(iface, counter), value: null, quality: 'bad', error: `interface ${iface} no longer listed in /proc/net/dev` });
    }
    return figures;
  }

  private processFigures(): Figure[] {
    const p = this.process.read();
    return [
      { name: 'process_rss', value: p.rss_bytes, unit: 'B' },
      { name: 'process_heap_used', value: p.heap_used_bytes, unit: 'B' },
      { name: 'process_heap_total', value: p.heap_total_bytes, unit: 'B' },
      { name: 'process_event_loop_lag_p99', value: p.event_loop_lag_p99_ms, unit: 'ms' },
      ...(p.active_resources === undefined ? [] : [{ name: 'process_active_resources', value: p.active_resources }]),
    ];
  }
}
