// The API's scopes as a ladder: admin > write > read. A key made with --scope write can read too
// (a client that writes a tag reads it back), admin manages keys and can do everything else; a
// write never passes with read alone.
import type { ApiScope } from './types';

export const API_SCOPES: readonly ApiScope[] = ['read', 'write', 'admin'];

const RANK: Record<ApiScope, number> = { read: 1, write: 2, admin: 3 };

export function isApiScope(value: unknown): value is ApiScope {
  return typeof value === 'string' && Object.prototype.hasOwnProperty.call(RANK, value);
}

/** Whether a caller holding `held` may do what needs `needed`. */
export function grants(held: readonly ApiScope[], needed: ApiScope): boolean {
  return held.some((s) => RANK[s] >= RANK[needed]);
}

/** Every scope one scope implies, lowest first: write -> [read, write]. */
export function impliedScopes(scope: ApiScope): ApiScope[] {
  return API_SCOPES.filter((s) => RANK[s] <= RANK[scope]);
}

/**
 * The scopes a JWT grants: the `scope` claim (space-separated, as OAuth 2 writes it) or the
 * `scopes` claim (an array). Values that are not ours are ignored, not refused: an identity
 * provider puts its own scopes (openid, profile...) in the same claim.
 */
export function scopesOfClaims(claims: Record<string, unknown>): ApiScope[] {
  const raw: unknown[] = typeof claims.scope === 'string' ? claims.scope.split(/\s+/) : Array.isArray(claims.scopes) ? claims.scopes : [];
  const out = new Set<ApiScope>();
  for (const s of raw) if (isApiScope(s)) for (const implied of impliedScopes(s)) out.add(implied);
  return API_SCOPES.filter((s) => out.has(s));
}
