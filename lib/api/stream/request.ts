// What the stream's two transports share about a request: the query (filters, and the
// access_token that browsers' EventSource and WebSocket must use since they cannot set headers),
// and the guard's view of it, with that token moved into an Authorization header so the guard
// decides exactly as for the REST routes.
import type { IncomingMessage } from 'node:http';
import type { ApiGuard, ApiGuardOutcome, ApiRequestInfo } from '../auth/types';
import { parseStreamFilter, type StreamFilter } from './filter';
import { DEFAULT_STREAM_LIMITS, type StreamLimits } from './session';
import type { StreamHub } from './hub';
import { streamHub } from './hub';
import { apiDirectory } from '../directory';
import type { TagSample } from '../../tags/contract';

export interface StreamOptions {
  guard: ApiGuard;
  /** default: the process's hub (streamHub()) */
  hub?: StreamHub;
  limits?: Partial<StreamLimits>;
  /** the current values a new client gets first; default: every tag of the API directory's tag stores */
  currentTags?: () => TagSample[];
}

export interface ResolvedStreamOptions {
  guard: ApiGuard;
  hub: StreamHub;
  limits: StreamLimits;
  currentTags: () => TagSample[];
}

export function resolveStreamOptions(o: StreamOptions): ResolvedStreamOptions {
  return { guard: o.guard, hub: o.hub ?? streamHub(), limits: { ...DEFAULT_STREAM_LIMITS, ...o.limits }, currentTags: o.currentTags ?? directoryTags };
}

function directoryTags(): TagSample[] {
  return apiDirectory()
    .list('tagStores')
    .flatMap((store) => store.readPrefix(''));
}

export function requestUrl(req: IncomingMessage): URL {
  // originalUrl: express strips the mount path from url under a router
  const raw = (req as { originalUrl?: string }).originalUrl ?? req.url ?? '/';
  return new URL(raw, 'http://stream.invalid');
}

/** The guard's view of the request; the query's access_token counts as a bearer token when no header is set. */
export function guardRequestInfo(req: IncomingMessage, url: URL): ApiRequestInfo {
  const headers: Record<string, string | string[] | undefined> = { ...req.headers };
  const token = url.searchParams.get('access_token');
  if (token && !headers.authorization) headers.authorization = `Bearer ${token}`;
  return { headers, remoteAddress: req.socket.remoteAddress, method: req.method ?? 'GET', path: url.pathname };
}

export type StreamAdmission = { ok: true; filter: StreamFilter } | { ok: false; status: number; error: string; headers: Record<string, string> };

/** Guard first (scope read), then the filter, then room for one more client. */
export async function admit(req: IncomingMessage, o: ResolvedStreamOptions): Promise<StreamAdmission> {
  const url = requestUrl(req);
  let outcome: ApiGuardOutcome;
  try {
    outcome = await o.guard.check(guardRequestInfo(req, url), 'read');
  } catch (err) {
    return { ok: false, status: 500, error: `authentication failed: ${(err as Error).message}`, headers: {} };
  }
  if (!outcome.ok) {
    const headers: Record<string, string> = {};
    if (outcome.challenge) headers['WWW-Authenticate'] = outcome.challenge;
    if (outcome.retryAfter !== undefined) headers['Retry-After'] = String(outcome.retryAfter);
    return { ok: false, status: outcome.status, error: outcome.error, headers };
  }
  let filter: StreamFilter;
  try {
    filter = parseStreamFilter(url.searchParams);
  } catch (err) {
    return { ok: false, status: 400, error: (err as Error).message, headers: {} };
  }
  if (o.hub.clientCount >= o.limits.maxClients) return { ok: false, status: 503, error: `the live stream has its maximum of ${o.limits.maxClients} clients`, headers: { 'Retry-After': '5' } };
  return { ok: true, filter };
}
