// TagStore: the gateway's current-value table. The latest sample of every tag, keyed
// "<device>/<tag>", written by producers in scans (the hot path: no allocation per update of a
// known tag), read by other nodes and the REST API. One timer per store marks tags stale, counts
// qualities and hands changed tags to the persistence in one batch.
import { QUALITIES, type Quality, type TagSample, type TagValue } from './contract';
import { maxAgeOf, TagValueError, validateUserValue, type MaxAgeRules, type UserTagDefinition } from './store-config';
import type { AuditLog } from '../audit/audit-log';

/** Where last values survive a restart (store-sqlite.ts). */
export interface TagPersistence {
  readonly kind: string;
  load(): Promise<TagSample[]>;
  save(samples: TagSample[]): Promise<void>;
  close(): Promise<void>;
}

export interface TagStoreOptions {
  maxAge?: MaxAgeRules;
  userTags?: UserTagDefinition[];
  /** device of the user tags (default "user") */
  userDevice?: string;
  persistence?: TagPersistence;
  audit?: AuditLog;
  /** period of the one timer: stale check, counts, persistence batch (default 1000 ms) */
  tickMs?: number;
  now?: () => number;
  /** called after each tick with the counts (for status and /health) */
  onTick?: (stats: TagStoreStats) => void;
  /** told of every change as it is stored: written samples, a user tag set, a tag gone stale (the live stream) */
  onChange?: (samples: readonly TagSample[]) => void;
  /** a failed load or save: the store keeps working in memory */
  onPersistenceError?: (err: Error) => void;
}

export interface TagStoreStats {
  tags: number;
  byQuality: Record<Quality, number>;
  /** changed tags not yet handed to the persistence */
  pending: number;
  persistence: string;
  persistenceError?: string;
  /** samples refused by write() since start (no device or name, unknown quality, a user tag) */
  refused: number;
  /** seconds since the oldest and, on average, since every tag's last sample (0 without tags) */
  oldestAgeSeconds: number;
  meanAgeSeconds: number;
}

export interface WriteResult {
  written: number;
  /** one line per refused sample, naming its index and why (absent when none) */
  errors?: string[];
}

interface Entry {
  device: string;
  name: string;
  value: TagValue;
  quality: Quality;
  ts: number;
  unit?: string;
  source?: string;
  error?: string;
  maxAgeMs: number;
  dirty: boolean;
  user?: UserTagDefinition;
  /** a user tag set since this store started (a persisted value must not overwrite it) */
  userSet?: boolean;
}

const STALE_REASON = (ms: number) => `not updated within its max age of ${ms / 1000} s`;

export class TagStore {
  private readonly devices = new Map<string, Map<string, Entry>>();
  private dirty: Entry[] = [];
  private readonly userDefs = new Map<string, UserTagDefinition>();
  private readonly userDevice: string;
  private readonly now: () => number;
  private timer: NodeJS.Timeout | undefined;
  private saving: Promise<void> = Promise.resolve();
  private size = 0;
  private refused = 0;
  private persistenceError?: string;
  private closed = false;
  private stats: TagStoreStats;
  private readonly persistent: boolean;

  constructor(private readonly opts: TagStoreOptions = {}) {
    this.now = opts.now ?? Date.now;
    this.userDevice = opts.userDevice ?? 'user';
    this.persistent = opts.persistence !== undefined;
    for (const def of opts.userTags ?? []) {
      this.userDefs.set(def.name, def);
      const e = this.entry(this.userDevice, def.name);
      e.user = def;
      e.maxAgeMs = Infinity;
      e.unit = def.unit;
      e.source = 'user';
      e.value = def.initial ?? null;
      e.quality = def.initial === undefined ? 'uncertain' : 'good';
      e.error = def.initial === undefined ? 'not set yet' : undefined;
      e.ts = this.now();
    }
    this.stats = this.count();
  }

  get persistenceKind(): string {
    return this.opts.persistence?.kind ?? 'memory';
  }

  /** Loads persisted values (as stale; user tags as they were) and starts the timer. */
  async start(): Promise<void> {
    if (this.opts.persistence) {
      try {
        const rows = await this.opts.persistence.load();
        if (this.closed) return;
        this.restore(rows);
      } catch (err) {
        this.persistenceFailed(err as Error);
      }
    }
    if (this.closed) return;
    const tick = this.opts.tickMs ?? 1000;
    this.timer = setInterval(() => this.tick(), tick);
    this.timer.unref?.();
  }

