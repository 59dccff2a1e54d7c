// One dispatcher per base path on Node-RED's httpNode, mounted once and kept: Express cannot take
// a route away, so a redeploy does not add routes but swaps the router the dispatcher forwards to.
// While no gateway-api node serves a path, its dispatcher passes requests on (404 from Node-RED),
// and so does it with a path the API's document does not have (a live stream under the same base).
import type { IncomingMessage, ServerResponse } from 'node:http';
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

// by app: the node-red-node-test-helper (and an embedding) may start a new httpNode app
const mounts = new WeakMap<object, Map<string, Mount>>();

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
