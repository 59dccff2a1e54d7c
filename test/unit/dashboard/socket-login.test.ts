// The dashboard socket's login (runtime/dashboard-auth.ts): the flows' login middleware asked of
// the socket.io handshake, its refusal passed to socket.io as an error, and Dashboard 2.0's own
// checks (no direct WebSocket, no cross-origin socket) kept.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { dashboardSameOrigin, dashboardSocketLogin, DashboardLoginError, type DashboardSocket } from '../../../runtime/dashboard-auth';
import { httpNodeAuth } from '../../../runtime/http-node-auth';

function socket(headers: Record<string, string>, url = '/dashboard/socket.io/?EIO=4&transport=polling', xdomain = false) {
  const events: string[] = [];
  const s: DashboardSocket = {
    request: { headers, url },
    handshake: { query: {}, xdomain },
    client: { conn: { request: { url }, close: () => events.push('closed') } },
    disconnect: () => events.push('disconnected'),
  };
  return { s, events };
}

const guard = httpNodeAuth({
  needsPermission: () => (_req, res) => res.status(401).set('WWW-Authenticate', 'Bearer').json({ error: 'bad token' }),
  authenticate: (user, password) => Promise.resolve(user === 'plant' && password === 'secret' ? { username: user } : null),
  flowsToken: 'flows-token',
});
const login = dashboardSocketLogin(guard);
const run = (s: DashboardSocket) => new Promise<Error | undefined>((resolve) => login(s, resolve));

test('no credentials: refused with the login hint', async () => {
  const err = await run(socket({}).s);
  assert.ok(err instanceof DashboardLoginError);
  assert.match(err.message, /log in/);
});

test("an admin user's Basic credentials pass; a wrong password and a bad bearer token are refused", async () => {
  assert.equal(await run(socket({ authorization: `Basic ${Buffer.from('plant:secret').toString('base64')}` }).s), undefined);
  assert.match(String(await run(socket({ authorization: `Basic ${Buffer.from('plant:nope').toString('base64')}` }).s)), /wrong user name or password/);
  assert.match(String(await run(socket({ authorization: 'Bearer not-a-token' }).s)), /bad token/);
});

test("Dashboard 2.0's own checks are kept: a direct WebSocket is closed, a cross-origin socket dropped", () => {
  const direct = socket({}, '/dashboard/socket.io/?EIO=4&transport=websocket');
  let passed = false;
  dashboardSameOrigin(direct.s, () => (passed = true));
  assert.deepEqual([passed, direct.events], [false, ['closed']]);
  const foreign = socket({}, undefined, true);
  dashboardSameOrigin(foreign.s, () => (passed = true));
  assert.deepEqual([passed, foreign.events], [false, ['disconnected']]);
  const same = socket({});
  dashboardSameOrigin(same.s, () => (passed = true));
  assert.equal(passed, true);
});
