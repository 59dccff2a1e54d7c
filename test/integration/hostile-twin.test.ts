// The default flows' digital twin (/twin) under hostile input, against the real edge-gateway
// (issue 19): a deeply nested body, thousands of distinct devices, a device named __proto__, and
// the same login as the editor once admin users exist (the flows' own calls carry the runtime's
// token and keep working).
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { startGatewayProcess, userDirWithAdmin, type GatewayProcess } from '../helpers/gateway';
import { waitFor } from '../helpers/process';

async function post(gw: GatewayProcess, body: string, headers: Record<string, string> = {}): Promise<{ status: number; body: any }> {
  const r = await fetch(`${gw.base}/twin`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body, signal: AbortSignal.timeout(10_000) });
  return { status: r.status, body: await r.json().catch(() => undefined) };
}

describe('/twin without admin users', () => {
  let gw: GatewayProcess;
  before(async () => {
    gw = await startGatewayProcess();
  });
  after(async () => {
    await gw.stop();
    gw.cleanup();
  });

  test('a body nested 20,000 deep is refused with 400 naming the field, and GET /twin keeps answering', async () => {
    const deep = '{"device":"deep","ts":1,"values":{"a":' + '['.repeat(20_000) + ']'.repeat(20_000) + '}}';
    const r = await post(gw, deep);
    assert.equal(r.status, 400);
    assert.match(r.body.error, /^values\.a: a number, a text of at most 256 characters/);
    const nested = await post(gw, JSON.stringify({ device: 'n', values: { a: { b: 1 } } }));
    assert.equal(nested.status, 400);
    for (const bad of ['[1,2]', '{"device":"has space","values":{}}', '{"device":"x","ts":"yesterday","values":{}}']) assert.equal((await post(gw, bad)).status, 400, bad);
    const g = await fetch(`${gw.base}/twin`, { signal: AbortSignal.timeout(10_000) });
    assert.equal(g.status, 200);
    assert.equal(((await g.json()) as Record<string, unknown>).deep, undefined);
  });

  test('distinct devices are kept up to 100, the one updated longest ago going first; __proto__ is a device like any other', async () => {
    for (let i = 0; i < 150; i++) {
      const r = await post(gw, JSON.stringify({ device: `dev-${i}`, ts: i, values: { v: i, text: 'x'.repeat(200) } }));
      assert.equal(r.status, 200);
    }
    const proto = await post(gw, JSON.stringify({ device: '__proto__', ts: 1, values: { polluted: true } }));
    assert.equal(proto.status, 200);
    const twin = (await (await fetch(`${gw.base}/twin`)).json()) as Record<string, { values: Record<string, unknown> }>;
    const devices = Object.keys(twin);
    assert.equal(devices.length, 100);
    assert.ok(devices.includes('dev-149') && devices.includes('__proto__'));
    assert.ok(!devices.includes('dev-0'), 'the oldest went');
    assert.deepEqual(twin.__proto__.values, { polluted: true });
    assert.equal(({} as Record<string, unknown>).polluted, undefined);
  });
});

describe('/twin with admin users', () => {
  let gw: GatewayProcess;
  let userDir: string;
  before(async () => {
    userDir = await userDirWithAdmin('edgegw-twin-auth-');
    gw = await startGatewayProcess({ userDir });
  });
  after(async () => {
    await gw.stop();
    rmSync(userDir, { recursive: true, force: true });
  });

  test('needs the editor login: none or a wrong password is 401 with a Basic challenge', async () => {
    const none = await fetch(`${gw.base}/twin`);
    assert.equal(none.status, 401);
    assert.match(none.headers.get('www-authenticate') ?? '', /^Basic realm="edge-gateway"/);
    const wrong = await fetch(`${gw.base}/twin`, { headers: { authorization: `Basic ${Buffer.from('plant:nope').toString('base64')}` } });
    assert.equal(wrong.status, 401);
    const forged = await fetch(`${gw.base}/twin`, { headers: { authorization: 'Bearer not-a-token' } });
    assert.equal(forged.status, 401);
    assert.equal((await post(gw, JSON.stringify({ device: 'x', values: {} }))).status, 401);
  });

  test("an admin user's password or the editor's token opens it, and the flows' own updates arrive", async () => {
    const basic = { authorization: `Basic ${Buffer.from('plant:correct horse battery').toString('base64')}` };
    assert.equal((await fetch(`${gw.base}/twin`, { headers: basic })).status, 200);
    const tok = await fetch(`${gw.base}/auth/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ client_id: 'node-red-admin', grant_type: 'password', scope: '*', username: 'plant', password: 'correct horse battery' }),
    });
    const { access_token } = (await tok.json()) as { access_token: string };
    const bearer = { authorization: `Bearer ${access_token}` };
    assert.equal((await fetch(`${gw.base}/twin`, { headers: bearer })).status, 200);
    // the supervision tab posts each device's latest scan to /twin with the runtime's token
    await waitFor('the flows update the twin', async () => Object.keys((await (await fetch(`${gw.base}/twin`, { headers: bearer })).json()) as object).includes('boiler'), 60_000);
  });
});
