// The handlers of the operator API, one per operationId of the OpenAPI document. Each reads what
// the nodes offer in the directory; none of them knows about HTTP beyond its answer.
import { AckError } from '../alarm/engine';
import { healthRegistry } from '../health/registry';
import { HistorianQueryError, parseQuery, rowsToCsv, type HistorianRow } from '../historian/query';
import { deviceView, openDeviceRegistries } from '../registry';
import { redactDeep } from '../system/text/redact';
import type { TagSample } from '../tags/contract';
import { auditRecords, parseAuditQuery } from './audit-query';
import type { ApiDirectory } from './directory';
import { ApiError } from './errors';
import type { Answer, Handler, RequestContext } from './router';
import { writeTags } from './tag-writes';

export interface RouteDeps {
  directory: ApiDirectory;
  document: Record<string, unknown>;
  now?: () => number;
}

/** A stored sample as the API shows it: with its age in seconds. */
function tagView(s: TagSample, now: number): Record<string, unknown> {
  return { ...s, age: Math.max(0, Math.round(now - s.ts)) / 1000 };
}

const byKey = (a: TagSample, b: TagSample) => (a.device === b.device ? (a.name < b.name ? -1 : a.name > b.name ? 1 : 0) : a.device < b.device ? -1 : 1);

function listTags(deps: RouteDeps, ctx: RequestContext): Answer {
  const device = ctx.query.device as string | undefined;
  const prefix = (ctx.query.prefix as string | undefined) ?? '';
  const now = (deps.now ?? Date.now)();
  const out: TagSample[] = [];
  for (const store of deps.directory.list('tagStores')) {
    const samples = device !== undefined ? store.readDevice(device) : store.readPrefix(prefix);
    for (const s of samples) if (!prefix || `${s.device}/${s.name}`.startsWith(prefix)) out.push(s);
  }
  return { body: out.sort(byKey).map((s) => tagView(s, now)) };
}

function getTag(deps: RouteDeps, ctx: RequestContext): Answer {
  const key = `${ctx.params.device}/${ctx.params.tag}`;
  for (const store of deps.directory.list('tagStores')) {
    const s = store.read(key);
    if (s) return { body: tagView(s, (deps.now ?? Date.now)()) };
  }
  throw new ApiError(404, `no tag '${key}' in any tag store`, 'path.tag');
}

/** What the device registry (lib/registry) keeps about a device: its stable id, status, first and last seen. */
async function registryEntries(): Promise<Map<string, Record<string, unknown>>> {
  const out = new Map<string, Record<string, unknown>>();
  for (const registry of await openDeviceRegistries()) {
    for (const d of registry.list()) {
      if (out.has(d.device_id)) continue;
      const { device_id, status, protocol, address, profile, first_seen, last_seen } = deviceView(d);
      out.set(d.device_id, { device_id, status, protocol, address, profile, first_seen, last_seen });
    }
  }
  return out;
}

async function listDevices(deps: RouteDeps): Promise<Answer> {
  const health = new Map(
    healthRegistry()
      .list()
      .map((e) => [e.id, e]),
  );
  const registry = await registryEntries();
  return {
    body: deps.directory.list('devices').map((d) => {
      const h = health.get(d.id);
      return { id: d.id, device: d.device, ...d.snapshot(), health: h ? redactDeep({ state: h.state, since: h.since, detail: h.detail }) : undefined, registry: registry.get(d.device) };
    }),
  };
}

function listAlarms(deps: RouteDeps): Answer {
  return { body: deps.directory.list('alarms').flatMap((a) => a.activeList().map((r) => ({ ...r, node: a.id }))) };
}

function ackAlarm(deps: RouteDeps, ctx: RequestContext): Answer {
  const sources = deps.directory.list('alarms');
  const id = ctx.params.id;
  const by = ctx.principal.actor;
  try {
    if (id === 'all') return { body: { acknowledged: sources.flatMap((s) => s.acknowledge('all', by)) } };
    // an id nobody lists is refused by the first alarm node, which audits the refusal
    const owner = sources.find((s) => s.activeList().some((r) => r.id === id)) ?? sources[0];
    if (!owner) throw new ApiError(404, `no alarm '${id}': no alarm node is running`, 'path.id');
    return { body: { acknowledged: owner.acknowledge(id, by) } };
  } catch (err) {
    if (err instanceof ApiError) throw err;
    if (err instanceof AckError || (err as Error).name === 'AckError') throw new ApiError(404, (err as Error).message.replace(/^msg\.ack: /, ''), 'path.id');
    // an alarm node still loading its stored list
    throw new ApiError(503, (err as Error).message, 'path.id');
  }
}

function listQueues(deps: RouteDeps): Answer {
  return { body: deps.directory.list('queues').map((q) => redactDeep({ id: q.id, name: q.name, ...q.snapshot() })) };
}

function getHealth(deps: RouteDeps): Answer {
  const provider = deps.directory.healthProvider();
  if (provider) {
    const { statusCode, body } = provider();
    return { status: statusCode, body };
  }
  // a palette install: no runtime to ask about flows and broker, only what the nodes report
  const reg = healthRegistry();
  const status = reg.overall();
  return { status: status === 'down' ? 503 : 200, body: { status, nodes: redactDeep(reg.list()) } };
}

async function getHistory(deps: RouteDeps, ctx: RequestContext): Promise<Answer> {
  const sources = deps.directory.list('historians');
  if (sources.length === 0) throw new ApiError(404, 'no historian node is running', 'path');
  let query;
  try {
    query = parseQuery({ ...ctx.query }, (deps.now ?? Date.now)());
  } catch (err) {
    if (err instanceof HistorianQueryError) throw new ApiError(400, err.message, err.field);
    throw err;
  }
  let rows: HistorianRow[] = [];
  for (const s of sources) rows = rows.concat(await s.query(query));
  if (sources.length > 1) rows.sort((a, b) => (a.tag === b.tag ? a.ts - b.ts : a.tag < b.tag ? -1 : 1));
  if (query.format === 'csv') return { text: rowsToCsv(rows), contentType: 'text/csv; charset=utf-8' };
  return { body: rows };
}

async function getAudit(deps: RouteDeps, ctx: RequestContext): Promise<Answer> {
  return { body: await auditRecords(parseAuditQuery(ctx.query, (deps.now ?? Date.now)())) };
}

/** The handler table the router checks against the document's operationIds. */
export function apiHandlers(deps: RouteDeps): Record<string, Handler> {
  return {
    listTags: (ctx) => listTags(deps, ctx),
    getTag: (ctx) => getTag(deps, ctx),
    putTag: async (ctx) => ({ body: await writeTags(deps.directory, ctx.params.device, { [ctx.params.tag]: (ctx.body as { value: unknown }).value }, ctx.principal.actor) }),
    writeDevice: async (ctx) => ({ body: await writeTags(deps.directory, ctx.params.device, ctx.body as Record<string, unknown>, ctx.principal.actor) }),
    listDevices: () => listDevices(deps),
    listAlarms: () => listAlarms(deps),
    ackAlarm: (ctx) => ackAlarm(deps, ctx),
    listQueues: () => listQueues(deps),
    getHealth: () => getHealth(deps),
    getHistory: (ctx) => getHistory(deps, ctx),
    getAudit: (ctx) => getAudit(deps, ctx),
    getOpenApi: () => ({ body: deps.document }),
  };
}
