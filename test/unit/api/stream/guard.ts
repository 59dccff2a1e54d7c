// A guard for the stream's tests: the bearer token "reader" may read, anything else is refused
// the way the real guard refuses (401 with a challenge), and every decision is kept.
import type { ApiGuard, ApiGuardOutcome, ApiRequestInfo, ApiScope } from '../../../../lib/api/auth/types';

export class TokenGuard implements ApiGuard {
  readonly seen: Array<{ path: string; scope: ApiScope; authorization?: string }> = [];

  check(req: ApiRequestInfo, scope: ApiScope): Promise<ApiGuardOutcome> {
    const authorization = req.headers.authorization;
    this.seen.push({ path: req.path, scope, authorization: typeof authorization === 'string' ? authorization : undefined });
    if (authorization === 'Bearer reader' && scope === 'read') return Promise.resolve({ ok: true, principal: { kind: 'key', id: 'reader', actor: 'api:key:reader', scopes: ['read'] } });
    if (authorization === undefined) return Promise.resolve({ ok: false, status: 401, error: 'no credential', challenge: 'Bearer' });
    return Promise.resolve({ ok: false, status: 401, error: 'unknown key', challenge: 'Bearer error="invalid_token"' });
  }

  close(): void {}
}
