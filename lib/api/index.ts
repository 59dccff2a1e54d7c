// The operator API: one OpenAPI document, the router that serves it (validated from the same
// document, guarded per scope), and the handlers reading what the nodes offer in the directory.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { ApiGuard } from './auth/types';
import { apiDirectory, type ApiDirectory } from './directory';
import { openApiDocument } from './openapi';
import { ApiRouter } from './router';
import { apiHandlers } from './routes';
import { handleSse, type StreamLimits } from './stream';

export { apiDirectory, ApiDirectory, WriteRefusedError } from './directory';
export type { ApiAlarmSource, ApiDevice, ApiHistorySource, ApiQueueSource, ApiTagSource, DeviceWriteAnswer, HealthProvider, TagWriteReport } from './directory';
export { ApiError } from './errors';
export { openApiDocument, API_VERSION } from './openapi';
export { ApiRouter, DEFAULT_BODY_LIMIT, type ServedRoute } from './router';

export interface ApiOptions {
  guard: ApiGuard;
  /** the path the API is served under, for the document's servers entry (default /api) */
  basePath?: string;
  corsOrigins?: readonly string[];
  bodyLimit?: number;
  directory?: ApiDirectory;
  now?: () => number;
  /** the live stream's limits (clients, backlog, heartbeat) */
  streamLimits?: Partial<StreamLimits>;
}

/** The router of one gateway-api node. */
export function createApiRouter(opts: ApiOptions): ApiRouter {
  const document = openApiDocument(opts.basePath ?? '/api');
  const handlers = apiHandlers({ directory: opts.directory ?? apiDirectory(), document, now: opts.now });
  const streams = { streamEvents: (req: IncomingMessage, res: ServerResponse) => handleSse(req, res, { guard: opts.guard, limits: opts.streamLimits }) };
  return new ApiRouter({ document, handlers, streams, guard: opts.guard, corsOrigins: opts.corsOrigins, bodyLimit: opts.bodyLimit });
}
