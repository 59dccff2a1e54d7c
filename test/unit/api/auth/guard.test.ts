import { test, describe, beforeEach, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ApiKeyStore } from '../../../../lib/api/auth/api-key-store';
import { AUTH_FAILURES_METRIC, createApiGuard, type ApiGuardOptions } from '../../../../lib/api/auth/guard';
import { JwtVerifier, loadJose } from '../../../../lib/api/auth/jwt-verifier';
import type { ApiGuard, ApiRequestInfo } from '../../../../lib/api/auth/types';
import { AuditLog } from '../../../../lib/audit/audit-log';
import { metricsRegistry } from '../../../../lib/metrics/registry';

let dir: string;
let keys: ApiKeyStore;
let audit: AuditLog;
const guards: ApiGuard[] = [];
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'edgegw-guard-'));
  keys = new ApiKeyStore({ file: join(dir, 'api-keys.json'), statIntervalMs: 0 });
  audit = new AuditLog();
});
afterEach(() => {
  for (const g of guards.splice(0)) g.close();
  rmSync(dir, { recursive: true, force: true });
});

function guard(opts: Partial<ApiGuardOptions> = {}): ApiGuard {
  const g = createApiGuard({ keys, audit, rateLimit: { sweepMs: 0, perKey: { perSecond: 1000, burst: 1000 }, perAddress: { perSecond: 1000, burst: 1000 } }, ...opts });
  guards.push(g);
  return g;
}

function req(remoteAddress: string, authorization?: string, method = 'GET'): ApiRequestInfo {
  return { headers: authorization ? { authorization } : {}, remoteAddress, method, path: '/api/tags' };
}

async function failures(reason: string): Promise<number> {
  const metric = await metricsRegistry().getSingleMetric(AUTH_FAILURES_METRIC)?.get();
  return metric?.values.find((v) => v.labels.reason === reason)?.value ?? 0;
}

