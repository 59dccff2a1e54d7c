// The operator API's request path, from Node's request to the JSON answer: CORS, route (from the
// OpenAPI document's paths), the guard with the scope the document gives the operation, request
// validation compiled from the same document, the body (bounded), the handler, the answer.
// Every operation of the document has a handler and every handler an operation: the router
// refuses to be built otherwise, so the two cannot drift apart.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { ApiGuard, ApiPrincipal, ApiScope } from './auth/types';
import { redactUrlsInText } from '../system/text/redact';
import { ApiError } from './errors';
import { compileValidators, type OperationValidator } from './validate';

export const DEFAULT_BODY_LIMIT = 64 * 1024;
const METHODS = ['get', 'put', 'post', 'delete', 'patch'] as const;

export interface RequestContext {
  params: Record<string, string>;
  query: Record<string, unknown>;
  body: unknown;
  principal: ApiPrincipal;
}

export interface Answer {
  status?: number;
  /** sent as JSON unless `text` is set */
  body?: unknown;
  text?: string;
  contentType?: string;
}

export type Handler = (ctx: RequestContext) => Answer | Promise<Answer>;

/**
 * An operation that answers on the connection itself (the live stream): it gets the request once
 * its query passed the document's schema, and checks the guard itself (browsers give the
 * credential as the access_token query parameter there).
 */
export type StreamHandler = (req: IncomingMessage, res: ServerResponse) => Promise<void>;

export interface RouterOptions {
  document: Record<string, unknown>;
  handlers: Readonly<Record<string, Handler>>;
  /** operations answered by a stream handler instead (by operationId) */
  streams?: Readonly<Record<string, StreamHandler>>;
  guard: ApiGuard;
  /** origins allowed to call from a browser (CORS); none by default */
  corsOrigins?: readonly string[];
  /** request bodies larger than this many bytes are refused with 413 */
  bodyLimit?: number;
}

interface Operation {
  id: string;
  method: string;
  scope: ApiScope;
  hasBody: boolean;
  validator: OperationValidator;
  handler?: Handler;
  stream?: StreamHandler;
}

interface Route {
  template: string;
  pattern: RegExp;
  names: string[];
  operations: Map<string, Operation>;
}

/** A served route: what a test walks to compare with the document. */
export interface ServedRoute {
  method: string;
  path: string;
  operationId: string;
}

export class ApiRouter {
  private readonly routes: Route[] = [];
  private readonly cors: ReadonlySet<string>;
  private readonly bodyLimit: number;

  constructor(private readonly opts: RouterOptions) {
    this.cors = new Set(opts.corsOrigins ?? []);
    this.bodyLimit = opts.bodyLimit ?? DEFAULT_BODY_LIMIT;
    const validators = compileValidators(opts.document);
    const streams = opts.streams ?? {};
    const unused = new Set([...Object.keys(opts.handlers), ...Object.keys(streams)]);
    const paths = opts.document.paths as Record<string, Record<string, Record<string, unknown>>>;
    for (const [template, item] of Object.entries(paths)) {
      const names: string[] = [];
      const source = template.replace(/[.*+?^$()|[\]\\]/g, '\\$&').replace(/\{(\w+)\}/g, (_m, name: string) => (names.push(name), '([^/]+)'));
      const route: Route = { template, pattern: new RegExp(`^${source}$`), names, operations: new Map() };
      for (const method of METHODS) {
        const op = item[method];
        if (!op) continue;
        const id = op.operationId as string;
        const handler = opts.handlers[id] as Handler | undefined;
        const stream = streams[id] as StreamHandler | undefined;
        if (!handler && !stream) throw new Error(`operation ${id} (${method.toUpperCase()} ${template}) has no handler`);
        unused.delete(id);
        route.operations.set(method.toUpperCase(), {
          id,
          method: method.toUpperCase(),
          scope: op['x-scope'] as ApiScope,
          hasBody: Boolean(op.requestBody),
          validator: validators.get(id)!,
          handler,
          stream: handler ? undefined : stream,
        });
      }
      this.routes.push(route);
    }
    if (unused.size) throw new Error(`handlers without an operation in the document: ${[...unused].join(', ')}`);
  }

  served(): ServedRoute[] {
    return this.routes.flatMap((r) => [...r.operations.values()].map((o) => ({ method: o.method, path: r.template, operationId: o.id })));
  }

  /**
   * Answers one request; `url` is relative to the API's base path ("/tags?device=plc"). A path
   * the document does not have goes to `next` when given (another handler under the same base
   * path, such as a live stream, may serve it), else it is answered 404.
   */
  async handle(req: IncomingMessage, res: ServerResponse, url = req.url ?? '/', next?: () => void): Promise<void> {
    try {
      if (next && !this.match(pathOf(url))) return next();
      await this.dispatch(req, res, url);
    } catch (err) {
      const e = err instanceof ApiError ? err : new ApiError(500, `internal error: ${redactUrlsInText((err as Error).message)}`);
      if (!res.headersSent) sendJson(res, e.status, e.body(), e.headers);
      else res.destroy();
    }
  }

