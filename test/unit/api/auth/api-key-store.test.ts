import { test, describe, beforeEach, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ApiKeyError, ApiKeyStore } from '../../../../lib/api/auth/api-key-store';
import { ApiKeyFileError, lastUsedFileOf, readKeyFile } from '../../../../lib/api/auth/key-file';
import { AuditLog } from '../../../../lib/audit/audit-log';

let dir: string;
let file: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'edgegw-keys-'));
  file = join(dir, 'api-keys.json');
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe('ApiKeyStore', () => {
  test('a new key is egw_<id>_<secret>, stored only as a sha256 hash, in a 0600 file', () => {
    const store = new ApiKeyStore({ file });
    const { token, key } = store.create('scada', 'write', 'cli:test');
    assert.match(token, /^egw_[0-9a-f]{12}_[A-Za-z0-9_-]{43}$/);
    assert.equal(token.slice(4, 16), key.id);
    assert.deepEqual(key.scopes, ['read', 'write']);
    const text = readFileSync(file, 'utf8');
    assert.ok(!text.includes(token.slice(17)), 'the secret is not in the file');
    assert.match(text, /"hash": "sha256:[0-9a-f]{64}"/);
    assert.equal(statSync(file).mode & 0o777, 0o600);
    assert.deepEqual(
      readdirSync(dir).filter((f) => f.endsWith('.tmp')),
      [],
      'no temporary file left',
    );
  });

  test('check: the key passes; a wrong secret, an unknown id, a malformed token do not', () => {
    const store = new ApiKeyStore({ file });
    const { token, key } = store.create('scada', 'read', 'cli:test');
    const ok = store.check(token);
    assert.ok(ok.ok && ok.key.id === key.id);
    const last = token.at(-1) === 'A' ? 'B' : 'A';
    assert.deepEqual(store.check(token.slice(0, -1) + last), { ok: false, reason: 'wrong-secret', keyId: key.id });
    assert.deepEqual(store.check(`egw_000000000000_${token.slice(17)}`), { ok: false, reason: 'unknown-key', keyId: '000000000000' });
    assert.deepEqual(store.check('egw_nothing'), { ok: false, reason: 'malformed' });
  });

  test('a key revoked by another process (the CLI) stops working without a restart', () => {
    let now = 1_000_000;
    const runtime = new ApiKeyStore({ file, now: () => now, statIntervalMs: 250 });
    const cli = new ApiKeyStore({ file });
    const { token, key } = cli.create('ops', 'admin', 'cli:test');
    now += 300;
    assert.ok(runtime.check(token).ok, 'the runtime sees the key added by the CLI');
    assert.equal(runtime.hasActiveKeys(), true);
    cli.revoke('ops', 'cli:test');
    now += 300;
    assert.deepEqual(runtime.check(token), { ok: false, reason: 'revoked', keyId: key.id });
    assert.equal(runtime.hasActiveKeys(), false, 'a revoked key alone is no key');
    assert.throws(
      () => cli.revoke(key.id, 'cli:test'),
      (e: unknown) => e instanceof ApiKeyError && /already revoked/.test(e.message),
    );
    assert.throws(
      () => cli.revoke('nobody', 'cli:test'),
      (e: unknown) => e instanceof ApiKeyError && e.field === 'key',
    );
  });

  test('names: refused when malformed or in use by an active key, reusable after revoking', () => {
    const store = new ApiKeyStore({ file });
    assert.throws(
      () => store.create('has space', 'read', 'a'),
      (e: unknown) => e instanceof ApiKeyError && e.field === 'name',
    );
    store.create('one', 'read', 'a');
    assert.throws(() => store.create('one', 'read', 'a'), /exists/);
    store.revoke('one', 'a');
    const again = store.create('one', 'write', 'a');
    assert.equal(store.revoke('one', 'a').id, again.key.id, 'revoking by name picks the active key');
  });

  test('last use is kept in memory and written at most once per interval, to a file of its own', () => {
    let now = Date.parse('2026-01-01T00:00:00Z');
    const store = new ApiKeyStore({ file, now: () => now, lastUsedWriteMs: 60_000 });
    const { token, key } = store.create('k', 'read', 'a');
    const keysBefore = readFileSync(file, 'utf8');
    now += 1000;
    store.check(token);
    assert.equal(store.list()[0].lastUsed, '2026-01-01T00:00:01.000Z');
    assert.throws(() => readFileSync(lastUsedFileOf(file)), /ENOENT/, 'not written within the interval');
    now += 60_000;
    store.check(token);
    assert.deepEqual(JSON.parse(readFileSync(lastUsedFileOf(file), 'utf8')), { [key.id]: '2026-01-01T00:01:01.000Z' });
    assert.equal(readFileSync(file, 'utf8'), keysBefore, 'the runtime never rewrites the keys file');
    now += 5;
    store.check(token);
    store.flushLastUsed();
    assert.equal(new ApiKeyStore({ file }).list()[0].lastUsed, '2026-01-01T00:01:01.005Z', 'another process reads it');
  });

  test('list never holds a hash or secret', () => {
    const store = new ApiKeyStore({ file });
    const { token } = store.create('k', 'read', 'a');
    const listed = JSON.stringify(store.list());
    assert.ok(!listed.includes('sha256') && !listed.includes(token.slice(17)));
    assert.deepEqual(Object.keys(store.list()[0]).sort(), ['created', 'id', 'name', 'scopes']);
  });

  test('key changes are audited (kind api-key) without the secret', () => {
    const audit = new AuditLog();
    const store = new ApiKeyStore({ file, audit });
    const { token, key } = store.create('k', 'write', 'cli:ops');
    store.revoke(key.id, 'cli:ops');
    const records = audit.recent();
    assert.deepEqual(
      records.map((r) => [r.kind, r.actor, r.device, r.tag, (r.new as { action: string }).action]),
      [
        ['api-key', 'cli:ops', 'api', 'k', 'created'],
        ['api-key', 'cli:ops', 'api', 'k', 'revoked'],
      ],
    );
    assert.ok(!JSON.stringify(records).includes(token.slice(17)));
  });

  test('a damaged keys file refuses every key (never falls back to "no keys"), naming the field', () => {
    const store = new ApiKeyStore({ file, statIntervalMs: 0 });
    const { token } = store.create('k', 'read', 'a');
    writeFileSync(file, JSON.stringify({ keys: [{ id: 'zz' }] }));
    assert.equal(store.hasActiveKeys(), true);
    assert.ok(store.problem instanceof ApiKeyFileError);
    assert.match(String(store.problem?.message), /keys\[0\]\.id: must be 12 hex digits/);
    assert.equal(store.check(token).ok, false);
    assert.throws(() => readKeyFile(file), ApiKeyFileError);
  });
});
