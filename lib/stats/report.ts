// Report mode: each closed window becomes one CSV row in a file per local day or hour (by the
// window's start), header included. Rows are written and fsync'ed before the caller marks the
// window closed in its store, so a crash between the two leaves a window that is restored as
// open and closes again: such a recovered window is first looked up in its file by (start,
// device, tag) and skipped when already there. Files older than the retention are deleted.
import { closeSync, existsSync, fsyncSync, openSync, readdirSync, readFileSync, statSync, unlinkSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import type { ClosedWindow } from './windows';
import { isoLocal, localTime, offsetAt, DAY_MS } from './wall-clock';
import { CsvSyntaxError, csvField, readCsv, type CsvRecord } from '../system/text/csv';
import { ensureDirectory } from '../system/fs/directory';

export const CSV_COLUMNS = [
  'window_start',
  'window_end',
  'device',
  'tag',
  'count',
  'bad',
  'late',
  'min',
  'max',
  'mean',
  'time_weighted_mean',
  'stddev',
  'sum',
  'first',
  'last',
  'p50',
  'p95',
  'p99',
] as const;
export const CSV_HEADER = CSV_COLUMNS.join(',');

export interface ReportConfig {
  /** absolute directory (the node resolves a relative one against the Node-RED user directory) */
  dir: string;
  per: 'day' | 'hour';
  timeZone: string;
  /** files whose period ended longer ago than this are deleted; 0 keeps every file */
  retentionDays: number;
  /** file names: <prefix>-2026-12-01.csv, <prefix>-2026-12-01_14.csv */
  prefix: string;
}

export class ReportError extends Error {
  constructor(
    readonly file: string,
    message: string,
  ) {
    super(`report ${file}: ${message}`);
    this.name = 'ReportError';
  }
}

function validateReportConfig(c: ReportConfig): void {
  if (c.per !== 'day' && c.per !== 'hour') throw new ReportError(c.dir, `per: "${String(c.per)}" is not day or hour`);
  if (!Number.isFinite(c.retentionDays) || c.retentionDays < 0) throw new ReportError(c.dir, `retentionDays: ${String(c.retentionDays)} is not a number of days >= 0`);
  if (!/^[\w.-]+$/.test(c.prefix)) throw new ReportError(c.dir, `prefix: "${c.prefix}" may hold only letters, digits, "_", "-" and "."`);
}

function cell(v: string | number | undefined | null): string {
  if (v === undefined || v === null) return ''; // null: NaN after a JSON round trip through the store
  if (typeof v === 'number') return Number.isFinite(v) ? String(v) : '';
  return csvField(v);
}

/**
 * The records of a report file. A crash during an append can leave a record torn (a quote never
 * closed) with later appends after it: the torn line is skipped and reading goes on after it.
 */
function readWrittenRows(text: string): CsvRecord[] {
  const lines = text.split('\n');
  const rows: CsvRecord[] = [];
  let from = 0;
  for (;;) {
    try {
      rows.push(...readCsv(lines.slice(from).join('\n')));
      return rows;
    } catch (err) {
      if (!(err instanceof CsvSyntaxError)) throw err;
      rows.push(...readCsv(lines.slice(from, from + err.recordLine - 1).join('\n')));
      from += err.line;
    }
  }
}

export class CsvReport {
  constructor(readonly config: ReportConfig) {
    validateReportConfig(config);
  }

  fileFor(ts: number): string {
    const t = localTime(ts, this.config.timeZone);
    const p2 = (n: number) => String(n).padStart(2, '0');
    const day = `${t.year}-${p2(t.month)}-${p2(t.day)}`;
    return join(this.config.dir, `${this.config.prefix}-${day}${this.config.per === 'hour' ? `_${p2(t.hour)}` : ''}.csv`);
  }

  row(w: ClosedWindow): string {
    const f = w.figures;
    const tz = this.config.timeZone;
    return [isoLocal(w.start, tz), isoLocal(w.end, tz), w.device, w.name, f.count, f.bad, f.late, f.min, f.max, f.mean, f.timeWeightedMean, f.stddev, f.sum, f.first, f.last, f.p50, f.p95, f.p99]
      .map(cell)
      .join(',');
  }

  /**
   * Appends the windows' rows (one fsync per file). Recovered windows already in their file are
   * skipped. Returns how many rows were written and skipped.
   */
  write(windows: ClosedWindow[]): { written: number; skipped: number } {
    const byFile = new Map<string, ClosedWindow[]>();
    for (const w of windows) {
      const file = this.fileFor(w.start);
      let list = byFile.get(file);
      if (!list) byFile.set(file, (list = []));
      list.push(w);
    }
    let written = 0;
    let skipped = 0;
    try {
      ensureDirectory(this.config.dir);
    } catch (err) {
      // DirectoryError names the level that failed and why
      throw new ReportError(this.config.dir, (err as Error).message);
    }
    for (const [file, list] of byFile) {
      const exists = existsSync(file) && statSync(file).size > 0;
      const already = exists && list.some((w) => w.recovered) ? this.writtenKeys(file) : undefined;
      let text = exists ? '' : CSV_HEADER + '\n';
      for (const w of list) {
        if (w.recovered && already?.has(this.key(isoLocal(w.start, this.config.timeZone), w.device, w.name))) {
          skipped++;
          continue;
        }
        text += this.row(w) + '\n';
        written++;
      }
      if (!text) continue;
      let fd: number | undefined;
      try {
        fd = openSync(file, 'a');
        writeSync(fd, text);
        fsyncSync(fd);
      } catch (err) {
        throw new ReportError(file, `cannot append: ${(err as Error).message}`);
      } finally {
        if (fd !== undefined) closeSync(fd);
      }
    }
    return { written, skipped };
  }

  private key(start: string, device: string, tag: string): string {
    return JSON.stringify([start, device, tag]);
  }

  private writtenKeys(file: string): Set<string> {
    const keys = new Set<string>();
    for (const { fields: f } of readWrittenRows(readFileSync(file, 'utf8')).slice(1)) keys.add(this.key(f[0], f[2], f[3]));
    return keys;
  }

  /** Deletes this report's files whose period ended more than retentionDays before now. */
  prune(now: number): string[] {
    if (this.config.retentionDays <= 0 || !existsSync(this.config.dir)) return [];
    const pattern = new RegExp(`^${this.config.prefix.replace(/\./g, '\\.')}-(\\d{4})-(\\d{2})-(\\d{2})(?:_(\\d{2}))?\\.csv$`);
    const nowWall = now + offsetAt(now, this.config.timeZone);
    const deleted: string[] = [];
    for (const name of readdirSync(this.config.dir)) {
      const m = pattern.exec(name);
      if (!m) continue;
      const startWall = Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]), m[4] ? Number(m[4]) : 0);
      const endWall = startWall + (m[4] ? 3_600_000 : DAY_MS);
      if (endWall + this.config.retentionDays * DAY_MS <= nowWall) {
        const file = join(this.config.dir, name);
        try {
          unlinkSync(file);
          deleted.push(file);
        } catch (err) {
          throw new ReportError(file, `cannot delete an expired report: ${(err as Error).message}`);
        }
      }
    }
    return deleted;
  }
}
