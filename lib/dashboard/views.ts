// What each dashboard page shows, read where the operator API reads it (the process-wide
// directory of tag stores, devices, alarms, queues and historians, and the health registry), so
// the dashboard and GET /api/... never tell two stories.
import type { AlarmRecord } from '../alarm/engine';
import { SEVERITIES, type Severity } from '../alarm/rules';
import type { ApiDirectory, WritableTag } from '../api/directory';
import { healthRegistry } from '../health/registry';
import { redactDeep } from '../system/text/redact';
import type { TagSample, TagValue } from '../tags/contract';

/** ok: every tag reads good; stale: some do not (or the line reconnects); down: none does, or the breaker is open. */
export type CommStatus = 'ok' | 'stale' | 'down';

export interface DeviceRow {
  device: string;
  comm: CommStatus;
  /** the poller's status key (polling, someBad, reconnecting, connecting, breakerOpen, error) */
  status: string;
  breaker: string;
  lastPollAt: number | null;
  errors: number;
  timeouts: number;
  lastError: string | null;
}

export interface QueueRow {
  name: string;
  depth: number;
  destination: string;
  oldestAgeS: number | null;
  dropped: number;
}

export type AlarmCounts = Record<Severity, number> & { total: number };

export interface Overview {
  ts: number;
  health: { status: string; uptimeSeconds: number | null };
  devices: DeviceRow[];
  queues: QueueRow[];
  alarms: AlarmCounts;
}

const COMM_OF_STATUS: Record<string, CommStatus> = { polling: 'ok', someBad: 'stale', reconnecting: 'stale', connecting: 'stale', breakerOpen: 'down', error: 'down' };

const num = (v: unknown): number => (typeof v === 'number' && Number.isFinite(v) ? v : 0);
const obj = (v: unknown): Record<string, unknown> => (v !== null && typeof v === 'object' ? (v as Record<string, unknown>) : {});

export function deviceRows(directory: ApiDirectory): DeviceRow[] {
  return directory
    .list('devices')
    .map((d) => {
      const s = d.snapshot();
      const status = typeof s.status === 'string' ? s.status : 'error';
      const errors = obj(s.errors);
      const breaker = obj(s.breaker);
      return {
        device: d.device,
        comm: s.connection === 'closed' ? 'down' : (COMM_OF_STATUS[status] ?? 'down'),
        status,
        breaker: typeof breaker.state === 'string' ? breaker.state : 'closed',
        lastPollAt: typeof s.lastPollAt === 'number' ? s.lastPollAt : null,
        errors: num(errors.requests),
        timeouts: num(errors.timeouts),
        lastError: typeof s.lastError === 'string' ? s.lastError : typeof errors.lastError === 'string' ? errors.lastError : null,
      } satisfies DeviceRow;
    })
    .sort((a, b) => (a.device < b.device ? -1 : a.device > b.device ? 1 : 0));
}

export function queueRows(directory: ApiDirectory): QueueRow[] {
  return directory.list('queues').map((q) => {
    const s = obj(redactDeep(q.snapshot()));
    const dropped = obj(s.dropped);
    return {
      name: q.name,
      depth: num(s.depth),
      destination: typeof s.destination === 'string' ? s.destination : 'unknown',
      oldestAgeS: typeof s.oldestAgeS === 'number' ? s.oldestAgeS : null,
      dropped: Object.values(dropped).reduce<number>((sum, v) => sum + num(v), 0) + (typeof s.dropped === 'number' ? s.dropped : 0),
    };
  });
}

const SEVERITY_RANK: Record<string, number> = Object.fromEntries(SEVERITIES.map((s, i) => [s, i]));

/** Every alarm node's active list, highest severity first, then the oldest first. */
export function activeAlarms(directory: ApiDirectory): Array<AlarmRecord & { node: string }> {
  return directory
    .list('alarms')
    .flatMap((a) => a.activeList().map((r) => ({ ...r, node: a.id })))
    .sort((a, b) => (SEVERITY_RANK[b.severity] ?? -1) - (SEVERITY_RANK[a.severity] ?? -1) || a.activeSince - b.activeSince);
}

