// The API keys file: JSON, written whole to a temporary file and renamed over the old one (a
// reader never sees half a file, a crash leaves the old one), mode 0600 (it holds hashes and the
// keys' names and scopes, nothing anyone else on the box needs).
import { readFileSync } from 'node:fs';
import { writeJsonAtomically } from '../../system/fs/atomic-json';
import { isApiScope } from './scopes';
import type { ApiScope } from './types';

export const API_KEYS_FILE = 'api-keys.json';

export interface ApiKeyRecord {
  /** the public part of the key (hex), which finds the record without trying every hash */
  id: string;
  name: string;
  /** every scope the key holds, implied ones included (write: read and write) */
  scopes: ApiScope[];
  /** "sha256:<hex>" of the whole key as shown at creation */
  hash: string;
  /** ISO time */
  created: string;
  /** ISO time it was revoked; a revoked key stays listed so its id is never reused */
  revoked?: string;
}

/** The file could not be read, or holds something that is not a keys file: names the field. */
export class ApiKeyFileError extends Error {
  constructor(
    readonly file: string,
    readonly field: string,
    readonly reason: string,
  ) {
    super(`${file}: ${field}: ${reason}`);
    this.name = 'ApiKeyFileError';
  }
}

export const KEY_ID = /^[0-9a-f]{12}$/;
const HASH = /^sha256:[0-9a-f]{64}$/;

export function readKeyFile(file: string): ApiKeyRecord[] {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw new ApiKeyFileError(file, 'file', `cannot read: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (err) {
    throw new ApiKeyFileError(file, 'file', `not JSON: ${(err as Error).message}`);
  }
  const keys = (data as { keys?: unknown } | null)?.keys;
  if (!Array.isArray(keys)) throw new ApiKeyFileError(file, 'keys', 'missing list of keys');
  const ids = new Set<string>();
  return keys.map((k: unknown, i) => {
    const where = `keys[${i}]`;
    if (!k || typeof k !== 'object') throw new ApiKeyFileError(file, where, 'not an object');
    const r = k as Record<string, unknown>;
    if (typeof r.id !== 'string' || !KEY_ID.test(r.id)) throw new ApiKeyFileError(file, `${where}.id`, 'must be 12 hex digits');
    if (ids.has(r.id)) throw new ApiKeyFileError(file, `${where}.id`, `${r.id} is listed twice`);
    ids.add(r.id);
    if (typeof r.name !== 'string' || !r.name) throw new ApiKeyFileError(file, `${where}.name`, 'missing');
    if (!Array.isArray(r.scopes) || !r.scopes.every(isApiScope)) throw new ApiKeyFileError(file, `${where}.scopes`, 'must list read, write or admin');
    if (typeof r.hash !== 'string' || !HASH.test(r.hash)) throw new ApiKeyFileError(file, `${where}.hash`, 'must be sha256:<64 hex digits>');
    if (typeof r.created !== 'string') throw new ApiKeyFileError(file, `${where}.created`, 'missing');
    if (r.revoked !== undefined && typeof r.revoked !== 'string') throw new ApiKeyFileError(file, `${where}.revoked`, 'must be a time');
    const rec: ApiKeyRecord = { id: r.id, name: r.name, scopes: r.scopes, hash: r.hash, created: r.created };
    if (typeof r.revoked === 'string') rec.revoked = r.revoked;
    return rec;
  });
}

export function writeKeyFile(file: string, keys: ApiKeyRecord[]): void {
  writeJsonAtomically(file, { version: 1, keys });
}

/** Where the keys' last use is kept: beside the keys file, written by the runtime only. */
export function lastUsedFileOf(keysFile: string): string {
  return keysFile.replace(/(\.json)?$/i, '.last-used.json');
}

/** id -> ISO time of last use; a missing or damaged file is no record of use (it is a convenience). */
export function readLastUsed(file: string): Record<string, string> {
  try {
    const data: unknown = JSON.parse(readFileSync(file, 'utf8'));
    if (!data || typeof data !== 'object' || Array.isArray(data)) return {};
    return Object.fromEntries(Object.entries(data).filter(([id, t]) => KEY_ID.test(id) && typeof t === 'string'));
  } catch {
    return {};
  }
}
