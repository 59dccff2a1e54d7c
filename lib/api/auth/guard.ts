// The API's guard (types.ts): who is calling, with which scopes, and whether they may now.
//
// - No key and no JWT configured: callers on this host (loopback) get read and write; any other
//   caller is refused with 403, saying why. Once a key (not revoked) or a JWT key exists, every
//   caller needs `Authorization: Bearer <key or token>`, loopback too.
// - Keys (egw_...) are checked by the key store, anything else as a JWT when one is configured.
// - Rate limits: each authenticated caller (key id, token subject, or loopback address) has a
//   token bucket; each address has one more that only failed authentications draw from, and
//   once it is empty that address is answered 429 before its credentials are even looked at.
// - Every refusal is counted in edgegw_api_auth_failures_total{reason}; refused credentials are
//   also audited (kind 'auth-failed', device 'api', tag the key id or the address), and so is a
//   missing scope (under the caller, not the address: its credentials were good). 429 answers
//   are counted but not audited: the bucket that caused them bounds how many records a flood makes.
// - A good key or JWT is audited as a 'login' (actor the caller, tag the address) the first time
//   it is seen from an address, and again when that caller and address have been silent for
//   loginQuietMs (default an hour): who came in from where, without a record per request.
import { sharedAuditLog, type AuditLog } from '../../audit/audit-log';
import { counter } from '../../metrics/registry';
import { isLoopbackAddress, normaliseAddress } from './addresses';
import type { ApiKeyStore } from './api-key-store';
import type { JwtVerifier } from './jwt-verifier';
import { grants } from './scopes';
import { TokenBuckets, type TokenBucketRate } from './token-buckets';
import type { ApiGuard, ApiGuardOutcome, ApiPrincipal, ApiRequestInfo, ApiScope } from './types';

export const DEFAULT_RATE_LIMITS: { perKey: TokenBucketRate; perAddress: TokenBucketRate } = Object.freeze({
  perKey: { perSecond: 20, burst: 40 },
  perAddress: { perSecond: 10, burst: 20 },
});

export interface ApiGuardOptions {
  keys: ApiKeyStore;
  jwt?: JwtVerifier;
  rateLimit?: {
    /** each authenticated caller (default 20/s, burst 40) */
    perKey?: TokenBucketRate;
    /** failed authentications per address (default 10/s, burst 20) */
    perAddress?: TokenBucketRate;
    /** most buckets of each kind kept (default 10,000) */
    maxBuckets?: number;
    /** how often idle buckets are dropped, ms (default 30 s) */
    sweepMs?: number;
  };
  /** a caller silent this long (ms) from an address is audited as a login again (default 1 h) */
  loginQuietMs?: number;
  /** default: the process's shared audit log */
  audit?: AuditLog;
  /** told when an audit record or the keys file fails (never with a secret) */
  warn?: (message: string) => void;
  now?: () => number;
}

/** The label values of the failure counter: a short fixed set, never a key or an address. */
export type AuthFailureReason = 'missing' | 'malformed' | 'unknown-key' | 'wrong-secret' | 'revoked' | 'jwt-expired' | 'jwt-invalid' | 'keys-file' | 'not-loopback' | 'scope' | 'rate-limited';

export const AUTH_FAILURES_METRIC = 'edgegw_api_auth_failures_total';

function failureCounter() {
  return counter(AUTH_FAILURES_METRIC, 'operator API requests refused: missing or bad credentials, missing scope, not loopback, rate limited', ['reason'] as const);
}

const CHALLENGE = 'Bearer realm="edge-gateway"';
const INVALID_TOKEN = `${CHALLENGE}, error="invalid_token"`;

type Refusal = Extract<ApiGuardOutcome, { ok: false }>;

export const DEFAULT_LOGIN_QUIET_MS = 3_600_000;
/** callers and addresses remembered for login records at most; the longest silent is forgotten first */
const MAX_LOGIN_SESSIONS = 10_000;

