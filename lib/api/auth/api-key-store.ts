// API keys: made here, shown once, kept as hashes in the keys file (key-file.ts).
//
// A key is `egw_<id>_<secret>`: the id (public, 12 hex digits) finds the record, the secret is
// 32 random bytes. The file keeps sha256 of the whole key. A slow password hash (bcrypt, scrypt)
// exists to make guessing a low-entropy password expensive; a 256-bit random secret cannot be
// guessed however fast the hash, and bcrypt would cost ~60 ms of CPU on every request.
//
// The runtime and the CLI share the file: the CLI adds and revokes (atomic rename), the runtime
// notices by the file's stat (at most every `statIntervalMs`, on use) and reloads, so a revoked key
// stops working without a restart. The runtime never rewrites the keys file: last use goes to a
// file of its own, so a revoke can never be undone by a runtime writing an older copy.
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { statSync } from 'node:fs';
import type { AuditLog } from '../../audit/audit-log';
import { KEY_ID, lastUsedFileOf, readKeyFile, readLastUsed, writeKeyFile, type ApiKeyRecord } from './key-file';
import { writeJsonAtomically } from '../../system/fs/atomic-json';
import { impliedScopes } from './scopes';
import type { ApiScope } from './types';

export const API_KEY_PREFIX = 'egw_';
const TOKEN = /^egw_([0-9a-f]{12})_([A-Za-z0-9_-]{43})$/;
const KEY_NAME = /^[A-Za-z0-9._@-]{1,64}$/;

export interface ApiKeyListing extends Omit<ApiKeyRecord, 'hash'> {
  /** ISO time, or absent when never used (or not since the runtime last saved it) */
  lastUsed?: string;
}

export type ApiKeyCheck =
  | { ok: true; key: ApiKeyRecord }
  /** keyId when the token named one (for the audit record; never the secret) */
  | { ok: false; reason: 'malformed' | 'unknown-key' | 'wrong-secret' | 'revoked'; keyId?: string };

/** A key command that cannot be done: an unknown or ambiguous key, a name in use, a bad name. */
export class ApiKeyError extends Error {
  constructor(
    readonly field: 'name' | 'key' | 'scope',
    message: string,
  ) {
    super(message);
    this.name = 'ApiKeyError';
  }
}

export interface ApiKeyStoreOptions {
  file: string;
  /** where key changes are audited (kind 'api-key'); none: not audited */
  audit?: AuditLog;
  /** how often, at most, the file's stat is checked for changes on use (default 250 ms) */
  statIntervalMs?: number;
  /** how often, at most, the last-use times are written (default 60 s) */
  lastUsedWriteMs?: number;
  /** told when the last-use file or an audit record cannot be written (a request is never refused for it) */
  warn?: (message: string) => void;
  now?: () => number;
}

function sha256(text: string): string {
  return `sha256:${createHash('sha256').update(text).digest('hex')}`;
}

export class ApiKeyStore {
  readonly file: string;
  private keys = new Map<string, ApiKeyRecord>();
  private signature = '';
  private checkedAt = -Infinity;
  private loadError?: Error;
  private readonly lastUsed = new Map<string, number>();
  private lastUsedDirty = false;
  private lastUsedWrittenAt: number;
  private readonly statIntervalMs: number;
  private readonly lastUsedWriteMs: number;
  private readonly now: () => number;
  private readonly audit?: AuditLog;
  private readonly warn: (message: string) => void;
  /** compared against when the id is unknown, so both paths do a hash and a comparison */
  private readonly decoyHash = sha256(randomBytes(32).toString('hex'));

  constructor(opts: ApiKeyStoreOptions) {
    this.file = opts.file;
    this.audit = opts.audit;
    this.statIntervalMs = opts.statIntervalMs ?? 250;
    this.lastUsedWriteMs = opts.lastUsedWriteMs ?? 60_000;
    this.now = opts.now ?? Date.now;
    this.warn = opts.warn ?? ((m: string) => process.emitWarning(m));
    this.lastUsedWrittenAt = this.now();
    this.reloadIfChanged(true);
  }

  /** Whether any key that is not revoked exists (or the file is unreadable: then no caller passes without one). */
  hasActiveKeys(): boolean {
    this.reloadIfChanged();
    if (this.loadError) return true;
    for (const k of this.keys.values()) if (!k.revoked) return true;
    return false;
  }

  /** Why the file could not be loaded, if it could not (the store then refuses every key). */
  get problem(): Error | undefined {
    this.reloadIfChanged();
    return this.loadError;
  }

  check(token: string): ApiKeyCheck {
    this.reloadIfChanged();
    const m = TOKEN.exec(token);
    if (!m) return { ok: false, reason: 'malformed' };
    const keyId = m[1];
    const key = this.loadError ? undefined : this.keys.get(keyId);
    const expected = Buffer.from(key?.hash ?? this.decoyHash);
    const given = Buffer.from(sha256(token));
    const same = expected.length === given.length && timingSafeEqual(expected, given);
    if (!key) return { ok: false, reason: 'unknown-key', keyId };
    if (!same) return { ok: false, reason: 'wrong-secret', keyId };
    if (key.revoked) return { ok: false, reason: 'revoked', keyId };
    this.noteUse(keyId);
    return { ok: true, key };
  }

