// The API's authentication settings: `edgegw.api` in Node-RED's settings (the edge-gateway
// runtime fills it from the `api` block of its settings file). Only the fields below are read
// here; the routes' own fields (base path, CORS, body limit) live in the same block.
//
//   api:
//     keysFile: api-keys.json            # relative to the user directory (this is the default)
//     jwt:                               # optional; exactly one of secret, publicKeyFile, jwksFile
//       secret: "<32 characters or more>"   # HS256 (algorithms: [HS384] etc. to change)
//       publicKeyFile: /etc/edge-gateway/issuer.pem   # RS/ES/EdDSA, algorithm from the key
//       jwksFile: /etc/edge-gateway/issuer.jwks.json  # algorithms from the keys' "alg" or given
//       algorithms: [RS256]
//       issuer: https://login.example.com/
//       audience: edge-gateway
//       clockToleranceSeconds: 30
//     rateLimit:
//       perKey: { perSecond: 20, burst: 40 }
//       perAddress: { perSecond: 10, burst: 20 }   # failed authentications
import { readFileSync } from 'node:fs';
import { isAbsolute, resolve } from 'node:path';
import type { JSONWebKeySet } from 'jose';
import type { AuditLog } from '../../audit/audit-log';
import { ApiKeyStore } from './api-key-store';
import { createApiGuard, DEFAULT_RATE_LIMITS } from './guard';
import { algorithmOfPublicKey, JwtVerifier, type JwtVerifierOptions } from './jwt-verifier';
import { API_KEYS_FILE } from './key-file';
import type { TokenBucketRate } from './token-buckets';
import type { ApiGuard } from './types';

/** A setting of the API that cannot be used: names the field (api.jwt.secret) and why. */
export class ApiSettingsError extends Error {
  constructor(
    readonly field: string,
    readonly reason: string,
  ) {
    super(`${field}: ${reason}`);
    this.name = 'ApiSettingsError';
  }
}

export interface ApiAuthSettings {
  /** absolute path of the keys file */
  keysFile: string;
  jwt?: JwtVerifierOptions;
  rateLimit: { perKey: TokenBucketRate; perAddress: TokenBucketRate };
}

const HMAC = ['HS256', 'HS384', 'HS512'];
const ASYMMETRIC = ['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512', 'ES256', 'ES384', 'ES512', 'EdDSA'];
/** 256 bits, what HS256 needs to be as strong as its hash (RFC 7518 section 3.2) */
const MIN_SECRET = 32;

type Obj = Record<string, unknown>;

function objectAt(raw: unknown, field: string): Obj | undefined {
  if (raw === undefined || raw === null) return undefined;
  if (typeof raw !== 'object' || Array.isArray(raw)) throw new ApiSettingsError(field, 'must be an object');
  return raw as Obj;
}

function textAt(raw: unknown, field: string): string | undefined {
  if (raw === undefined) return undefined;
  if (typeof raw !== 'string' || raw.trim() === '') throw new ApiSettingsError(field, 'must be a non-empty text');
  return raw;
}

