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

export class HealthRegistry {
  private readonly entries = new Map<string, HealthEntry>();

  report(id: string, type: string, state: HealthState, detail?: Record<string, unknown>, name?: string): void {
    const prev = this.entries.get(id);
    const since = prev && prev.state === state ? prev.since : Date.now();
    this.entries.set(id, { id, type, name, state, detail, since });
  }

  remove(id: string): void {
    this.entries.delete(id);
  }

  list(): HealthEntry[] {
    return [...this.entries.values()];
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