  private async dispatch(req: IncomingMessage, res: ServerResponse, url: string): Promise<void> {
    const method = (req.method ?? 'GET').toUpperCase();
    const q = url.indexOf('?');
    const pathname = pathOf(url);
    const origin = typeof req.headers.origin === 'string' ? req.headers.origin : undefined;
    if (origin !== undefined && this.cors.has(origin)) {
      res.setHeader('Access-Control-Allow-Origin', origin);
      res.setHeader('Vary', 'Origin');
    }
    const found = this.match(pathname);
    if (!found) throw new ApiError(404, `no route ${pathname}`, 'path');
    const { route, params } = found;
    if (method === 'OPTIONS') return this.preflight(res, route, origin);
    const op = route.operations.get(method === 'HEAD' ? 'GET' : method);
    if (!op) throw new ApiError(405, `${method} is not served at ${route.template}`, 'method', undefined, { Allow: [...route.operations.keys()].join(', ') });

    if (op.stream) {
      op.validator.params('path', params);
      op.validator.params('query', queryOf(q < 0 ? '' : url.slice(q + 1)));
      return op.stream(req, res);
    }
    const outcome = await this.opts.guard.check({ headers: req.headers, remoteAddress: req.socket?.remoteAddress, method, path: pathname }, op.scope);
    if (!outcome.ok) {
      const headers: Record<string, string> = {};
      if (outcome.retryAfter !== undefined) headers['Retry-After'] = String(Math.max(1, Math.ceil(outcome.retryAfter)));
      if (outcome.challenge) headers['WWW-Authenticate'] = outcome.challenge;
      throw new ApiError(outcome.status, outcome.error, undefined, undefined, headers);
    }
    op.validator.params('path', params);
    const query = queryOf(q < 0 ? '' : url.slice(q + 1));
    op.validator.params('query', query);
    let body: unknown;
    if (op.hasBody) {
      body = await readJsonBody(req, this.bodyLimit);
      op.validator.body?.(body);
    }
    const answer = await op.handler!({ params: params as Record<string, string>, query, body, principal: outcome.principal });
    const status = answer.status ?? 200;
    if (answer.text !== undefined) {
      res.statusCode = status;
      res.setHeader('Content-Type', answer.contentType ?? 'text/plain; charset=utf-8');
      res.setHeader('Cache-Control', 'no-store');
      res.end(method === 'HEAD' ? undefined : answer.text);
      return;
    }
    sendJson(res, status, answer.body, undefined, method === 'HEAD');
  }

  private preflight(res: ServerResponse, route: Route, origin: string | undefined): void {
    if (origin === undefined || !this.cors.has(origin)) throw new ApiError(403, `origin ${origin ?? '(none)'} is not allowed to call this API`, 'origin');
    res.statusCode = 204;
    res.setHeader('Access-Control-Allow-Methods', [...route.operations.keys()].join(', '));
    res.setHeader('Access-Control-Allow-Headers', 'Authorization, Content-Type');
    res.setHeader('Access-Control-Max-Age', '600');
    res.end();
  }

  private match(pathname: string): { route: Route; params: Record<string, unknown> } | undefined {
    for (const route of this.routes) {
      const m = route.pattern.exec(pathname);
      if (!m) continue;
      const params: Record<string, unknown> = {};
      for (let i = 0; i < route.names.length; i++) {
        try {
          params[route.names[i]] = decodeURIComponent(m[i + 1]);
        } catch {
          throw new ApiError(400, `path.${route.names[i]}: bad percent-encoding`, `path.${route.names[i]}`);
        }
      }
      return { route, params };
    }
    return undefined;
  }
}

function pathOf(url: string): string {
  const q = url.indexOf('?');
  return q < 0 ? url : url.slice(0, q);
}

/** Query text as an object; a key given twice becomes a list (which the schemas then refuse). */
function queryOf(text: string): Record<string, unknown> {
  const out: Record<string, unknown> = Object.create(null) as Record<string, unknown>;
  for (const [k, v] of new URLSearchParams(text)) {
    const prev = out[k];
    out[k] = prev === undefined ? v : Array.isArray(prev) ? [...(prev as string[]), v] : [prev, v];
  }
  return out;
}

/** The JSON body, at most `limit` bytes (413 beyond), application/json only (415 otherwise). */
export async function readJsonBody(req: IncomingMessage, limit: number): Promise<unknown> {
  const parsed = req as IncomingMessage & { _body?: boolean; body?: unknown };
  // a body parser installed on httpNode (httpNodeMiddleware) may have read it already
  if (parsed._body === true) return parsed.body;
  const type = String(req.headers['content-type'] ?? '');
  if (!/^application\/([\w.+-]*\+)?json\b/i.test(type)) throw new ApiError(415, `the body must be application/json, got ${type ? JSON.stringify(type) : 'no Content-Type'}`, 'body');
  const declared = Number(req.headers['content-length']);
  if (Number.isFinite(declared) && declared > limit) throw tooLarge(limit);
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > limit) throw tooLarge(limit);
    chunks.push(chunk);
  }
  const text = Buffer.concat(chunks).toString('utf8');
  if (!text.trim()) throw new ApiError(400, 'body: required (a JSON object)', 'body');
  try {
    return JSON.parse(text) as unknown;
  } catch (err) {
    throw new ApiError(400, `body: not JSON: ${(err as Error).message}`, 'body');
  }
}

function tooLarge(limit: number): ApiError {
  // the rest of the body is not read: the connection cannot carry another request after it
  return new ApiError(413, `the request body is larger than ${limit} bytes`, 'body', { limit }, { Connection: 'close' });
}

export function sendJson(res: ServerResponse, status: number, body: unknown, headers?: Record<string, string>, headOnly = false): void {
  const text = JSON.stringify(body ?? null, (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : v));
  res.statusCode = status;
  res.setHeader('Content-Type', 'application/json; charset=utf-8');
  res.setHeader('Cache-Control', 'no-store');
  for (const [k, v] of Object.entries(headers ?? {})) res.setHeader(k, v);
  res.end(headOnly ? undefined : text);
}
