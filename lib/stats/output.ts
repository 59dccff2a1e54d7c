// A closed window as tag samples: one scan message per device and window, figures named
// "<tag>.min", "<tag>.max" ... (the message contract of lib/tags). A window over non-good samples
// says so: its numbers are "uncertain" when some samples were left out, "bad" when none was good.
import { scanMessage, type Quality, type ScanMessage, type TagSample } from '../tags/contract';
import type { WindowFigures } from './figures';
import type { ClosedWindow } from './windows';

export const FIGURE_NAMES = ['count', 'bad', 'late', 'min', 'max', 'mean', 'twmean', 'stddev', 'sum', 'first', 'last', 'p50', 'p95', 'p99'] as const;
export type FigureName = (typeof FIGURE_NAMES)[number];

export function figureValue(f: WindowFigures, name: FigureName): number | undefined {
  switch (name) {
    case 'twmean':
      return f.timeWeightedMean;
    default:
      return f[name];
  }
}

export function windowQuality(f: WindowFigures): Quality {
  if (f.count === 0) return 'bad';
  return f.bad > 0 || f.late > 0 ? 'uncertain' : 'good';
}

export interface WindowScanMessage extends ScanMessage {
  window: { start: number; end: number };
}

/** One scan per (device, start, end), in the order the windows closed. */
export function windowScans(windows: ClosedWindow[]): WindowScanMessage[] {
  const groups = new Map<string, { device: string; start: number; end: number; samples: TagSample[] }>();
  for (const w of windows) {
    const key = `${w.device}\u0000${w.start}\u0000${w.end}`;
    let g = groups.get(key);
    if (!g) groups.set(key, (g = { device: w.device, start: w.start, end: w.end, samples: [] }));
    const quality = windowQuality(w.figures);
    for (const name of FIGURE_NAMES) {
      const v = figureValue(w.figures, name);
      if (v === undefined) continue;
      const counted = name === 'count' || name === 'bad' || name === 'late';
      const q: Quality = counted ? 'good' : quality;
      g.samples.push({ device: w.device, name: `${w.name}.${name}`, value: Number.isFinite(v) ? v : null, quality: Number.isFinite(v) ? q : 'bad', ts: w.end, source: 'stats' });
    }
  }
  return [...groups.values()].map((g) => ({ ...scanMessage(g.device, g.samples), window: { start: g.start, end: g.end } }));
}
