// Memory from /proc/meminfo. "Used" is what is not available (MemAvailable: free plus what the
// kernel can reclaim without swapping), so page cache does not read as memory pressure.
import { HostFileError } from './host-file';

export interface MemoryFigures {
  total_bytes: number;
  available_bytes: number;
  used_percent: number;
}

export function parseMeminfo(text: string, file = '/proc/meminfo'): MemoryFigures {
  const kib = new Map<string, number>();
  for (const line of text.split('\n')) {
    const m = /^(\w+):\s+(\d+)(?:\s+kB)?\s*$/.exec(line);
    if (m) kib.set(m[1], Number(m[2]));
  }
  const total = kib.get('MemTotal');
  // MemAvailable exists since Linux 3.14; every kernel the gateway runs on has it
  const available = kib.get('MemAvailable');
  if (total === undefined) throw new HostFileError(file, 'no MemTotal line');
  if (available === undefined) throw new HostFileError(file, 'no MemAvailable line (Linux 3.14 or later has it)');
  const used = total > 0 ? Math.round(((total - available) / total) * 1000) / 10 : 0;
  return { total_bytes: total * 1024, available_bytes: available * 1024, used_percent: used };
}
