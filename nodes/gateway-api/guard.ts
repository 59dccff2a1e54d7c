// Who may call the operator API while no API keys exist: this host alone, as the editor does with
// no users. Callers on loopback get read and write; everyone else is told why not. The API's
// authentication (keys, tokens, rate limits) replaces this guard; the routes only see ApiGuard.
import type { ApiGuard, ApiPrincipal, ApiRequestInfo } from '../../lib/api/auth/types';
import type { NodeAPI } from '../common/red';

export const LOOPBACK_ONLY = 'the API answers on loopback only until API keys are configured';

const LOOPBACK_PRINCIPAL: ApiPrincipal = Object.freeze({ kind: 'loopback', id: 'loopback', actor: 'api:loopback', scopes: Object.freeze(['read', 'write'] as const) });

/** 127.0.0.0/8, ::1, and 127.x mapped into IPv6 (::ffff:127.0.0.1). */
export function isLoopback(address: string | undefined): boolean {
  if (!address) return false;
  const v4 = address.startsWith('::ffff:') ? address.slice(7) : address;
  return v4 === '::1' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(v4);
}

export function loopbackGuard(): ApiGuard {
  return {
    check(req: ApiRequestInfo, scope) {
      if (!isLoopback(req.remoteAddress)) return Promise.resolve({ ok: false, status: 403, error: LOOPBACK_ONLY });
      if (!LOOPBACK_PRINCIPAL.scopes.includes(scope)) return Promise.resolve({ ok: false, status: 403, error: `the ${scope} scope needs an API key` });
      return Promise.resolve({ ok: true, principal: LOOPBACK_PRINCIPAL });
    },
    close() {
      // nothing held
    },
  };
}

/** The guard the gateway-api node asks; one per node, closed with it. */
export function apiGuardOf(_RED: NodeAPI): ApiGuard {
  return loopbackGuard();
}
