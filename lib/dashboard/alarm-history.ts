// The alarm page's recent history: every event the alarm nodes emit (raised, acknowledged,
// cleared), recorded as it happens, so that an alarm raised and cleared within one delivery
// interval of the page is still listed; only the page's delivery is throttled. Newest first, a
// bounded number kept.
import type { AlarmEvent } from '../alarm/engine';

export interface AlarmHistoryEntry {
  id: string;
  tag: string;
  severity: string;
  /** the state the alarm moved to */
  state: string;
  message: string;
  ackedBy: string | null;
  ts: number;
}

export class AlarmHistory {
  private entries: AlarmHistoryEntry[] = [];
  private recorded = 0;

  constructor(private readonly keep = 100) {}

  /** Events in the order they were emitted; the later of two at the same time is the newer. */
  record(events: readonly AlarmEvent[]): void {
    if (!events.length) return;
    const added = events.map(entryOf).reverse();
    added.sort((x, y) => y.ts - x.ts);
    this.entries = [...added, ...this.entries].slice(0, this.keep);
    this.recorded += events.length;
  }

  recent(): AlarmHistoryEntry[] {
    return this.entries;
  }

  /** How many events were recorded so far: a page's copy is current while this stays the same. */
  get version(): number {
    return this.recorded;
  }
}

const entryOf = (e: AlarmEvent): AlarmHistoryEntry => ({ id: e.id, tag: e.tag, severity: e.severity, state: e.state, message: e.message, ackedBy: e.ackedBy, ts: e.ts });
