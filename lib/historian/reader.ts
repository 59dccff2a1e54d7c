// Reading history back from the chunks: a tag's stored samples in a range, one row per step
// downsampled (steps.ts), and pages of several tags in time order for playback. Only the chunks
// that overlap the range are read (the clustered key (tag_id, t0) and t1 bound them); their JSON
// text is parsed here, where JSON.parse is much faster than taking it apart row by row in SQL.
import type { SqliteConnection } from '../storage/sqlite';
import type { TagSample } from '../tags/contract';
import { HistorianQueryError, type HistorianQuery, type HistorianRow } from './query';
import { CHUNKS_TABLE, TAGS_TABLE } from './schema';
import { forEachChunkSample, parseChunkSamples } from './chunk-text';
import { Downsampler } from './steps';
import { decodeValue, qualityOf, type EncodedSample } from './values';

/** A stored sample with its tag's id (the key a playback page continues after). */
export interface StoredSample extends TagSample {
  tagId: number;
}

/** Chunks read at a time while a page of samples is gathered. */
const CHUNKS_PER_READ = 32;

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
      if (q.step === undefined) {
        for (const s of await this.samplesOf(ids[i], q.from, q.to, limit)) out.push({ tag: q.tags[i], ts: s.ts, value: decodeValue(s.num, s.text, s.kind), quality: qualityOf(s.quality) });
      } else {
        for (const r of await this.downsampled(ids[i], q, q.step, limit)) out.push({ tag: q.tags[i], ...r });
      }
    }
    return out;
  }

  /** One read of the chunks in the range, each parsed and fed to the steps at once (no sample objects kept). */
  private async downsampled(id: number, q: HistorianQuery, step: number, limit: number): Promise<Array<Omit<HistorianRow, 'tag'>>> {
    const rows = await this.db.all(`SELECT t0, samples FROM ${CHUNKS_TABLE} WHERE tag_id = ? AND t1 >= ? AND t0 < ? ORDER BY t0`, [id, q.from, q.to], 'downsample samples');
    const steps = new Downsampler(q.from, step, q.agg, limit);
    const { from, to } = q;
    for (const r of rows) {
      if (steps.full) break;
      forEachChunkSample(String(r.samples), Number(r.t0), (ts, num, text, kind, quality) => {
        if (ts >= from && ts < to) steps.add(ts, num, text, kind, quality);
      });
    }
    return steps.finish();
  }

  /** At most `limit` samples of a tag in [from, to), in time order, reading as few chunks as that takes. */
  private async samplesOf(id: number, from: number, to: number, limit: number): Promise<EncodedSample[]> {
    const out: EncodedSample[] = [];
    let afterT0 = Number.MIN_SAFE_INTEGER;
    while (out.length < limit) {
      const rows = await this.db.all(
        `SELECT t0, samples FROM ${CHUNKS_TABLE} WHERE tag_id = ? AND t1 >= ? AND t0 < ? AND t0 > ? ORDER BY t0 LIMIT ${CHUNKS_PER_READ}`,
        [id, from, to, afterT0],
        'read samples',
      );
      for (const r of rows) {
        for (const s of parseChunkSamples(String(r.samples), Number(r.t0))) if (s.ts >= from && s.ts < to && out.length < limit) out.push(s);
        afterT0 = Number(r.t0);
      }
      if (rows.length < CHUNKS_PER_READ) break;
    }
    return out;
  }

  async samples(tags: readonly string[], from: number, to: number, limit: number, after?: StoredSample): Promise<StoredSample[]> {
    const ids = this.idsOf(tags, 'playback.tag');
    const named = new Map<number, { device: string; name: string; unit: unknown }>();
    for (const r of await this.db.all(`SELECT tag_id, device, name, unit FROM ${TAGS_TABLE} WHERE tag_id IN (${ids.map(() => '?').join(',')})`, ids, 'read samples for playback')) {
      named.set(Number(r.tag_id), { device: String(r.device), name: String(r.name), unit: r.unit });
    }
    // a page continues after (after.ts, after.tagId): a tag of a higher id may still have a sample at after.ts
    const pages = await Promise.all(ids.map((id) => this.samplesOf(id, after ? Math.max(from, id > after.tagId ? after.ts : after.ts + 1) : from, to, limit)));
    const merged: Array<{ id: number; s: EncodedSample }> = [];
    ids.forEach((id, i) => pages[i].forEach((s) => merged.push({ id, s })));
    merged.sort((a, b) => a.s.ts - b.s.ts || a.id - b.id);
    return merged.slice(0, limit).map(({ id, s }) => {
      const tag = named.get(id)!;
      const out: StoredSample = { tagId: id, device: tag.device, name: tag.name, value: decodeValue(s.num, s.text, s.kind), quality: qualityOf(s.quality), ts: s.ts, source: 'historian' };
      if (typeof tag.unit === 'string') out.unit = tag.unit;
      return out;
    });
  }
}
