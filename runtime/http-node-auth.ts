// The flows' own HTTP endpoints (http in nodes: the digital twin, and every endpoint a user adds)
// behind the same login as the editor once admin users exist. Node-RED leaves them open unless
// httpNodeAuth names one extra user; here the editor's users are the users:
// - `Authorization: Bearer <token>` with a token from POST /auth/token (the editor's own), checked
//   by Node-RED's admin auth with the permission "flows.read";
// - `Authorization: Basic` with an admin user's name and password (curl, a browser's prompt),
//   remembered for a minute so that a client polling every second costs one bcrypt a minute;
// - the runtime's flows token, which the default flows put on the requests they make to their own
//   endpoints (EDGEGW_HTTP_TOKEN, a fresh random value at every start).
// The operator API (mounted under a path registered in lib/api/auth/base-paths.ts) has its own
// guard, keys and tokens: its requests pass through here untouched.
import { createHash, timingSafeEqual } from 'node:crypto';
import { isApiPath } from '../lib/api/auth/base-paths';

export interface HttpRequest {
  headers: Record<string, string | string[] | undefined>;
  query?: Record<string, unknown>;
  /** express's path (without the query), relative to httpNodeRoot */
  path?: string;
  /** the raw URL relative to httpNodeRoot, when there is no path */
  url?: string;
}
export interface HttpResponse {
  status(code: number): HttpResponse;
  set(name: string, value: string): HttpResponse;
  json(body: unknown): void;
}
export type Next = (err?: unknown) => void;
export type Middleware = (req: HttpRequest, res: HttpResponse, next: Next) => void;

export interface HttpNodeAuthOptions {
  /** Node-RED's RED.auth.needsPermission: the editor's bearer tokens */
  needsPermission(permission: string): Middleware;
  /** the admin users' check (adminAuth.authenticate) */
  authenticate(username: string, password: string): Promise<unknown>;
  /** the runtime's token for the flows' calls to their own endpoints */
  flowsToken: string;
  now?: () => number;
}

const REMEMBER_MS = 60_000;
const REMEMBERED_MAX = 64;

function sameText(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

export function httpNodeAuth(opts: HttpNodeAuthOptions): Middleware {
  const now = opts.now ?? Date.now;
  const bearer = opts.needsPermission('flows.read');
  // sha256 of a Basic header that passed -> until when it is good
  const remembered = new Map<string, number>();
  const challenge = (res: HttpResponse, error: string) => res.status(401).set('WWW-Authenticate', 'Basic realm="edge-gateway", charset="UTF-8"').json({ error });

  return (req, res, next) => {
    if (isApiPath(req.path ?? (req.url ?? '').split('?')[0])) return next();
    const header = typeof req.headers.authorization === 'string' ? req.headers.authorization : '';
    if (header.startsWith('Bearer ') && sameText(header.slice(7), opts.flowsToken)) return next();
    if (header.startsWith('Basic ')) {
      const key = createHash('sha256').update(header).digest('hex');
      const until = remembered.get(key);
      if (until !== undefined && until > now()) return next();
      const decoded = Buffer.from(header.slice(6), 'base64').toString('utf8');
      const colon = decoded.indexOf(':');
      if (colon < 0) return challenge(res, 'Basic credentials must be NAME:PASSWORD');
      opts.authenticate(decoded.slice(0, colon), decoded.slice(colon + 1)).then(
        (user) => {
          if (!user) return challenge(res, 'wrong user name or password');
          remembered.delete(key);
          remembered.set(key, now() + REMEMBER_MS);
          while (remembered.size > REMEMBERED_MAX) remembered.delete(remembered.keys().next().value as string);
          next();
        },
        () => challenge(res, 'wrong user name or password'),
      );
      return;
    }
    if (!header && req.query?.access_token === undefined) return challenge(res, 'log in: an admin user (Basic) or a token from POST /auth/token (Bearer)');
    bearer(req, res, next);
  };
}