export function alarmCounts(alarms: readonly AlarmRecord[]): AlarmCounts {
  const counts = Object.fromEntries(SEVERITIES.map((s) => [s, 0])) as AlarmCounts;
  counts.total = 0;
  for (const a of alarms) {
    if (a.state === 'cleared') continue;
    counts[a.severity]++;
    counts.total++;
  }
  return counts;
}

/** /health as the runtime answers it; in a palette install, what the nodes report. */
export function healthSummary(directory: ApiDirectory): Overview['health'] {
  const provider = directory.healthProvider();
  if (provider) {
    const body = provider().body;
    const runtime = obj(body.runtime);
    return { status: typeof body.status === 'string' ? body.status : 'unknown', uptimeSeconds: typeof runtime.uptimeSeconds === 'number' ? runtime.uptimeSeconds : null };
  }
  return { status: healthRegistry().overall(), uptimeSeconds: Math.round(process.uptime()) };
}

export function overview(directory: ApiDirectory, now: number): Overview {
  return { ts: now, health: healthSummary(directory), devices: deviceRows(directory), queues: queueRows(directory), alarms: alarmCounts(activeAlarms(directory)) };
}

/** A tag as a widget shows it. */
export interface TagView {
  name: string;
  value: TagValue | null;
  quality: string;
  ts: number;
  unit?: string;
  numeric: boolean;
}

function valueForBrowser(v: TagValue): TagValue | null {
  if (typeof v === 'bigint') return Number(v);
  if (Buffer.isBuffer(v)) return v.toString('hex');
  return v ?? null;
}

export function tagView(s: TagSample): TagView {
  const value = valueForBrowser(s.value);
  return { name: s.name, value, quality: s.quality, ts: s.ts, ...(s.unit ? { unit: s.unit } : {}), numeric: typeof value === 'number' };
}

/** The devices of every tag store (polled devices, user tags, system tags), sorted. */
export function deviceNames(directory: ApiDirectory): string[] {
  const names = new Set<string>();
  for (const store of directory.list('tagStores')) for (const s of store.readPrefix('')) names.add(s.device);
  return [...names].sort();
}

export function deviceTags(directory: ApiDirectory, device: string): TagView[] {
  const out: TagView[] = [];
  for (const store of directory.list('tagStores')) for (const s of store.readDevice(device)) out.push(tagView(s));
  return out.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

/** Every "<device>/<tag>" of the tag stores whose key contains `search` (case-insensitive), at most `limit`. */
export function tagKeys(directory: ApiDirectory, search: string, limit: number): { keys: string[]; total: number } {
  const needle = search.trim().toLowerCase();
  const keys = new Set<string>();
  for (const store of directory.list('tagStores')) for (const s of store.readPrefix('')) keys.add(`${s.device}/${s.name}`);
  const matching = [...keys].filter((k) => !needle || k.toLowerCase().includes(needle)).sort();
  return { keys: matching.slice(0, limit), total: matching.length };
}

export function readTag(directory: ApiDirectory, key: string): TagView | undefined {
  for (const store of directory.list('tagStores')) {
    const s = store.read(key);
    if (s) return { ...tagView(s), name: key };
  }
  return undefined;
}

/** A tag the Controls page offers: a device's tag its write path takes. */
export interface ControlTag extends WritableTag {
  device: string;
}

/** Every device's writable tags, the devices sorted, each device's tags in its table's order. */
export function controlTags(directory: ApiDirectory): ControlTag[] {
  return directory
    .list('devices')
    .sort((a, b) => (a.device < b.device ? -1 : a.device > b.device ? 1 : 0))
    .flatMap((d) => (d.writableTags?.() ?? []).map((t) => ({ device: d.device, ...t })));
}
