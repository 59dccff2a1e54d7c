// The seam between the operator API's routes (lib/api) and who may call them (lib/api/auth).
// The routes ask a guard once per request, naming the scope the route needs; the guard answers
// who is calling or why not, and the routes never look at keys, tokens or addresses themselves.

/** read: every GET; write: tag and device writes, alarm acknowledgements; admin: key management. */
export type ApiScope = 'read' | 'write' | 'admin';

export interface ApiPrincipal {
  /** key: an API key; jwt: a bearer token; loopback: no keys configured and the call came from this host */
  kind: 'key' | 'jwt' | 'loopback';
  /** the key's id, the token's subject, or "loopback" (never the secret itself) */
  id: string;
  /** for audit records: "api:key:<name>", "api:jwt:<sub>", "api:loopback" */
  actor: string;
  scopes: readonly ApiScope[];
}

/** What the guard needs from an HTTP request (Node's IncomingMessage has all of it). */
export interface ApiRequestInfo {
  headers: Record<string, string | string[] | undefined>;
  /** the peer's address (req.socket.remoteAddress) */
  remoteAddress: string | undefined;
  method: string;
  /** path without the query, for audit records of refusals */
  path: string;
}

export type ApiGuardOutcome =
  | { ok: true; principal: ApiPrincipal }
  | {
      ok: false;
      /** 401 no or bad credentials, 403 scope missing or not loopback, 429 rate limited */
      status: 401 | 403 | 429;
      /** said to the client as { error } (never echoes the secret) */
      error: string;
      /** seconds, for 429 (sent as Retry-After) */
      retryAfter?: number;
      /** for 401: the WWW-Authenticate header value */
      challenge?: string;
    };

export interface ApiGuard {
  /** decides one request; counts and audits failed authentications itself */
  check(req: ApiRequestInfo, scope: ApiScope): Promise<ApiGuardOutcome>;
  /** releases timers (rate-limit buckets sweeping) */
  close(): void;
}