  private restore(rows: TagSample[]): void {
    for (const r of rows) {
      if (typeof r.device !== 'string' || typeof r.name !== 'string') continue;
      const user = r.device === this.userDevice ? this.userDefs.get(r.name) : undefined;
      if (r.device === this.userDevice && !user) continue; // a user tag no longer configured
      const existing = this.devices.get(r.device)?.get(r.name);
      // fresh data that arrived while loading wins; a set user tag was set after the restart
      if (existing && !(user && !existing.userSet)) continue;
      if (user) {
        try {
          validateUserValue(user, r.value);
        } catch {
          continue; // the definition changed (type, range): the configured initial value stands
        }
      }
      const e = existing ?? this.entry(r.device, r.name);
      e.value = r.value;
      e.ts = r.ts;
      e.unit = r.unit;
      e.source = r.source;
      // a setpoint is what the gateway holds, not a reading that may have moved meanwhile
      e.quality = user ? 'good' : 'stale';
      e.error = user ? undefined : 'last value before a restart';
    }
  }

  /** Stores samples (a scan, or one tag message's sample). Never throws on a bad sample. */
  write(samples: readonly TagSample[]): WriteResult {
    let written = 0;
    let errors: string[] | undefined;
    for (let i = 0; i < samples.length; i++) {
      const s = samples[i];
      const problem = this.check(s);
      if (problem) {
        this.refused++;
        (errors ??= []).push(`sample ${i}: ${problem}`);
        continue;
      }
      const e = this.entry(s.device, s.name);
      e.value = s.value;
      e.quality = s.quality;
      e.ts = s.ts;
      e.unit = s.unit;
      e.source = s.source;
      e.error = s.error;
      // a store without persistence keeps no list of changes
      if (!e.dirty && this.persistent) {
        e.dirty = true;
        this.dirty.push(e);
      }
      written++;
    }
    const onChange = this.opts.onChange;
    // the hot path hands over the scan itself; only a scan with refused samples is copied
    if (onChange && written) onChange(errors ? samples.filter((s) => !this.check(s)) : samples);
    return errors ? { written, errors } : { written };
  }

  private check(s: TagSample): string | undefined {
    if (!s || typeof s !== 'object') return 'not a tag sample';
    if (typeof s.device !== 'string' || !s.device) return 'device is missing';
    if (typeof s.name !== 'string' || !s.name) return `${s.device}: tag name is missing`;
    if (!QUALITIES.includes(s.quality)) return `${s.device}/${s.name}: quality ${JSON.stringify(s.quality)} is not good, uncertain, bad or stale`;
    if (typeof s.ts !== 'number' || !Number.isFinite(s.ts)) return `${s.device}/${s.name}: ts is not epoch milliseconds`;
    if (s.device === this.userDevice && this.userDefs.has(s.name)) return `${s.device}/${s.name} is a user tag: set it with a set message`;
    return undefined;
  }

  private entry(device: string, name: string): Entry {
    let tags = this.devices.get(device);
    if (!tags) this.devices.set(device, (tags = new Map()));
    let e = tags.get(name);
    if (!e) {
      e = { device, name, value: null, quality: 'uncertain', ts: 0, maxAgeMs: maxAgeOf(this.opts.maxAge, device, name), dirty: false };
      tags.set(name, e);
      this.size++;
    }
    return e;
  }

  /** Sets a user tag: validated against its definition, audited (refusals too). Throws TagValueError. */
  setUserTag(name: string, value: unknown, actor: string): TagSample {
    const def = this.userDefs.get(name);
    const e = def ? this.devices.get(this.userDevice)?.get(name) : undefined;
    const old = e?.value ?? null;
    try {
      if (!def || !e) throw new TagValueError(name, `no such user tag (defined: ${[...this.userDefs.keys()].join(', ') || 'none'})`);
      const checked = validateUserValue(def, value);
      e.value = checked;
      e.quality = 'good';
      e.ts = this.now();
      e.error = undefined;
      e.userSet = true;
      // a store without persistence keeps no list of changes
      if (!e.dirty && this.persistent) {
        e.dirty = true;
        this.dirty.push(e);
      }
      const sample = this.snapshot(e, e.ts);
      this.opts.onChange?.([sample]);
      this.opts.audit?.record({ actor, device: this.userDevice, tag: name, old, new: checked, ok: true });
      return sample;
    } catch (err) {
      if (err instanceof TagValueError) this.opts.audit?.record({ actor, device: this.userDevice, tag: name, old, new: value, ok: false, error: err.reason });
      throw err;
    }
  }

  userTags(): UserTagDefinition[] {
    return [...this.userDefs.values()];
  }

  // ---- reads: copies, with the max age applied at the time of reading ----

  read(key: string): TagSample | undefined;
  read(device: string, name: string): TagSample | undefined;
  read(a: string, b?: string): TagSample | undefined {
    let device = a;
    let name = b;
    if (name === undefined) {
      const slash = a.lastIndexOf('/');
      if (slash <= 0) return undefined;
      device = a.slice(0, slash);
      name = a.slice(slash + 1);
    }
    const e = this.devices.get(device)?.get(name);
    return e && this.snapshot(e, this.now());
  }

  readDevice(device: string): TagSample[] {
    const tags = this.devices.get(device);
    if (!tags) return [];
    const now = this.now();
    return [...tags.values()].map((e) => this.snapshot(e, now));
  }

