// CPU usage from /proc/stat: the kernel's cumulative time counters per CPU, turned into a busy
// percentage over the interval between two readings (what top shows).
import { countIn, HostFileError } from './host-file';

/** Cumulative jiffies of one CPU line: busy and total. */
export interface CpuTimes {
  busy: number;
  total: number;
}

export interface CpuCounters {
  /** the aggregate "cpu" line */
  all: CpuTimes;
  /** "cpu0", "cpu1", ... in the order the kernel lists them */
  cores: Map<string, CpuTimes>;
}

export function parseProcStat(text: string, file = '/proc/stat'): CpuCounters {
  let all: CpuTimes | undefined;
  const cores = new Map<string, CpuTimes>();
  for (const line of text.split('\n')) {
    const m = /^(cpu\d*)\s+(.*)$/.exec(line);
    if (!m) continue;
    // user nice system idle iowait irq softirq steal guest guest_nice: guest time is already
    // counted in user (and guest_nice in nice), so summing all ten would count it twice
    const f = m[2].trim().split(/\s+/).slice(0, 8);
    if (f.length < 4) throw new HostFileError(file, `line "${m[1]}" has ${f.length} counters, expected at least 4`);
    const n = f.map((v, i) => countIn(file, `${m[1]} counter ${i + 1}`, v));
    const idle = n[3] + (n[4] ?? 0);
    const total = n.reduce((a, b) => a + b, 0);
    const times = { busy: total - idle, total };
    if (m[1] === 'cpu') all = times;
    else cores.set(m[1], times);
  }
  if (!all) throw new HostFileError(file, 'no aggregate "cpu" line');
  return { all, cores };
}

/**
 * Busy percent between two readings, one decimal. Without an earlier reading it is the average
 * since boot. A counter that went backwards (a CPU taken offline and back) gives undefined.
 */
export function busyPercent(now: CpuTimes, before: CpuTimes | undefined): number | undefined {
  const busy = now.busy - (before?.busy ?? 0);
  const total = now.total - (before?.total ?? 0);
  if (busy < 0 || total < 0) return undefined;
  return total === 0 ? 0 : Math.round((busy / total) * 1000) / 10;
}
