// Reading history back: a tag's stored samples in a range, or one row per step downsampled in SQL
// (GROUP BY the step the ts falls in), so a day at 1 s is aggregated inside SQLite rather than
// 86,400 rows crossing into JavaScript; and pages of several tags in time order for playback.
import type { SqliteConnection, SqliteRow } from '../storage/sqlite';
import type { TagSample } from '../tags/contract';
import { HistorianQueryError, type Aggregate, type HistorianQuery, type HistorianRow } from './query';
import { SAMPLES_TABLE, TAGS_TABLE } from './schema';
import { decodeValue, qualityOf } from './values';

/** A stored sample with its tag's id (the key a playback page continues after). */
export interface StoredSample extends TagSample {
  tagId: number;
}

/**
 * The step a sample falls in, numbered from the query's start; the row's ts is the step's start.
 * The two integers are written into the SQL: sqlite3 binds a JS number beyond 32 bits as REAL,
 * and a REAL would make the division exact (a group per sample); a CAST per row costs more.
 */
function stepSql(from: number, step: number): string {
  if (!Number.isSafeInteger(from) || !Number.isSafeInteger(step)) throw new RangeError(`a step needs whole ms, got from ${from}, step ${step}`);
  return `(ts - ${from}) / ${step}`;
}
// min/max/avg over the numeric column (strings have none); the step's worst quality beside them
const AGGREGATE_SQL: Record<Exclude<Aggregate, 'last'>, string> = {
  min: 'min(num)',
  max: 'max(num)',
  avg: 'avg(num)',
  count: 'count(*)',
};

export class HistoryReader {
  constructor(
    private readonly db: SqliteConnection,
    /** "device\0name" -> tag_id, kept by the store */
    private readonly tagIds: ReadonlyMap<string, number>,
  ) {}

  private idOf(tag: string, field: string): number {
    const slash = tag.lastIndexOf('/');
    const id = this.tagIds.get(`${tag.slice(0, slash)}\u0000${tag.slice(slash + 1)}`);
    if (id === undefined) throw new HistorianQueryError(field, `no history for "${tag}"`);
    return id;
  }

  /** `field` names the tag field in an error: "query.tag" or "playback.tag" */
  private idsOf(tags: readonly string[], field: string): number[] {
    return tags.map((t, i) => this.idOf(t, tags.length > 1 ? `${field}[${i}]` : field));
  }

  async query(q: HistorianQuery): Promise<HistorianRow[]> {
    const ids = this.idsOf(q.tags, 'query.tag');
    const out: HistorianRow[] = [];
    for (let i = 0; i < ids.length && out.length < q.limit; i++) {
      const limit = q.limit - out.length;
      const rows = q.step === undefined ? await this.raw(ids[i], q, limit) : await this.downsampled(ids[i], q, q.step, limit);
      for (const r of rows) out.push({ tag: q.tags[i], ...r });
    }
    return out;
  }

  private async raw(id: number, q: HistorianQuery, limit: number): Promise<Omit<HistorianRow, 'tag'>[]> {
    const rows = await this.db.all(`SELECT ts, num, text, kind, quality FROM ${SAMPLES_TABLE} WHERE tag_id = ? AND ts >= ? AND ts < ? ORDER BY ts LIMIT ?`, [id, q.from, q.to, limit], 'read samples');
    return rows.map((r) => ({ ts: Number(r.ts), value: decodeValue(r.num, r.text, r.kind), quality: qualityOf(r.quality) }));
  }

  private async downsampled(id: number, q: HistorianQuery, step: number, limit: number): Promise<Omit<HistorianRow, 'tag'>[]> {
    const range = 'FROM ' + SAMPLES_TABLE + ' WHERE tag_id = ? AND ts >= ? AND ts < ? GROUP BY step ORDER BY step LIMIT ?';
    const params = [id, q.from, q.to, limit];
    const stepStart = (r: SqliteRow) => q.from + Number(r.step) * step;
    if (q.agg === 'last') {
      // with max() the only aggregate beside count(), SQLite takes the bare columns from the row
      // holding the max: the step's last sample, typed, with its own quality
      const rows = await this.db.all(`SELECT ${stepSql(q.from, step)} AS step, max(ts) AS last_ts, num, text, kind, quality, count(*) AS n ${range}`, params, 'downsample samples');
      return rows.map((r) => ({ ts: stepStart(r), value: decodeValue(r.num, r.text, r.kind), quality: qualityOf(r.quality), count: Number(r.n) }));
    }
    const rows = await this.db.all(`SELECT ${stepSql(q.from, step)} AS step, ${AGGREGATE_SQL[q.agg]} AS value, max(quality) AS quality, count(*) AS n ${range}`, params, 'downsample samples');
    return rows.map((r) => ({ ts: stepStart(r), value: typeof r.value === 'number' ? r.value : null, quality: qualityOf(r.quality), count: Number(r.n) }));
  }

  async samples(tags: readonly string[], from: number, to: number, limit: number, after?: StoredSample): Promise<StoredSample[]> {
    const ids = this.idsOf(tags, 'playback.tag');
    const rows = await this.db.all(
      `SELECT s.tag_id, s.ts, s.num, s.text, s.kind, s.quality, t.device, t.name, t.unit
         FROM ${SAMPLES_TABLE} s JOIN ${TAGS_TABLE} t ON t.tag_id = s.tag_id
        WHERE s.tag_id IN (${ids.map(() => '?').join(',')}) AND s.ts >= ? AND s.ts < ? AND (s.ts, s.tag_id) > (?, ?)
        ORDER BY s.ts, s.tag_id LIMIT ?`,
      [...ids, from, to, after?.ts ?? from - 1, after?.tagId ?? 0, limit],
      'read samples for playback',
    );
    return rows.map((r) => {
      const s: StoredSample = {
        tagId: Number(r.tag_id),
        device: String(r.device),
        name: String(r.name),
        value: decodeValue(r.num, r.text, r.kind),
        quality: qualityOf(r.quality),
        ts: Number(r.ts),
        source: 'historian',
      };
      if (typeof r.unit === 'string') s.unit = r.unit;
      return s;
    });
  }
}
