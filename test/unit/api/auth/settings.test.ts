import { test, describe, beforeEach, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ApiSettingsError, apiGuardFromSettings, parseApiAuthSettings } from '../../../../lib/api/auth/settings';
import { ApiKeyStore } from '../../../../lib/api/auth/api-key-store';
import { AuditLog } from '../../../../lib/audit/audit-log';

let dir: string;
beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'edgegw-apiset-'))));
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const fieldOf = (fn: () => unknown): string => {
  try {
    fn();
  } catch (err) {
    assert.ok(err instanceof ApiSettingsError, String(err));
    return `${err.field}: ${err.reason}`;
  }
  throw new Error('did not throw');
};

describe('API auth settings', () => {
  test('defaults: <userDir>/api-keys.json, no JWT, 20/s burst 40 per key, 10/s burst 20 per address', () => {
    assert.deepEqual(parseApiAuthSettings(undefined, dir), {
      keysFile: join(dir, 'api-keys.json'),
      rateLimit: { perKey: { perSecond: 20, burst: 40 }, perAddress: { perSecond: 10, burst: 20 } },
    });
    const s = parseApiAuthSettings({ keysFile: 'keys/k.json', rateLimit: { perKey: { perSecond: 5000 } }, cors: { origins: ['*'] } }, dir);
    assert.equal(s.keysFile, join(dir, 'keys', 'k.json'));
    assert.deepEqual(s.rateLimit.perKey, { perSecond: 5000, burst: 40 });
  });

  test('JWT: a short secret, two key sources, a foreign algorithm, a missing file are refused naming the field', () => {
    assert.match(
      fieldOf(() => parseApiAuthSettings({ jwt: { secret: 'short' } }, dir)),
      /^api\.jwt\.secret: must have at least 32/,
    );
    assert.match(
      fieldOf(() => parseApiAuthSettings({ jwt: { secret: 'x'.repeat(40), jwksFile: 'k.json' } }, dir)),
      /^api\.jwt: needs exactly one/,
    );
    assert.match(
      fieldOf(() => parseApiAuthSettings({ jwt: { secret: 'x'.repeat(40), algorithms: ['RS256'] } }, dir)),
      /^api\.jwt\.algorithms: "RS256" is not one of HS256/,
    );
    assert.match(
      fieldOf(() => parseApiAuthSettings({ jwt: { publicKeyFile: 'missing.pem' } }, dir)),
      new RegExp(`^api\\.jwt\\.publicKeyFile: cannot read ${join(dir, 'missing.pem')}: ENOENT`),
    );
    assert.match(
      fieldOf(() => parseApiAuthSettings({ rateLimit: { perAddress: { burst: 0 } } }, dir)),
      /^api\.rateLimit\.perAddress\.burst: must be a number above 0/,
    );
    assert.match(
      fieldOf(() => parseApiAuthSettings({ jwt: { secret: 'x'.repeat(40), clockToleranceSeconds: -1 } }, dir)),
      /^api\.jwt\.clockToleranceSeconds/,
    );
    assert.match(
      fieldOf(() => parseApiAuthSettings('yes', dir)),
      /^api: must be an object/,
    );
  });

  test("a public key file gives its algorithm (EC P-256: ES256); a JWKS file takes the keys' alg", () => {
    const ec = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
    writeFileSync(join(dir, 'issuer.pem'), ec.publicKey.export({ type: 'spki', format: 'pem' }));
    assert.deepEqual(parseApiAuthSettings({ jwt: { publicKeyFile: 'issuer.pem' } }, dir).jwt?.algorithms, ['ES256']);
    const jwk = { ...ec.publicKey.export({ format: 'jwk' }), alg: 'ES256', kid: 'one' };
    writeFileSync(join(dir, 'issuer.jwks.json'), JSON.stringify({ keys: [jwk] }));
    const s = parseApiAuthSettings({ jwt: { jwksFile: 'issuer.jwks.json', audience: ['a', 'b'] } }, dir);
    assert.deepEqual(s.jwt?.algorithms, ['ES256']);
    assert.deepEqual(s.jwt?.audience, ['a', 'b']);
    writeFileSync(join(dir, 'bare.jwks.json'), JSON.stringify({ keys: [{ ...jwk, alg: undefined }] }));
    assert.match(
      fieldOf(() => parseApiAuthSettings({ jwt: { jwksFile: 'bare.jwks.json' } }, dir)),
      /^api\.jwt\.algorithms: the keys in .* name no "alg"/,
    );
  });

  test('apiGuardFromSettings: a guard over the configured keys file', async () => {
    const keys = new ApiKeyStore({ file: join(dir, 'custom-keys.json') });
    const { token } = keys.create('k', 'read', 'test');
    const guard = apiGuardFromSettings({ keysFile: 'custom-keys.json' }, dir, { audit: new AuditLog() });
    try {
      const out = await guard.check({ headers: { authorization: `Bearer ${token}` }, remoteAddress: '10.0.0.1', method: 'GET', path: '/api/tags' }, 'read');
      assert.ok(out.ok);
    } finally {
      guard.close();
    }
  });
});