  list(): ApiKeyListing[] {
    this.reloadIfChanged(true);
    if (this.loadError) throw this.loadError;
    const saved = readLastUsed(lastUsedFileOf(this.file));
    return [...this.keys.values()].map(({ hash: _hash, ...rest }) => {
      const mine = this.lastUsed.get(rest.id);
      const lastUsed = mine !== undefined ? new Date(mine).toISOString() : saved[rest.id];
      return lastUsed ? { ...rest, lastUsed } : rest;
    });
  }

  /** Makes a key; the returned token is the only time its secret exists outside the caller. */
  create(name: string, scope: ApiScope, actor: string): { token: string; key: ApiKeyRecord } {
    if (!KEY_NAME.test(name)) throw new ApiKeyError('name', `key name "${name}" must be 1-64 letters, digits, . _ @ -`);
    this.reloadIfChanged(true);
    if (this.loadError) throw this.loadError;
    if ([...this.keys.values()].some((k) => k.name === name && !k.revoked)) throw new ApiKeyError('name', `a key named "${name}" exists; revoke it first or choose another name`);
    let id: string;
    do id = randomBytes(6).toString('hex');
    while (this.keys.has(id));
    const token = `${API_KEY_PREFIX}${id}_${randomBytes(32).toString('base64url')}`;
    const key: ApiKeyRecord = { id, name, scopes: impliedScopes(scope), hash: sha256(token), created: new Date(this.now()).toISOString() };
    this.save([...this.keys.values(), key]);
    this.audited({ kind: 'api-key', actor, device: 'api', tag: name, old: null, new: { id, scopes: key.scopes, action: 'created' }, ok: true });
    return { token, key };
  }

  /** Revokes the key with this id, or the one active key with this name. */
  revoke(idOrName: string, actor: string): ApiKeyRecord {
    this.reloadIfChanged(true);
    if (this.loadError) throw this.loadError;
    const all = [...this.keys.values()];
    const key = KEY_ID.test(idOrName) && this.keys.has(idOrName) ? this.keys.get(idOrName) : (all.find((k) => k.name === idOrName && !k.revoked) ?? all.find((k) => k.name === idOrName));
    if (!key) throw new ApiKeyError('key', `no key with id or name "${idOrName}" (see: edge-gateway admin list-keys)`);
    if (key.revoked) throw new ApiKeyError('key', `key ${key.id} ("${key.name}") was already revoked at ${key.revoked}`);
    const revoked: ApiKeyRecord = { ...key, revoked: new Date(this.now()).toISOString() };
    this.save(all.map((k) => (k.id === key.id ? revoked : k)));
    this.audited({ kind: 'api-key', actor, device: 'api', tag: key.name, old: { id: key.id, revoked: false }, new: { id: key.id, revoked: true, action: 'revoked' }, ok: true });
    return revoked;
  }

  /** Writes the last-use times now (the runtime calls it on close). */
  flushLastUsed(): void {
    if (!this.lastUsedDirty) return;
    const file = lastUsedFileOf(this.file);
    const merged: Record<string, string> = readLastUsed(file);
    for (const [id, at] of this.lastUsed) merged[id] = new Date(at).toISOString();
    this.lastUsedWrittenAt = this.now();
    writeJsonAtomically(file, merged);
    this.lastUsedDirty = false;
  }

  /** The change is made by now: an audit file that fails is told, and never loses the key shown. */
  private audited(record: Parameters<AuditLog['record']>[0]): void {
    try {
      this.audit?.record(record);
    } catch (err) {
      this.warn(`API keys: ${record.tag} changed, but not audited: ${(err as Error).message}`);
    }
  }

  private noteUse(id: string): void {
    this.lastUsed.set(id, this.now());
    this.lastUsedDirty = true;
    if (this.now() - this.lastUsedWrittenAt < this.lastUsedWriteMs) return;
    try {
      this.flushLastUsed();
    } catch (err) {
      this.warn(`API keys: last use not saved to ${lastUsedFileOf(this.file)}: ${(err as Error).message}`);
    }
  }

  private save(keys: ApiKeyRecord[]): void {
    writeKeyFile(this.file, keys);
    this.reloadIfChanged(true);
  }

  private reloadIfChanged(force = false): void {
    const now = this.now();
    if (!force && now - this.checkedAt < this.statIntervalMs) return;
    this.checkedAt = now;
    let signature: string;
    try {
      const st = statSync(this.file);
      signature = `${st.ino}:${st.size}:${st.mtimeMs}`;
    } catch (err) {
      signature = (err as NodeJS.ErrnoException).code === 'ENOENT' ? 'absent' : `error:${(err as NodeJS.ErrnoException).code}`;
    }
    if (signature === this.signature && !force) return;
    this.signature = signature;
    try {
      this.keys = new Map(readKeyFile(this.file).map((k) => [k.id, k]));
      this.loadError = undefined;
    } catch (err) {
      this.keys = new Map();
      this.loadError = err as Error;
    }
  }
}
