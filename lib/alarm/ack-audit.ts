// Every acknowledgement goes to the gateway's one audit log, like every write to a device: who
// acknowledged which alarm, from what state to what state; a refused acknowledgement (an id not
// in the active list) is recorded too, with the reason, so the trail shows every attempt.
import type { AuditRecord } from '../audit/audit-log';
import type { AlarmEvent, AlarmState } from './engine';

type AckRecord = Omit<AuditRecord, 'ts'> & { ts: number };

/** The state an acknowledgement moved the alarm from (the engine's transitions, read backwards). */
function stateBefore(after: AlarmState): AlarmState {
  return after === 'acknowledged' ? 'active' : 'cleared-unacknowledged';
}

/** The device part of an alarm's tag ("boiler/flow_temp" -> "boiler"); a bare name has none. */
function deviceOf(tag: string): string {
  const slash = tag.indexOf('/');
  return slash > 0 ? tag.slice(0, slash) : '';
}

/** Audit records for the events an acknowledgement produced. */
export function ackAuditRecords(events: readonly AlarmEvent[], by: string): AckRecord[] {
  return events.map((e) => ({
    ts: e.ts,
    kind: 'alarm-ack',
    actor: by,
    device: deviceOf(e.tag),
    tag: e.id,
    old: stateBefore(e.state),
    new: e.state,
    ok: true,
  }));
}

/** The audit record of an acknowledgement the engine refused. */
export function refusedAckRecord(target: unknown, by: string, reason: string, now: number): AckRecord {
  return { ts: now, kind: 'alarm-ack', actor: by, device: '', tag: typeof target === 'string' ? target : (JSON.stringify(target) ?? String(target)), old: null, new: null, ok: false, error: reason };
}
