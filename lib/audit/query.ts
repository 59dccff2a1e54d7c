// Reading the audit trail back by time range and kind: from the files (rotated ones oldest first,
// then the current one) when the log has a file, plus the ring's records whose append failed;
// from the ring alone when it has none. Reading is bounded: files are streamed line by line, a
// file wholly outside the range is skipped by its first and last record's ts (read from its two
// ends, not the whole file), and only the latest `limit` matches are held.
import { createReadStream } from 'node:fs';
import { open } from 'node:fs/promises';
import { createInterface } from 'node:readline';
import { sharedAuditLog, type AuditKind, type AuditLog, type AuditRecord } from './audit-log';
import { auditFilesOldestFirst } from './rotation';
import { AUDIT_KINDS, kindOf, type AuditKindName } from './kinds';

export { AUDIT_KINDS, kindOf };

// the browser-safe list is exactly audit-log's AuditKind: a kind added to one only fails to compile
const listedAreKinds: readonly AuditKind[] = AUDIT_KINDS;
const kindsAreListed: [Exclude<AuditKind, AuditKindName>] extends [never] ? true : false = true;
void [listedAreKinds, kindsAreListed];
export const AUDIT_QUERY_DEFAULT_LIMIT = 1000;
export const AUDIT_QUERY_MAX_LIMIT = 10000;

export interface AuditQuery {
  /** epoch ms, inclusive (default: the beginning) */
  from?: number;
  /** epoch ms, inclusive (default: now and later) */
  to?: number;
  /** one kind or several (a record without a kind is a 'write') */
  kind?: AuditKind | readonly AuditKind[];
  /** at most this many records, the latest of the range (default 1000, at most 10000) */
  limit?: number;
}

export interface AuditQueryResult {
  /** oldest first */
  records: AuditRecord[];
  /** more records matched than `limit`: the oldest were left out */
  truncated: boolean;
  /** lines of the files that were not a JSON record (a torn last line after a power cut) */
  unreadableLines: number;
}

/** A query value out of range, naming the field (the REST route answers 400 with it). */
export class AuditQueryError extends Error {
  constructor(
    readonly field: keyof AuditQuery,
    readonly reason: string,
  ) {
    super(`audit query: ${field} ${reason}`);
    this.name = 'AuditQueryError';
  }
}

interface CheckedQuery {
  from: number;
  to: number;
  kinds: ReadonlySet<AuditKind> | undefined;
  limit: number;
}

function checkQuery(q: AuditQuery): CheckedQuery {
  const from = q.from ?? -Infinity;
  const to = q.to ?? Infinity;
  if (typeof from !== 'number' || Number.isNaN(from)) throw new AuditQueryError('from', 'is not epoch milliseconds');
  if (typeof to !== 'number' || Number.isNaN(to)) throw new AuditQueryError('to', 'is not epoch milliseconds');
  if (from > to) throw new AuditQueryError('from', `is after to (${from} > ${to})`);
  const limit = q.limit ?? AUDIT_QUERY_DEFAULT_LIMIT;
  if (!Number.isInteger(limit) || limit < 1 || limit > AUDIT_QUERY_MAX_LIMIT) throw new AuditQueryError('limit', `is not a whole number from 1 to ${AUDIT_QUERY_MAX_LIMIT}`);
  let kinds: Set<AuditKind> | undefined;
  if (q.kind !== undefined) {
    const list = typeof q.kind === 'string' ? [q.kind] : [...q.kind];
    for (const k of list) if (!(AUDIT_KINDS as readonly string[]).includes(k)) throw new AuditQueryError('kind', `${JSON.stringify(k)} is not one of ${AUDIT_KINDS.join(', ')}`);
    kinds = new Set(list);
  }
  return { from, to, kinds, limit };
}

/** Keeps the latest `limit` matches in arrival order, counting what fell out. */
class LatestMatches {
  private readonly kept: AuditRecord[] = [];
  private start = 0;
  dropped = 0;

  constructor(
    private readonly q: CheckedQuery,
    private readonly limit: number,
  ) {}