  /** Every tag whose key "<device>/<tag>" starts with prefix ("" for all). */
  readPrefix(prefix: string): TagSample[] {
    const out: TagSample[] = [];
    const now = this.now();
    for (const [device, tags] of this.devices) {
      const devicePath = `${device}/`;
      if (devicePath.startsWith(prefix)) {
        for (const e of tags.values()) out.push(this.snapshot(e, now));
      } else if (prefix.startsWith(devicePath)) {
        const rest = prefix.slice(devicePath.length);
        for (const e of tags.values()) if (e.name.startsWith(rest)) out.push(this.snapshot(e, now));
      }
    }
    return out;
  }

  private snapshot(e: Entry, now: number): TagSample {
    const stale = now - e.ts > e.maxAgeMs && (e.quality === 'good' || e.quality === 'uncertain');
    const s: TagSample = { device: e.device, name: e.name, value: e.value, quality: stale ? 'stale' : e.quality, ts: e.ts };
    if (e.unit !== undefined) s.unit = e.unit;
    if (e.source !== undefined) s.source = e.source;
    const error = stale ? STALE_REASON(e.maxAgeMs) : e.error;
    if (error !== undefined) s.error = error;
    return s;
  }

  /** changed tags waiting for the next persistence batch */
  get pendingCount(): number {
    return this.dirty.length;
  }

  get tagCount(): number {
    return this.size;
  }

  /** Ages in seconds of every tag (for the edgegw_tag_age_seconds summary). */
  ages(into: number[] = []): number[] {
    const now = this.now();
    for (const tags of this.devices.values()) for (const e of tags.values()) into.push(Math.max(0, now - e.ts) / 1000);
    return into;
  }

  latestStats(): TagStoreStats {
    return this.stats;
  }

  /** The timer's work, callable directly (tests with an injected clock). */
  tick(): TagStoreStats {
    const now = this.now();
    let gone: TagSample[] | undefined;
    for (const tags of this.devices.values()) {
      for (const e of tags.values()) {
        if (now - e.ts > e.maxAgeMs && (e.quality === 'good' || e.quality === 'uncertain')) {
          e.quality = 'stale';
          e.error = STALE_REASON(e.maxAgeMs);
          if (this.opts.onChange) (gone ??= []).push(this.snapshot(e, now));
        }
      }
    }
    if (gone) this.opts.onChange?.(gone);
    // void: flush() puts a failed batch back and reports it itself; its promise is for close() to await
    void this.flush();
    this.stats = this.count();
    this.opts.onTick?.(this.stats);
    return this.stats;
  }

  private count(): TagStoreStats {
    const byQuality: Record<Quality, number> = { good: 0, uncertain: 0, bad: 0, stale: 0 };
    const now = this.now();
    let oldest = 0;
    let sum = 0;
    for (const tags of this.devices.values()) {
      for (const e of tags.values()) {
        byQuality[e.quality]++;
        const age = Math.max(0, now - e.ts);
        sum += age;
        if (age > oldest) oldest = age;
      }
    }
    const stats: TagStoreStats = {
      tags: this.size,
      byQuality,
      pending: this.dirty.length,
      persistence: this.persistenceKind,
      refused: this.refused,
      oldestAgeSeconds: oldest / 1000,
      meanAgeSeconds: this.size ? sum / this.size / 1000 : 0,
    };
    if (this.persistenceError) stats.persistenceError = this.persistenceError;
    return stats;
  }

  /** Hands the changed tags to the persistence as one batch; resolves when it is saved. */
  flush(): Promise<void> {
    const persistence = this.opts.persistence;
    if (!persistence || this.dirty.length === 0) return this.saving;
    const batch = this.dirty;
    this.dirty = [];
    const rows: TagSample[] = new Array(batch.length);
    for (let i = 0; i < batch.length; i++) {
      const e = batch[i];
      e.dirty = false;
      rows[i] = { device: e.device, name: e.name, value: e.value, quality: e.quality, ts: e.ts, unit: e.unit, source: e.source };
    }
    this.saving = this.saving
      .then(() => persistence.save(rows))
      .then(
        () => {
          this.persistenceError = undefined;
        },
        (err: Error) => {
          // not lost: back into the next batch, unless the tag changed again meanwhile
          for (const e of batch) {
            if (!e.dirty) {
              e.dirty = true;
              this.dirty.push(e);
            }
          }
          this.persistenceFailed(err);
        },
      );
    return this.saving;
  }

  private persistenceFailed(err: Error): void {
    this.persistenceError = err.message;
    this.opts.onPersistenceError?.(err);
  }

  /** Stops the timer, saves what changed, closes the persistence. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    clearInterval(this.timer);
    this.timer = undefined;
    await this.flush();
    await this.opts.persistence?.close().catch((err: Error) => this.persistenceFailed(err));
  }
}
