// The alarm page's recent history: the changes between one reading of the active lists and the
// next (raised, acknowledged, cleared), newest first, a bounded number kept.
import type { AlarmRecord } from '../alarm/engine';

export interface AlarmHistoryEntry {
  id: string;
  tag: string;
  severity: string;
  /** the state the alarm moved to; 'cleared' also when it left the active list */
  state: string;
  message: string;
  ackedBy: string | null;
  ts: number;
}

export class AlarmHistory {
  private last = new Map<string, AlarmRecord>();
  private entries: AlarmHistoryEntry[] = [];

  constructor(private readonly keep = 100) {}

  /** Takes the current active list; true when anything changed since the previous one. */
  observe(active: readonly AlarmRecord[], now: number): boolean {
    const next = new Map(active.map((a) => [a.id, a]));
    const added: AlarmHistoryEntry[] = [];
    for (const a of active) {
      const before = this.last.get(a.id);
      if (!before || before.state !== a.state || before.ts !== a.ts) added.push(entryOf(a, a.state, a.ts));
    }
    for (const [id, before] of this.last) if (!next.has(id)) added.push(entryOf(before, 'cleared', now));
    this.last = next;
    if (!added.length) return false;
    this.entries = [...added.sort((x, y) => y.ts - x.ts), ...this.entries].slice(0, this.keep);
    return true;
  }

  recent(): AlarmHistoryEntry[] {
    return this.entries;
  }
}

const entryOf = (a: AlarmRecord, state: string, ts: number): AlarmHistoryEntry => ({ id: a.id, tag: a.tag, severity: a.severity, state, message: a.message, ackedBy: a.ackedBy, ts });
