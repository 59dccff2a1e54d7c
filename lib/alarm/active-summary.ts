// What an alarm node tells of its active list: counts for its status, and whether /health is
// degraded under the node's healthOn setting.
import type { AlarmRecord } from './engine';
import type { HEALTH_ON } from './fields';

export interface ActiveListSummary {
  listed: number;
  /** active, or cleared but not acknowledged */
  unacknowledged: number;
  /** active, acknowledged or not */
  raised: number;
  criticalUnacknowledged: number;
  criticalActive: number;
}

export function summarizeActiveList(list: readonly AlarmRecord[]): ActiveListSummary {
  const s: ActiveListSummary = { listed: list.length, unacknowledged: 0, raised: 0, criticalUnacknowledged: 0, criticalActive: 0 };
  for (const r of list) {
    const raised = r.state === 'active' || r.state === 'acknowledged';
    const unacknowledged = r.state === 'active' || r.state === 'cleared-unacknowledged';
    if (unacknowledged) s.unacknowledged++;
    if (raised) s.raised++;
    if (r.severity !== 'critical') continue;
    // a critical alarm that cleared before anyone saw it still waits for the operator: /health
    // stays degraded until it is acknowledged, as the README and the node's status say
    if (unacknowledged) s.criticalUnacknowledged++;
    if (raised) s.criticalActive++;
  }
  return s;
}

/** Whether the node's /health entry is degraded: by its healthOn setting, or a failed save. */
export function alarmHealthDegraded(s: ActiveListSummary, healthOn: (typeof HEALTH_ON)[number], saveFailed: boolean): boolean {
  if (saveFailed) return true;
  if (healthOn === 'critical-unacknowledged') return s.criticalUnacknowledged > 0;
  if (healthOn === 'critical-active') return s.criticalActive > 0;
  return false;
}