export function createApiGuard(opts: ApiGuardOptions): ApiGuard {
  const perKey = new TokenBuckets({ ...(opts.rateLimit?.perKey ?? DEFAULT_RATE_LIMITS.perKey), maxBuckets: opts.rateLimit?.maxBuckets, sweepMs: opts.rateLimit?.sweepMs, now: opts.now });
  const perAddress = new TokenBuckets({
    ...(opts.rateLimit?.perAddress ?? DEFAULT_RATE_LIMITS.perAddress),
    maxBuckets: opts.rateLimit?.maxBuckets,
    sweepMs: opts.rateLimit?.sweepMs,
    now: opts.now,
  });
  const audit = opts.audit ?? sharedAuditLog();
  const warn = opts.warn ?? ((m: string) => process.emitWarning(m));
  const failures = failureCounter();
  let keysProblemTold: string | undefined;
  const now = opts.now ?? Date.now;
  const loginQuietMs = opts.loginQuietMs ?? DEFAULT_LOGIN_QUIET_MS;
  /** `${actor} ${address}` -> when last seen; in order of last use (a use moves it to the end) */
  const lastSeen = new Map<string, number>();

  /** A key or JWT that checked out: a login record when new from this address or back after silence. */
  const noteLogin = (req: ApiRequestInfo, address: string, principal: ApiPrincipal): void => {
    const session = `${principal.actor} ${address}`;
    const at = now();
    const before = lastSeen.get(session);
    lastSeen.delete(session);
    lastSeen.set(session, at);
    if (lastSeen.size > MAX_LOGIN_SESSIONS) lastSeen.delete(lastSeen.keys().next().value as string);
    if (before !== undefined && at - before < loginQuietMs) return;
    try {
      audit.record({ kind: 'login', actor: principal.actor, device: 'api', tag: address, old: null, new: { scopes: principal.scopes, method: req.method, path: req.path }, ok: true });
    } catch (err) {
      warn(`API: a login could not be audited: ${(err as Error).message}`);
    }
  };

  const count = (reason: AuthFailureReason) => failures.inc({ reason });

  /** Counts and audits a refusal (without the secret: subject is a key id, else the address is the tag). */
  const record = (req: ApiRequestInfo, address: string, reason: AuthFailureReason, error: string, actor: string, subject?: string, detail?: string): void => {
    count(reason);
    try {
      audit.record({
        kind: 'auth-failed',
        actor,
        device: 'api',
        tag: subject ?? address,
        old: null,
        new: { method: req.method, path: req.path, reason: detail ?? reason },
        ok: false,
        error,
      });
    } catch (err) {
      warn(`API: a refused request could not be audited: ${(err as Error).message}`);
    }
  };

  /** A refused credential: counted, audited, and drawn from the address's failure bucket. */
  const refuse = (req: ApiRequestInfo, address: string, reason: AuthFailureReason, status: 401 | 403, error: string, subject?: string, detail?: string): Refusal => {
    perAddress.take(address);
    record(req, address, reason, error, `api:address:${address}`, subject, detail);
    return { ok: false, status, error, ...(status === 401 ? { challenge: reason === 'missing' ? CHALLENGE : INVALID_TOKEN } : {}) };
  };

  const limited = (retryAfter: number, error: string): Refusal => {
    count('rate-limited');
    return { ok: false, status: 429, error: `${error}; retry in ${retryAfter} s`, retryAfter };
  };

  /**
   * A caller who is who they say: limited per caller, then held to the scope. A missing scope is
   * audited under the caller (a read key trying a write is worth knowing) but does not count
   * against the address: the credentials were good.
   */
  const admit = (req: ApiRequestInfo, address: string, principal: ApiPrincipal, scope: ApiScope, bucket: string): ApiGuardOutcome => {
    if (principal.kind !== 'loopback') noteLogin(req, address, principal);
    const wait = perKey.take(bucket);
    if (wait > 0) return limited(wait, 'too many requests');
    if (!grants(principal.scopes, scope)) {
      const error = `this needs the "${scope}" scope; ${principal.kind === 'loopback' ? 'callers on this host without a key have' : `${principal.kind} ${principal.id} has`} ${principal.scopes.join(', ') || 'none'}`;
      record(req, address, 'scope', error, principal.actor, principal.kind === 'loopback' ? undefined : principal.id);
      return { ok: false, status: 403, error };
    }
    return { ok: true, principal };
  };

  return {
    async check(req: ApiRequestInfo, scope: ApiScope): Promise<ApiGuardOutcome> {
      const address = normaliseAddress(req.remoteAddress);
      const blocked = perAddress.waitFor(address);
      if (blocked > 0) return limited(blocked, 'too many failed authentications from this address');

      const header = req.headers.authorization;
      const authorization = typeof header === 'string' ? header.trim() : '';
      const bearer = /^Bearer\s+(\S+)$/i.exec(authorization)?.[1];
      const keysProblem = opts.keys.problem;
      if (keysProblem && keysProblem.message !== keysProblemTold) {
        keysProblemTold = keysProblem.message;
        warn(`API: ${keysProblem.message}; every API key is refused until the file is fixed`);
      }
      const credentialsConfigured = opts.keys.hasActiveKeys() || opts.jwt !== undefined;

      if (!credentialsConfigured) {
        if (!isLoopbackAddress(address)) {
          return refuse(
            req,
            address,
            'not-loopback',
            403,
            'no API key or token is configured, so the API answers only callers on the gateway itself (loopback); create a key with: edge-gateway admin add-key NAME --scope read',
          );
        }
        const principal: ApiPrincipal = { kind: 'loopback', id: 'loopback', actor: 'api:loopback', scopes: ['read', 'write'] };
        return admit(req, address, principal, scope, `address:${address}`);
      }

      if (!bearer) {
        const what = authorization ? 'the Authorization header must be "Bearer <key or token>"' : 'this API needs a key or token: Authorization: Bearer <key or token>';
        return refuse(req, address, authorization ? 'malformed' : 'missing', 401, what);
      }

      if (bearer.startsWith('egw_') || !opts.jwt) {
        if (keysProblem) return refuse(req, address, 'keys-file', 401, "the gateway cannot read its API keys file; see the gateway's log");
        const checked = opts.keys.check(bearer);
        if (!checked.ok) {
          const error = checked.reason === 'revoked' ? `API key ${checked.keyId} was revoked` : 'the API key is not valid';
          return refuse(req, address, checked.reason, 401, error, checked.keyId);
        }
        const k = checked.key;
        return admit(req, address, { kind: 'key', id: k.id, actor: `api:key:${k.name}`, scopes: k.scopes }, scope, `key:${k.id}`);
      }

      const verified = await opts.jwt.verify(bearer);
      if (!verified.ok) return refuse(req, address, verified.reason === 'expired' ? 'jwt-expired' : 'jwt-invalid', 401, verified.message, undefined, `jwt ${verified.reason}`);
      return admit(req, address, { kind: 'jwt', id: verified.subject, actor: `api:jwt:${verified.subject}`, scopes: verified.scopes }, scope, `jwt:${verified.subject}`);
    },

    close(): void {
      perKey.close();
      perAddress.close();
      try {
        opts.keys.flushLastUsed();
      } catch (err) {
        warn(`API: the keys' last use could not be saved: ${(err as Error).message}`);
      }
    },
  };
}