describe('API guard', () => {
  test('no key and no JWT: loopback callers read and write, others get 403 naming why', async () => {
    const g = guard();
    for (const addr of ['127.0.0.1', '::1', '::ffff:127.0.0.1']) {
      const out = await g.check(req(addr), 'write');
      assert.ok(out.ok && out.principal.kind === 'loopback' && out.principal.actor === 'api:loopback', addr);
    }
    assert.deepEqual(((await g.check(req('127.0.0.1'), 'admin')) as { status: number }).status, 403, 'loopback has no admin');
    const before = await failures('not-loopback');
    const remote = await g.check(req('10.1.2.3'), 'read');
    assert.equal(remote.ok, false);
    assert.equal((remote as { status: number }).status, 403);
    assert.match((remote as { error: string }).error, /only callers on the gateway itself \(loopback\).*admin add-key/);
    assert.equal(await failures('not-loopback'), before + 1);
  });

  test('a good key or JWT is audited as a login: first from an address, then again only after loginQuietMs of silence', async () => {
    let clock = 1_000_000;
    const g = guard({ now: () => clock, loginQuietMs: 3_600_000 });
    const reader = keys.create('reader', 'read', 'test');
    const logins = () => audit.recent().filter((r) => r.kind === 'login');
    for (let i = 0; i < 5; i++) assert.ok((await g.check(req('10.0.0.9', `Bearer ${reader.token}`), 'read')).ok);
    assert.equal(logins().length, 1, 'one record for five requests');
    assert.deepEqual([logins()[0].actor, logins()[0].device, logins()[0].tag, logins()[0].ok], ['api:key:reader', 'api', '10.0.0.9', true]);
    assert.ok(!JSON.stringify(logins()).includes(reader.token.slice(17)), 'no secret in the record');
    await g.check(req('10.0.0.10', `Bearer ${reader.token}`), 'read');
    assert.deepEqual(
      logins().map((r) => r.tag),
      ['10.0.0.9', '10.0.0.10'],
      'another address is another login',
    );
    clock += 3_599_000;
    await g.check(req('10.0.0.9', `Bearer ${reader.token}`), 'read');
    assert.equal(logins().length, 2, 'a request within the hour keeps the session');
    clock += 3_600_000;
    await g.check(req('10.0.0.9', `Bearer ${reader.token}`), 'read');
    assert.equal(logins().length, 3, 'back after an hour of silence');
    await g.check(req('10.0.0.9', 'Bearer egw_000000000000_' + 'x'.repeat(43)), 'read');
    assert.equal(logins().length, 3, 'a refused key is no login');
  });

  test('with a key: every caller needs one, loopback too; scopes are enforced; a write needs write', async () => {
    const g = guard();
    const reader = keys.create('reader', 'read', 'test');
    const writer = keys.create('writer', 'write', 'test');
    const local = await g.check(req('127.0.0.1'), 'read');
    assert.equal((local as { status: number }).status, 401);
    assert.equal((local as { challenge: string }).challenge, 'Bearer realm="edge-gateway"');
    const ok = await g.check(req('10.0.0.9', `Bearer ${reader.token}`), 'read');
    assert.ok(ok.ok);
    assert.deepEqual(ok.principal, { kind: 'key', id: reader.key.id, actor: 'api:key:reader', scopes: ['read'] });
    const denied = await g.check(req('10.0.0.9', `Bearer ${reader.token}`, 'PUT'), 'write');
    assert.equal((denied as { status: number }).status, 403);
    assert.match((denied as { error: string }).error, /needs the "write" scope/);
    const scopeRecord = audit.recent().at(-1);
    assert.deepEqual([scopeRecord?.kind, scopeRecord?.actor, scopeRecord?.tag, (scopeRecord?.new as { reason: string }).reason], ['auth-failed', 'api:key:reader', reader.key.id, 'scope']);
    assert.ok((await g.check(req('10.0.0.9', `Bearer ${writer.token}`, 'PUT'), 'write')).ok);
    assert.equal(((await g.check(req('10.0.0.9', `Bearer ${writer.token}`), 'admin')) as { status: number }).status, 403);
  });

  test('a revoked key is refused with 401 and audited with its id, never the secret', async () => {
    const g = guard();
    const { token, key } = keys.create('old', 'read', 'test');
    keys.create('other', 'read', 'test');
    keys.revoke(key.id, 'test');
    const before = await failures('revoked');
    const out = await g.check(req('10.0.0.5', `Bearer ${token}`), 'read');
    assert.deepEqual(out, { ok: false, status: 401, error: `API key ${key.id} was revoked`, challenge: 'Bearer realm="edge-gateway", error="invalid_token"' });
    assert.equal(await failures('revoked'), before + 1);
    const rec = audit.recent().find((r) => r.kind === 'auth-failed');
    assert.ok(rec);
    assert.equal(rec.device, 'api');
    assert.equal(rec.tag, key.id);
    assert.equal(rec.ok, false);
    assert.ok(!JSON.stringify(audit.recent()).includes(token.slice(17)), 'no secret in the audit trail');
  });

  test('a bad key is audited under the address when it names no id; answers never echo the token', async () => {
    const g = guard();
    keys.create('k', 'read', 'test');
    const bogus = 'egw_not-a-key-at-all-but-long-enough-to-look-like-one';
    const out = await g.check(req('::ffff:10.9.8.7', `Bearer ${bogus}`), 'read');
    assert.equal((out as { status: number }).status, 401);
    assert.ok(!JSON.stringify(out).includes(bogus));
    const rec = audit.recent().at(-1);
    assert.equal(rec?.kind, 'auth-failed');
    assert.equal(rec?.tag, '10.9.8.7');
    assert.deepEqual(rec?.new, { method: 'GET', path: '/api/tags', reason: 'malformed' });
    assert.ok(!JSON.stringify(rec).includes(bogus));
  });

  test('429 with Retry-After under a burst of one key; other keys are not affected', async () => {
    const g = guard({ rateLimit: { sweepMs: 0, perKey: { perSecond: 2, burst: 5 } } });
    const a = keys.create('a', 'read', 'test');
    const b = keys.create('b', 'read', 'test');
    const before = await failures('rate-limited');
    const outcomes = await Promise.all(Array.from({ length: 8 }, () => g.check(req('10.0.0.1', `Bearer ${a.token}`), 'read')));
    assert.equal(outcomes.filter((o) => o.ok).length, 5);
    const limited = outcomes.filter((o) => !o.ok) as Array<{ status: number; retryAfter: number; error: string }>;
    assert.equal(limited.length, 3);
    for (const l of limited) {
      assert.equal(l.status, 429);
      assert.equal(l.retryAfter, 1);
      assert.match(l.error, /retry in 1 s/);
    }
    assert.equal(await failures('rate-limited'), before + 3);
    assert.ok((await g.check(req('10.0.0.1', `Bearer ${b.token}`), 'read')).ok);
  });

  test('an address with too many failed authentications gets 429 before its credentials are checked', async () => {
    const g = guard({ rateLimit: { sweepMs: 0, perAddress: { perSecond: 0.5, burst: 3 } } });
    const { token } = keys.create('k', 'read', 'test');
    for (let i = 0; i < 3; i++) assert.equal(((await g.check(req('10.6.6.6', 'Bearer egw_guess'), 'read')) as { status: number }).status, 401);
    const blocked = await g.check(req('10.6.6.6', `Bearer ${token}`), 'read');
    assert.equal((blocked as { status: number }).status, 429);
    assert.equal((blocked as { retryAfter: number }).retryAfter, 2);
    assert.match((blocked as { error: string }).error, /too many failed authentications from this address/);
    assert.ok((await g.check(req('10.7.7.7', `Bearer ${token}`), 'read')).ok, 'other addresses are not affected');
    assert.equal(audit.recent().filter((r) => r.kind === 'auth-failed').length, 3, 'the 429 is not audited');
  });

  test('JWT: a good token passes with its scopes; expired and wrong audience are 401 and counted', async () => {
    const secret = 'jwt-secret-for-the-guard-test-0123456789';
    const g = guard({ jwt: new JwtVerifier({ key: { kind: 'secret', secret }, algorithms: ['HS256'], audience: 'edge-gateway' }) });
    const { SignJWT } = await loadJose();
    const sign = (claims: Record<string, unknown>) => new SignJWT(claims).setProtectedHeader({ alg: 'HS256' }).sign(new TextEncoder().encode(secret));
    const exp = Math.floor(Date.now() / 1000) + 60;
    const ok = await g.check(req('10.0.0.2', `Bearer ${await sign({ sub: 'hmi', aud: 'edge-gateway', scope: 'write', exp })}`), 'write');
    assert.ok(ok.ok);
    assert.deepEqual(ok.principal, { kind: 'jwt', id: 'hmi', actor: 'api:jwt:hmi', scopes: ['read', 'write'] });
    const expiredBefore = await failures('jwt-expired');
    const expired = await g.check(req('10.0.0.2', `Bearer ${await sign({ sub: 'hmi', aud: 'edge-gateway', exp: exp - 3600 })}`), 'read');
    assert.deepEqual(expired, { ok: false, status: 401, error: 'the token has expired', challenge: 'Bearer realm="edge-gateway", error="invalid_token"' });
    assert.equal(await failures('jwt-expired'), expiredBefore + 1);
    const aud = await g.check(req('10.0.0.2', `Bearer ${await sign({ sub: 'hmi', aud: 'elsewhere', exp })}`), 'read');
    assert.equal((aud as { status: number }).status, 401);
    assert.equal(((await g.check(req('127.0.0.1'), 'read')) as { status: number }).status, 401, 'a JWT configured: loopback needs credentials too');
  });

  test('/metrics counts refusals by reason only: no key, id, token or address in its text', async () => {
    const g = guard();
    const { token, key } = keys.create('k', 'read', 'test');
    await g.check(req('10.3.3.3', `Bearer ${token.slice(0, -2)}xx`), 'read');
    await g.check(req('10.3.3.3', 'Bearer eyJhbGciOiJIUzI1NiJ9.e30.c2ln'), 'read');
    const text = await metricsRegistry().metrics();
    assert.match(text, new RegExp(`${AUTH_FAILURES_METRIC}\\{reason="wrong-secret"\\} \\d+`));
    for (const secret of [token.slice(17, -2), key.id, '10.3.3.3', 'eyJhbGciOiJIUzI1NiJ9']) assert.ok(!text.includes(secret), secret);
    for (const line of text.split('\n').filter((l) => l.startsWith(`${AUTH_FAILURES_METRIC}{`))) assert.match(line, /^\w+\{reason="[a-z-]+"\} \d+$/);
  });

  test('an unreadable keys file refuses keys and is told once, without falling back to loopback rules', async () => {
    const told: string[] = [];
    const g = guard({ warn: (m) => told.push(m) });
    const { token } = keys.create('k', 'read', 'test');
    writeFileSync(keys.file, '{ not json');
    const out = await g.check(req('127.0.0.1', `Bearer ${token}`), 'read');
    assert.equal((out as { status: number }).status, 401);
    assert.match((out as { error: string }).error, /cannot read its API keys file/);
    assert.equal(((await g.check(req('127.0.0.1'), 'read')) as { status: number }).status, 401);
    assert.equal(told.length, 1);
    assert.match(told[0], /not JSON/);
  });
});
