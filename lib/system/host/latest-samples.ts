// The latest system-tags scan of this process, for the other readers of the same figures (the
// gateway heartbeat): one source, so the heartbeat and the tags never disagree and the host is
// not measured twice. Kept under a global symbol so every copy of this module shares it.
import type { TagSample } from '../../tags/contract';

const KEY = Symbol.for('edgegw.system.latest-samples');
interface Scan {
  samples: TagSample[];
  at: number;
  /** the node's reading interval: a scan older than two of them (and 5 s) is no longer current */
  intervalMs: number;
}
type Slot = { [KEY]?: Map<string, Scan> };

function scans(): Map<string, Scan> {
  const slot = globalThis as Slot;
  return (slot[KEY] ??= new Map());
}

/** A system-tags node's newest scan. */
export function publishSystemSamples(nodeId: string, samples: TagSample[], intervalMs: number, at = Date.now()): void {
  scans().set(nodeId, { samples, at, intervalMs });
}

/** The node stopped: its figures are no longer current. */
export function withdrawSystemSamples(nodeId: string): void {
  scans().delete(nodeId);
}

/** The newest current scan of any system-tags node; undefined when none runs (or none is current). */
export function latestSystemSamples(now = Date.now()): TagSample[] | undefined {
  let newest: Scan | undefined;
  for (const scan of scans().values()) if (now - scan.at <= 2 * scan.intervalMs + 5000 && (!newest || scan.at > newest.at)) newest = scan;
  return newest?.samples;
}
