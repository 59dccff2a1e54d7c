// One dispatcher per base path on Node-RED's httpNode, mounted once and kept: Express cannot take
// a route away, so a redeploy does not add routes but swaps the router the dispatcher forwards to.
// While no gateway-api node serves a path, its dispatcher passes requests on (404 from Node-RED),
// and so does it with a path the API's document does not have (a live stream under the same base).
// The edge-gateway runtime also asks serveMountedApiFirst from its server's request listener, so
// the API's requests skip the Express layers in front of httpNode's routes (the editor's app, its
// static files and body parsers, httpNode's own parsers): under load they cost more than the API.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { isApiPath } from '../../lib/api/auth/base-paths';
import type { ApiRouter } from '../../lib/api/router';
import type { NodeAPI } from '../common/red';

type Middleware = (req: IncomingMessage, res: ServerResponse, next: () => void) => void;

/** The part of Node-RED's httpNode (an Express app) the API needs. */
export interface HttpNodeApp {
  use(path: string, handler: Middleware): void;
}

interface Mount {
  owner?: { nodeId: string; router: ApiRouter };
}

// by app: the node-red-node-test-helper (and an embedding) may start a new httpNode app. One map
// per process (through globalThis, like the API's base paths): the runtime and the node loader
// may load this module twice.
const MOUNTS = Symbol.for('edgegw.api.mounts');
const mounts: WeakMap<object, Map<string, Mount>> = ((globalThis as unknown as Record<symbol, WeakMap<object, Map<string, Mount>> | undefined>)[MOUNTS] ??= new WeakMap());

export function httpNodeOf(RED: NodeAPI): HttpNodeApp | undefined {
  const app = (RED as NodeAPI & { httpNode?: HttpNodeApp }).httpNode;
  return app && typeof app.use === 'function' ? app : undefined;
}

/**
 * Serves `router` at `basePath` for node `nodeId`; the returned function stops serving it. Throws
 * when another gateway-api node already serves the path.
 */
export function mountRouter(app: HttpNodeApp, basePath: string, nodeId: string, router: ApiRouter): () => void {
  let byPath = mounts.get(app);
  if (!byPath) mounts.set(app, (byPath = new Map()));
  let mount = byPath.get(basePath);
  if (!mount) {
    const m: Mount = {};
    byPath.set(basePath, (mount = m));
    app.use(basePath, (req, res, next) => {
      const current = m.owner;
      if (!current) return next();
      void current.router.handle(req, res, req.url, next);
    });
  }
  if (mount.owner && mount.owner.nodeId !== nodeId) throw new Error(`basePath: ${basePath} is already served by gateway-api ${mount.owner.nodeId}`);
  const owner = { nodeId, router };
  mount.owner = owner;
  const m = mount;
  return () => {
    if (m.owner === owner) m.owner = undefined;
  };
}

/**
 * Answers a request for an API that `app` serves without going through Express; anything else
 * (another path, no API mounted, a path the document does not have) goes to `fallthrough`
 * untouched. `nodeRoot` is Node-RED's httpNodeRoot. Paths are matched exactly (Express's own
 * match is case-insensitive: such a request takes the Express way and still reaches the API),
 * and a path the flows' login would not let through as the API's (dot segments) is never taken.
 */
export function serveMountedApiFirst(app: object, nodeRoot: string, req: IncomingMessage, res: ServerResponse, fallthrough: () => void): void {
  const byPath = mounts.get(app);
  const url = req.url ?? '/';
  const root = nodeRoot.endsWith('/') ? nodeRoot.slice(0, -1) : nodeRoot;
  if (!byPath || !url.startsWith(root)) return fallthrough();
  const q = url.indexOf('?');
  const path = url.slice(root.length, q < 0 ? undefined : q);
  if (!isApiPath(path)) return fallthrough();
  for (const [base, mount] of byPath) {
    if (!mount.owner || !(path === base || path.startsWith(`${base}/`))) continue;
    const rest = url.slice(root.length + base.length);
    void mount.owner.router.handle(req, res, rest.startsWith('/') ? rest : `/${rest}`, fallthrough);
    return;
  }
  fallthrough();
}
