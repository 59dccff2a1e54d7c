// Per-component health, reported by nodes and read by the runtime's GET /health.
// One registry per process, shared through globalThis so that copies of this module loaded
// from different paths (palette install beside the runtime) still see the same entries.

export type HealthState = 'ok' | 'degraded' | 'down';

export interface HealthEntry {
  id: string;
  type: string;
  name?: string;
  state: HealthState;
  detail?: Record<string, unknown>;
  since: number;
}

/**
 * A detail is a snapshot, or a function read each time the entry is listed: counters that
 * change on every request (a server's requests and writes) are then never stale in /health,
 * and /metrics reads the same function, so the two cannot disagree.
 */
export type HealthDetail = Record<string, unknown> | (() => Record<string, unknown>);

interface StoredEntry extends Omit<HealthEntry, 'detail'> {
  detail?: HealthDetail;
}

export class HealthRegistry {
  private readonly entries = new Map<string, StoredEntry>();

  report(id: string, type: string, state: HealthState, detail?: HealthDetail, name?: string): void {
    const prev = this.entries.get(id);
    const since = prev && prev.state === state ? prev.since : Date.now();
    this.entries.set(id, { id, type, name, state, detail, since });
  }

  remove(id: string): void {
    this.entries.delete(id);
  }

  list(): HealthEntry[] {
    return [...this.entries.values()].map((e) => {
      if (typeof e.detail !== 'function') return e as HealthEntry;
      let detail: Record<string, unknown>;
      try {
        detail = e.detail();
      } catch (err) {
        detail = { detailError: (err as Error).message };
      }
      return { ...e, detail };
    });
  }

  /** The worst state of all entries, 'ok' when there are none. */
  overall(): HealthState {
    let worst: HealthState = 'ok';
    for (const e of this.entries.values()) {
      if (e.state === 'down') return 'down';
      if (e.state === 'degraded') worst = 'degraded';
    }
    return worst;
  }
}

const KEY = Symbol.for('edgegw.health.registry');

export function healthRegistry(): HealthRegistry {
  const g = globalThis as unknown as Record<symbol, HealthRegistry | undefined>;
  return (g[KEY] ??= new HealthRegistry());
}
