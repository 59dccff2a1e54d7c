// Bearer JWTs checked with `jose`: signature with one configured key and only the configured
// algorithms (a token cannot choose "none" or switch an RS256 key to HS256), exp required, nbf
// honoured, both with a small clock tolerance; issuer and audience when configured.
// jose is an ES module: it is loaded with a real dynamic import, once, so this CommonJS build
// works on Node 20.17 (which cannot require() an ES module).
import { createPublicKey } from 'node:crypto';
import type * as Jose from 'jose';
import { scopesOfClaims } from './scopes';
import type { ApiScope } from './types';

export type JwtKeySource = { kind: 'secret'; secret: string } | { kind: 'public-key'; pem: string } | { kind: 'jwks'; jwks: Jose.JSONWebKeySet };

export interface JwtVerifierOptions {
  key: JwtKeySource;
  /** the algorithms a token may use (pinned; never taken from the token) */
  algorithms: string[];
  issuer?: string;
  audience?: string | string[];
  /** seconds of clock difference accepted on exp and nbf (default 30) */
  clockToleranceSeconds?: number;
}

export type JwtRefusal = 'expired' | 'not-yet-valid' | 'wrong-algorithm' | 'wrong-issuer' | 'wrong-audience' | 'bad-signature' | 'malformed' | 'no-expiry';

export type JwtCheck = { ok: true; subject: string; scopes: ApiScope[] } | { ok: false; reason: JwtRefusal; message: string };

// tsc would turn `import('jose')` into require() in this CommonJS build; a Function keeps it a real import
// eslint-disable-next-line @typescript-eslint/no-implied-eval
const importModule = new Function('specifier', 'return import(specifier)') as (specifier: string) => Promise<unknown>;
let josePromise: Promise<typeof Jose> | undefined;

/** jose, imported once per process. */
export function loadJose(): Promise<typeof Jose> {
  josePromise ??= importModule('jose') as Promise<typeof Jose>;
  return josePromise;
}

const CLAIM_REFUSALS: Record<string, JwtRefusal> = { nbf: 'not-yet-valid', iss: 'wrong-issuer', aud: 'wrong-audience', exp: 'no-expiry' };

export class JwtVerifier {
  private keyPromise?: Promise<Uint8Array | Jose.CryptoKey | Jose.JWTVerifyGetKey>;

  constructor(private readonly opts: JwtVerifierOptions) {}

  async verify(token: string): Promise<JwtCheck> {
    const jose = await loadJose();
    const key = await (this.keyPromise ??= this.prepareKey(jose));
    try {
      const options: Jose.JWTVerifyOptions = {
        algorithms: this.opts.algorithms,
        clockTolerance: this.opts.clockToleranceSeconds ?? 30,
        requiredClaims: ['exp'],
        ...(this.opts.issuer !== undefined ? { issuer: this.opts.issuer } : {}),
        ...(this.opts.audience !== undefined ? { audience: this.opts.audience } : {}),
      };
      const { payload } = typeof key === 'function' ? await jose.jwtVerify(token, key, options) : await jose.jwtVerify(token, key, options);
      return { ok: true, subject: typeof payload.sub === 'string' && payload.sub ? payload.sub : 'unknown', scopes: scopesOfClaims(payload) };
    } catch (err) {
      return refusalOf(err as Jose.errors.JOSEError & { claim?: string });
    }
  }

  private async prepareKey(jose: typeof Jose): Promise<Uint8Array | Jose.CryptoKey | Jose.JWTVerifyGetKey> {
    const k = this.opts.key;
    if (k.kind === 'secret') return new TextEncoder().encode(k.secret);
    // a public key verifies one algorithm (the settings pin it, or it follows from the key)
    if (k.kind === 'public-key') return jose.importSPKI(k.pem, this.opts.algorithms[0]);
    return jose.createLocalJWKSet(k.jwks);
  }
}

function refusalOf(err: Error & { code?: string; claim?: string }): { ok: false; reason: JwtRefusal; message: string } {
  switch (err.code) {
    case 'ERR_JWT_EXPIRED':
      return { ok: false, reason: 'expired', message: 'the token has expired' };
    case 'ERR_JOSE_ALG_NOT_ALLOWED':
      return { ok: false, reason: 'wrong-algorithm', message: "the token's algorithm is not the one configured" };
    case 'ERR_JWT_CLAIM_VALIDATION_FAILED': {
      const reason = CLAIM_REFUSALS[err.claim ?? ''] ?? 'malformed';
      return { ok: false, reason, message: `the token's "${err.claim ?? '?'}" claim is not accepted` };
    }
    case 'ERR_JWS_SIGNATURE_VERIFICATION_FAILED':
    case 'ERR_JWKS_NO_MATCHING_KEY':
      return { ok: false, reason: 'bad-signature', message: "the token's signature does not verify" };
    default:
      return { ok: false, reason: 'malformed', message: 'the token is not a valid JWT' };
  }
}

/** The algorithm a public key signs with, for a key configured without one. */
export function algorithmOfPublicKey(pem: string): string | undefined {
  const key = createPublicKey(pem);
  if (key.asymmetricKeyType === 'rsa') return 'RS256';
  if (key.asymmetricKeyType === 'ed25519') return 'EdDSA';
  if (key.asymmetricKeyType === 'ec') {
    const curve = key.asymmetricKeyDetails?.namedCurve;
    return curve === 'prime256v1' ? 'ES256' : curve === 'secp384r1' ? 'ES384' : curve === 'secp521r1' ? 'ES512' : undefined;
  }
  return undefined;
}
