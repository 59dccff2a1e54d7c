// The disk usage of the file system holding a path, as `df` reports it. One function for the
// heartbeat and the system-tags node, so the two never disagree about how full a disk is.
import { statfs } from 'node:fs/promises';

export interface DiskUsage {
  path: string;
  total_bytes: number;
  /** what an unprivileged process can still write (statfs bavail) */
  free_bytes: number;
  used_bytes: number;
  /** used / (used + free), one decimal: `df`'s Use% */
  used_percent: number;
}

/** The figures of statfs(2) this needs (a test can hand its own). */
export interface StatfsFigures {
  bsize: number;
  blocks: number;
  bfree: number;
  bavail: number;
}

/**
 * df's Use%: used / (used + available to us). The blocks reserved for root count in neither, or a
 * disk with 5% reserved would look 5% fuller (or emptier) than an operator sees with df.
 */
export function diskUsageOf(path: string, fs: StatfsFigures): DiskUsage {
  const total = fs.blocks * fs.bsize;
  const free = fs.bavail * fs.bsize;
  const used = (fs.blocks - fs.bfree) * fs.bsize;
  const percent = used + free > 0 ? Math.round((used / (used + free)) * 100 * 10) / 10 : 0;
  return { path, total_bytes: total, free_bytes: free, used_bytes: used, used_percent: percent };
}

/** Reads the file system of `path`; rejects with the statfs error (its code names the cause). */
export async function diskUsage(path: string): Promise<DiskUsage> {
  return diskUsageOf(path, await statfs(path));
}