  offer(r: AuditRecord): void {
    if (r.ts < this.q.from || r.ts > this.q.to) return;
    if (this.q.kinds && !this.q.kinds.has(kindOf(r))) return;
    this.kept.push(r);
    // compact now and then instead of shifting on every record
    if (this.kept.length - this.start > this.limit) {
      this.start++;
      this.dropped++;
      if (this.start >= this.limit) {
        this.kept.splice(0, this.start);
        this.start = 0;
      }
    }
  }

  /** oldest first (a stable sort: records of the same ms stay in the order they were kept) */
  records(): AuditRecord[] {
    return this.kept.slice(this.start).sort((a, b) => a.ts - b.ts);
  }
}

const EDGE_BYTES = 64 * 1024;

function tsOfLine(line: string): number | undefined {
  try {
    const ts = (JSON.parse(line) as { ts?: unknown }).ts;
    return typeof ts === 'number' ? ts : undefined;
  } catch {
    return undefined;
  }
}

/**
 * The ts of a file's first and last complete records, read from its two ends; undefined when the
 * file is missing, or an end cannot be read that way (a record longer than the window): then the
 * file is read whole.
 */
async function fileSpan(file: string): Promise<{ first: number; last: number } | 'missing' | undefined> {
  let fh;
  try {
    fh = await open(file, 'r');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return 'missing';
    throw err;
  }
  try {
    const { size } = await fh.stat();
    if (size === 0) return 'missing';
    const head = Buffer.alloc(Math.min(EDGE_BYTES, size));
    await fh.read(head, 0, head.length, 0);
    const firstLine = head.toString('utf8').split('\n', 1)[0];
    const tail = Buffer.alloc(Math.min(EDGE_BYTES, size));
    await fh.read(tail, 0, tail.length, size - tail.length);
    const lines = tail.toString('utf8').split('\n');
    // the last line may be torn (a crash mid-append): the last one that parses
    let last: number | undefined;
    for (let i = lines.length - 1; i >= 1 && last === undefined; i--) last = lines[i] ? tsOfLine(lines[i]) : undefined;
    const first = tsOfLine(firstLine);
    return first === undefined || last === undefined ? undefined : { first, last };
  } finally {
    await fh.close();
  }
}

async function readFileInto(file: string, matches: LatestMatches): Promise<number> {
  let unreadable = 0;
  const input = createReadStream(file, { encoding: 'utf8' });
  const lines = createInterface({ input, crlfDelay: Infinity });
  try {
    for await (const line of lines) {
      if (!line) continue;
      let rec: AuditRecord;
      try {
        rec = JSON.parse(line) as AuditRecord;
      } catch {
        unreadable++;
        continue;
      }
      if (!rec || typeof rec.ts !== 'number') {
        unreadable++;
        continue;
      }
      // no early stop past `to`: a record may carry the ts of its event (an alarm's), a little out of order
      matches.offer(rec);
    }
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return unreadable; // rotated away meanwhile
    throw err;
  } finally {
    lines.close();
    input.destroy();
  }
  return unreadable;
}

/** The audit records of a time range and kinds, across the ring and the rotated files. Throws AuditQueryError. */
export async function queryAudit(query: AuditQuery = {}, log: AuditLog = sharedAuditLog()): Promise<AuditQueryResult> {
  const q = checkQuery(query);
  const matches = new LatestMatches(q, q.limit);
  let unreadableLines = 0;
  const file = log.filePath;
  if (!file) {
    for (const r of log.recent()) matches.offer(r);
  } else {
    for (const f of auditFilesOldestFirst(file, log.rotation.keep)) {
      const span = await fileSpan(f);
      if (span === 'missing') continue;
      if (span && (span.last < q.from || span.first > q.to)) continue;
      unreadableLines += await readFileInto(f, matches);
    }
    for (const r of log.recent()) if (log.isUnwritten(r)) matches.offer(r);
  }
  return { records: matches.records(), truncated: matches.dropped > 0, unreadableLines };
}
