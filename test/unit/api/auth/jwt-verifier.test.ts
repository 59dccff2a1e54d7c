import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { JwtVerifier, loadJose } from '../../../../lib/api/auth/jwt-verifier';

const SECRET = 'a-test-secret-of-at-least-32-characters!';
const now = () => Math.floor(Date.now() / 1000);

async function hs(claims: Record<string, unknown>, alg = 'HS256', secret = SECRET): Promise<string> {
  const { SignJWT } = await loadJose();
  return new SignJWT(claims).setProtectedHeader({ alg }).sign(new TextEncoder().encode(secret));
}

describe('JwtVerifier', () => {
  const verifier = new JwtVerifier({ key: { kind: 'secret', secret: SECRET }, algorithms: ['HS256'], audience: 'edge-gateway', issuer: 'https://idp.example', clockToleranceSeconds: 5 });
  const good = { sub: 'dashboard', aud: 'edge-gateway', iss: 'https://idp.example', scope: 'read write', exp: now() + 60 };

  test('a good token gives its subject and scopes', async () => {
    assert.deepEqual(await verifier.verify(await hs(good)), { ok: true, subject: 'dashboard', scopes: ['read', 'write'] });
  });

  test('expired, not yet valid (beyond the tolerance), no exp: refused', async () => {
    assert.equal(((await verifier.verify(await hs({ ...good, exp: now() - 60 }))) as { reason: string }).reason, 'expired');
    assert.equal((await verifier.verify(await hs({ ...good, exp: now() - 2 }))).ok, true, 'within the 5 s tolerance');
    assert.equal(((await verifier.verify(await hs({ ...good, nbf: now() + 60 }))) as { reason: string }).reason, 'not-yet-valid');
    const { exp: _exp, ...noExp } = good;
    assert.equal(((await verifier.verify(await hs(noExp))) as { reason: string }).reason, 'no-expiry');
  });

  test('wrong audience, wrong issuer, wrong secret: refused', async () => {
    assert.equal(((await verifier.verify(await hs({ ...good, aud: 'other' }))) as { reason: string }).reason, 'wrong-audience');
    assert.equal(((await verifier.verify(await hs({ ...good, iss: 'https://evil.example' }))) as { reason: string }).reason, 'wrong-issuer');
    assert.equal(((await verifier.verify(await hs(good, 'HS256', 'another-secret-of-at-least-32-characters'))) as { reason: string }).reason, 'bad-signature');
  });

  test('the algorithm is pinned: HS384 with the right secret, and alg "none", are refused', async () => {
    assert.equal(((await verifier.verify(await hs(good, 'HS384'))) as { reason: string }).reason, 'wrong-algorithm');
    const b64 = (o: unknown) => Buffer.from(JSON.stringify(o)).toString('base64url');
    const unsigned = `${b64({ alg: 'none', typ: 'JWT' })}.${b64(good)}.`;
    assert.equal((await verifier.verify(unsigned)).ok, false);
    assert.equal(((await verifier.verify('not.a.jwt')) as { reason: string }).reason, 'malformed');
  });

  test('an RS256 public key: its tokens pass, an HS256 token signed with the PEM text as secret does not', async () => {
    const { publicKey, privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const pem = publicKey.export({ type: 'spki', format: 'pem' }).toString();
    const rs = new JwtVerifier({ key: { kind: 'public-key', pem }, algorithms: ['RS256'] });
    const { SignJWT, importPKCS8 } = await loadJose();
    const signer = await importPKCS8(privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(), 'RS256');
    const token = await new SignJWT({ sub: 'svc', scopes: ['read'], exp: now() + 60 }).setProtectedHeader({ alg: 'RS256' }).sign(signer);
    assert.deepEqual(await rs.verify(token), { ok: true, subject: 'svc', scopes: ['read'] });
    const confused = await hs({ sub: 'svc', scopes: ['admin'], exp: now() + 60 }, 'HS256', pem);
    assert.equal(((await rs.verify(confused)) as { reason: string }).reason, 'wrong-algorithm');
  });
});