function readFileAt(path: string, field: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (err) {
    throw new ApiSettingsError(field, `cannot read ${path}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
}

function algorithmsAt(raw: unknown, field: string, allowed: string[]): string[] | undefined {
  if (raw === undefined) return undefined;
  const list = typeof raw === 'string' ? [raw] : raw;
  if (!Array.isArray(list) || list.length === 0) throw new ApiSettingsError(field, `must list algorithms (${allowed.join(', ')})`);
  for (const a of list) if (typeof a !== 'string' || !allowed.includes(a)) throw new ApiSettingsError(field, `"${String(a)}" is not one of ${allowed.join(', ')} for this key`);
  return list as string[];
}

function rateAt(raw: unknown, field: string, fallback: TokenBucketRate): TokenBucketRate {
  const o = objectAt(raw, field);
  if (!o) return { ...fallback };
  const out = { ...fallback };
  for (const k of ['perSecond', 'burst'] as const) {
    const v = o[k];
    if (v === undefined) continue;
    if (typeof v !== 'number' || !Number.isFinite(v) || v <= 0 || (k === 'burst' && v < 1))
      throw new ApiSettingsError(`${field}.${k}`, `must be a number above 0${k === 'burst' ? ' (at least 1)' : ''}`);
    out[k] = v;
  }
  return out;
}

function jwtAt(raw: unknown, userDir: string): JwtVerifierOptions | undefined {
  const j = objectAt(raw, 'api.jwt');
  if (!j) return undefined;
  const secret = textAt(j.secret, 'api.jwt.secret');
  const publicKeyFile = textAt(j.publicKeyFile, 'api.jwt.publicKeyFile');
  const jwksFile = textAt(j.jwksFile, 'api.jwt.jwksFile');
  const given = [secret, publicKeyFile, jwksFile].filter((x) => x !== undefined).length;
  if (given !== 1) throw new ApiSettingsError('api.jwt', 'needs exactly one of secret (HS256), publicKeyFile (PEM) or jwksFile');
  const common = {
    ...(j.issuer !== undefined ? { issuer: textAt(j.issuer, 'api.jwt.issuer') } : {}),
    ...(j.audience !== undefined ? { audience: Array.isArray(j.audience) ? j.audience.map((a, i) => textAt(a, `api.jwt.audience[${i}]`) as string) : textAt(j.audience, 'api.jwt.audience') } : {}),
    clockToleranceSeconds: 30,
  };
  if (j.clockToleranceSeconds !== undefined) {
    const t = j.clockToleranceSeconds;
    if (typeof t !== 'number' || !Number.isFinite(t) || t < 0 || t > 300) throw new ApiSettingsError('api.jwt.clockToleranceSeconds', 'must be 0..300 seconds');
    common.clockToleranceSeconds = t;
  }
  if (secret !== undefined) {
    if (Buffer.byteLength(secret) < MIN_SECRET) throw new ApiSettingsError('api.jwt.secret', `must have at least ${MIN_SECRET} characters (256 bits for HS256)`);
    return { key: { kind: 'secret', secret }, algorithms: algorithmsAt(j.algorithms, 'api.jwt.algorithms', HMAC) ?? ['HS256'], ...common };
  }
  if (publicKeyFile !== undefined) {
    const path = isAbsolute(publicKeyFile) ? publicKeyFile : resolve(userDir, publicKeyFile);
    const pem = readFileAt(path, 'api.jwt.publicKeyFile');
    let inferred: string | undefined;
    try {
      inferred = algorithmOfPublicKey(pem);
    } catch (err) {
      throw new ApiSettingsError('api.jwt.publicKeyFile', `${path} is not a PEM public key: ${(err as Error).message}`);
    }
    const algorithms = algorithmsAt(j.algorithms, 'api.jwt.algorithms', ASYMMETRIC) ?? (inferred ? [inferred] : undefined);
    if (!algorithms) throw new ApiSettingsError('api.jwt.algorithms', `the key in ${path} names no algorithm; set one (${ASYMMETRIC.join(', ')})`);
    if (algorithms.length > 1) throw new ApiSettingsError('api.jwt.algorithms', 'one public key verifies one algorithm; list one');
    return { key: { kind: 'public-key', pem }, algorithms, ...common };
  }
  const path = isAbsolute(jwksFile as string) ? (jwksFile as string) : resolve(userDir, jwksFile as string);
  let jwks: JSONWebKeySet;
  try {
    jwks = JSON.parse(readFileAt(path, 'api.jwt.jwksFile')) as JSONWebKeySet;
  } catch (err) {
    if (err instanceof ApiSettingsError) throw err;
    throw new ApiSettingsError('api.jwt.jwksFile', `${path} is not JSON: ${(err as Error).message}`);
  }
  if (!jwks || !Array.isArray(jwks.keys) || jwks.keys.length === 0) throw new ApiSettingsError('api.jwt.jwksFile', `${path} holds no "keys" list`);
  const fromKeys = [...new Set(jwks.keys.map((k) => k.alg).filter((a): a is string => typeof a === 'string'))];
  const algorithms = algorithmsAt(j.algorithms, 'api.jwt.algorithms', ASYMMETRIC) ?? (fromKeys.length ? algorithmsAt(fromKeys, `api.jwt.jwksFile (${path}) keys' alg`, ASYMMETRIC) : undefined);
  if (!algorithms) throw new ApiSettingsError('api.jwt.algorithms', `the keys in ${path} name no "alg"; set algorithms (${ASYMMETRIC.join(', ')})`);
  return { key: { kind: 'jwks', jwks }, algorithms, ...common };
}

/** The authentication part of `edgegw.api`, checked; files it names are read now. */
export function parseApiAuthSettings(raw: unknown, userDir: string): ApiAuthSettings {
  const api = objectAt(raw, 'api') ?? {};
  const keysFile = textAt(api.keysFile, 'api.keysFile') ?? API_KEYS_FILE;
  const rate = objectAt(api.rateLimit, 'api.rateLimit') ?? {};
  const jwt = jwtAt(api.jwt, userDir);
  return {
    keysFile: isAbsolute(keysFile) ? keysFile : resolve(userDir, keysFile),
    ...(jwt ? { jwt } : {}),
    rateLimit: { perKey: rateAt(rate.perKey, 'api.rateLimit.perKey', DEFAULT_RATE_LIMITS.perKey), perAddress: rateAt(rate.perAddress, 'api.rateLimit.perAddress', DEFAULT_RATE_LIMITS.perAddress) },
  };
}

/**
 * The guard the gateway-api node uses: `apiGuardFromSettings(RED.settings.edgegw?.api, RED.settings.userDir)`.
 * Throws ApiSettingsError for a setting it cannot use.
 */
export function apiGuardFromSettings(raw: unknown, userDir: string, extra: { audit?: AuditLog; warn?: (message: string) => void } = {}): ApiGuard {
  const s = parseApiAuthSettings(raw, userDir);
  return createApiGuard({
    keys: new ApiKeyStore({ file: s.keysFile, ...(extra.warn ? { warn: extra.warn } : {}) }),
    ...(s.jwt ? { jwt: new JwtVerifier(s.jwt) } : {}),
    rateLimit: s.rateLimit,
    ...extra,
  });
}
