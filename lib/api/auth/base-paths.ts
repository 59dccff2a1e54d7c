// The paths the operator API is mounted at, for the rest of the runtime to know: the flows'
// HTTP login (runtime/http-node-auth.ts) lets requests under them through to the API's own guard.
// One registry per process (shared through globalThis like the audit log and the metrics
// registry), because the gateway-api node and the runtime may load this module twice (dist/
// for the palette copy, the runtime's own copy).
const KEY = Symbol.for('edgegw.api.basePaths');

/** base path -> how many registrations hold it (two API nodes on one path, one closing) */
function registry(): Map<string, number> {
  const g = globalThis as unknown as Record<symbol, Map<string, number> | undefined>;
  return (g[KEY] ??= new Map());
}

/** "/api/", "api" -> "/api"; "/" stays "/". */
export function normaliseBasePath(path: string): string {
  const trimmed = `/${path.trim()}`.replace(/\/+/g, '/').replace(/\/$/, '');
  return trimmed === '' ? '/' : trimmed;
}

/**
 * Registers a base path; the returned function removes this registration (idempotent). The root
 * is refused: it would take every flow endpoint out from behind the login.
 */
export function registerApiBasePath(path: string): () => void {
  const base = normaliseBasePath(path);
  if (base === '/') throw new RangeError('the API cannot be mounted at "/": its base path would cover every flow endpoint');
  const paths = registry();
  paths.set(base, (paths.get(base) ?? 0) + 1);
  let held = true;
  return () => {
    if (!held) return;
    held = false;
    const n = (paths.get(base) ?? 1) - 1;
    if (n <= 0) paths.delete(base);
    else paths.set(base, n);
  };
}

export function apiBasePaths(): string[] {
  return [...registry().keys()];
}

/**
 * Whether a request path (without the query) is the API's. A path with dot segments, encoded
 * or not (/api/../flows), is never the API's: it must not slip past the flows' login.
 */
export function isApiPath(path: string): boolean {
  const paths = registry();
  if (paths.size === 0) return false;
  let decoded: string;
  try {
    decoded = decodeURIComponent(path);
  } catch {
    return false;
  }
  if (/(^|[/\\])\.\.?([/\\]|$)/.test(decoded)) return false;
  for (const base of paths.keys()) {
    if (path === base || path.startsWith(`${base}/`)) return true;
  }
  return false;
}
