// What an operator does from the dashboard, through the same paths as the operator API:
// acknowledgements through the alarm node's engine (audited, emitted on its output), writes
// through writeTags (validated all-or-nothing, identity checked, audited) under the actor
// "dashboard". A refusal comes back as words for the page, never as a thrown error.
import type { AlarmEvent } from '../alarm/engine';
import type { ApiDirectory, DeviceWriteAnswer } from '../api/directory';
import { writeTags } from '../api/tag-writes';

export const DASHBOARD_ACTOR = 'dashboard';

export type ActionResult<T> = { ok: true; result: T } | { ok: false; error: string; field?: string };

const failure = (err: unknown): { ok: false; error: string; field?: string } => {
  const e = err as { message?: unknown; field?: unknown; extra?: { problems?: Array<{ tag: string; reason: string }> } };
  const problems = e.extra?.problems;
  const error = problems?.length ? problems.map((p) => `${p.tag}: ${p.reason}`).join('; ') : String(e.message ?? err);
  return { ok: false, error, ...(typeof e.field === 'string' ? { field: e.field } : {}) };
};

/** Acknowledges one alarm by id, or every active one with 'all'. */
export function acknowledgeAlarm(directory: ApiDirectory, id: string, actor = DASHBOARD_ACTOR): ActionResult<AlarmEvent[]> {
  const sources = directory.list('alarms');
  try {
    if (id === 'all') return { ok: true, result: sources.flatMap((s) => s.acknowledge('all', actor)) };
    // an id nobody lists is refused by the first alarm node, which audits the refusal
    const owner = sources.find((s) => s.activeList().some((r) => r.id === id)) ?? sources[0];
    if (!owner) return { ok: false, error: 'no alarm node is running' };
    return { ok: true, result: owner.acknowledge(id, actor) };
  } catch (err) {
    return failure(err);
  }
}

/** Writes one tag of a device (or a tag store's user tag) as the API's PUT does. */
export async function writeTag(directory: ApiDirectory, device: string, tag: string, value: unknown, actor = DASHBOARD_ACTOR): Promise<ActionResult<DeviceWriteAnswer>> {
  try {
    return { ok: true, result: await writeTags(directory, device, { [tag]: value }, actor) };
  } catch (err) {
    return failure(err);
  }
}
