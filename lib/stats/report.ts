// Report mode: each closed window becomes one CSV row in a file per local day or hour (by the
// window's start), header included. Rows are written and fsync'ed before the caller marks the
// window closed in its store, so a crash between the two leaves a window that is restored as
// open and closes again: such a recovered window is first looked up in its file by (start,
// device, tag) and skipped when already there. Files older than the retention are deleted.
//
// A file only ever holds whole rows: an append that fails (disk full, file too large) or is cut
// short is truncated back to the length the file had before it, and its windows are handed back
// to the caller to retry. Without that, the next append would land on the end of a partial row.
import { closeSync, existsSync, fstatSync, fsyncSync, ftruncateSync, openSync, readSync, readdirSync, readFileSync, unlinkSync, writeSync } from 'node:fs';
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
    readonly detail: string,
  ) {
    super(`report ${file}: ${detail}`);
    this.name = 'ReportError';
  }
}

/**
 * Some files could not be appended to. Their windows are in `unwritten`, none of their rows is
 * in the file; the windows in `done` have their rows in their files (written now, counted in
 * `written`, or found there, counted in `skipped`).
 */
export class ReportWriteError extends ReportError {
  constructor(
    first: ReportError,
    failedFiles: number,
    readonly done: ClosedWindow[],
    readonly unwritten: ClosedWindow[],
    readonly written: number,
    readonly skipped: number,
  ) {
    super(first.file, failedFiles > 1 ? `${first.detail} (and ${failedFiles - 1} other files)` : first.detail);
    this.name = 'ReportWriteError';
  }
}

/** How far back to look for the end of the last whole row of a file */
const TAIL_CHUNK = 65_536;

function validateReportConfig(c: ReportConfig): void {
  if (c.per !== 'day' && c.per !== 'hour') throw new ReportError(c.dir, `per: "${String(c.per)}" is not day or hour`);
  if (!Number.isFinite(c.retentionDays) || c.retentionDays < 0) throw new ReportError(c.dir, `retentionDays: ${String(c.retentionDays)} is not a number of days >= 0`);
  if (!/^[\w.-]+$/.test(c.prefix)) throw new ReportError(c.dir, `prefix: "${c.prefix}" may hold only letters, digits, "_", "-" and "."`);
}

/** writeSync may take only part of the buffer (a full disk, a file-size limit): write the rest or fail. */
function writeWhole(fd: number, data: Buffer): void {
  for (let done = 0; done < data.length;) {
    const n = writeSync(fd, data, done, data.length - done);
    if (n <= 0) throw new Error(`the file took ${done} of ${data.length} bytes and then none`);
    done += n;
  }
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
   * skipped. Returns how many rows were written and skipped; throws ReportWriteError naming the
   * windows of the files that could not be appended to (those files are left as they were).
   */
  write(windows: ClosedWindow[]): { written: number; skipped: number } {
    const byFile = new Map<string, ClosedWindow[]>();
    for (const w of windows) {
      const file = this.fileFor(w.start);
      let list = byFile.get(file);
      if (!list) byFile.set(file, (list = []));
      list.push(w);
    }
    try {
      ensureDirectory(this.config.dir);
    } catch (err) {
      // DirectoryError names the level that failed and why
      throw new ReportError(this.config.dir, (err as Error).message);
    }
    let written = 0;
    let skipped = 0;
    const done: ClosedWindow[] = [];
    const unwritten: ClosedWindow[] = [];
    let failure: ReportError | undefined;
    let failedFiles = 0;
    // every file is tried: one that cannot be written (its permissions) does not hold back the others
    for (const [file, list] of byFile) {
      const r = this.appendRows(file, list);
      written += r.written;
      skipped += r.skipped;
      done.push(...r.done);
      if (r.error) {
        unwritten.push(...r.unwritten);
        failure ??= r.error;
        failedFiles++;
      }
    }
    if (failure) throw new ReportWriteError(failure, failedFiles, done, unwritten, written, skipped);
    return { written, skipped };
  }

  /** Appends one file's rows whole or not at all. */
  private appendRows(file: string, list: ClosedWindow[]): { written: number; skipped: number; done: ClosedWindow[]; unwritten: ClosedWindow[]; error?: ReportError } {
    let fd: number | undefined;
    let before: number | undefined; // set once the append may have changed the file
    const skipped = new Set<ClosedWindow>();
    const rows: ClosedWindow[] = [];
    try {
      fd = openSync(file, 'a+');
      const length = this.wholeRowsLength(fd, file);
      const already = length > 0 && list.some((w) => w.recovered) ? this.writtenKeys(file) : undefined;
      let text = length > 0 ? '' : CSV_HEADER + '\n';
      for (const w of list) {
        if (w.recovered && already?.has(this.key(isoLocal(w.start, this.config.timeZone), w.device, w.name))) {
          skipped.add(w);
          continue;
        }
        text += this.row(w) + '\n';
        rows.push(w);
      }
      if (rows.length) {
        before = length;
        writeWhole(fd, Buffer.from(text, 'utf8'));
        fsyncSync(fd);
      }
      return { written: rows.length, skipped: skipped.size, done: list, unwritten: [] };
    } catch (err) {
      let undo = '';
      let rowsMayBeThere = false;
      if (fd !== undefined && before !== undefined) {
        try {
          ftruncateSync(fd, before);
        } catch (truncateErr) {
          // the next append cuts a partial last row off; whole rows of this append may stay, so
          // their windows are retried as recovered ones: looked up in the file before written
          undo = `; cannot truncate it back to ${before} bytes: ${(truncateErr as Error).message}`;
          rowsMayBeThere = true;
        }
      }
      const error = err instanceof ReportError ? err : new ReportError(file, `cannot append ${rows.length} ${rows.length === 1 ? 'row' : 'rows'}: ${(err as Error).message}${undo}`);
      // a window found in the file before the failure is there: only the others are retried
      const unwritten = list.filter((w) => !skipped.has(w));
      return { written: 0, skipped: skipped.size, done: [...skipped], unwritten: rowsMayBeThere ? unwritten.map((w) => ({ ...w, recovered: true })) : unwritten, error };
    } finally {
      if (fd !== undefined) closeSync(fd);
    }
  }

  /**
   * The length of the file up to the end of its last whole row. A tail without its newline is a
   * row torn by a crash or by an append that could not be truncated back: it is cut off here, so
   * the next row does not join it (its window is still pending, and is written again).
   */
  private wholeRowsLength(fd: number, file: string): number {
    const size = fstatSync(fd).size;
    if (size === 0) return 0;
    const chunk = Buffer.alloc(Math.min(TAIL_CHUNK, size));
    let end = size;
    while (end > 0) {
      const from = Math.max(0, end - chunk.length);
      const n = readSync(fd, chunk, 0, end - from, from);
      const newline = chunk.subarray(0, n).lastIndexOf(0x0a);
      if (newline === n - 1 && end === size) return size;
      if (newline >= 0) {
        end = from + newline + 1;
        break;
      }
      end = from;
    }
    try {
      ftruncateSync(fd, end);
    } catch (err) {
      throw new ReportError(file, `cannot cut off the torn row after byte ${end}: ${(err as Error).message}`);
    }
    return end;
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
