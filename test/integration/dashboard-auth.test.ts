// The dashboard behind the editor's login once admin users exist: its pages (httpNode routes) and
// its socket.io path (served by the HTTP server before express) refuse a client without the
// login, and let one with it in. The socket is tried the way the dashboard's client opens it:
// an Engine.IO polling handshake, then the socket.io CONNECT packet, answered CONNECT (0) or
// CONNECT_ERROR (4).
import { test, before, after, describe } from 'node:test';
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { startGatewayProcess, userDirWithAdmin, type GatewayProcess } from '../helpers/gateway';

const BASIC = `Basic ${Buffer.from('plant:correct horse battery').toString('base64')}`;

/** Opens a dashboard socket: the answer to its CONNECT packet ("40..." connected, "44..." refused). */
async function connectSocket(base: string, headers: Record<string, string>): Promise<string> {
  const url = `${base}/dashboard/socket.io/?EIO=4&transport=polling`;
  const open = await fetch(url, { headers });
  const opened = await open.text();
  assert.equal(open.status, 200, opened);
  const sid = (JSON.parse(opened.slice(1)) as { sid: string }).sid;
  const post = await fetch(`${url}&sid=${sid}`, { method: 'POST', headers: { ...headers, 'content-type': 'text/plain;charset=UTF-8' }, body: '40' });
  assert.equal(post.status, 200);
  return (await fetch(`${url}&sid=${sid}`, { headers })).text();
}

describe('/dashboard with admin users', () => {
  let gw: GatewayProcess;
  let userDir: string;
  before(async () => {
    userDir = await userDirWithAdmin('edgegw-dash-auth-');
    gw = await startGatewayProcess({ userDir });
  });
  after(async () => {
    await gw.stop();
    rmSync(userDir, { recursive: true, force: true });
  });

  test('the pages need the login: none is 401 with a Basic challenge, an admin user gets the page', async () => {
    for (const path of ['/dashboard', '/dashboard/overview', '/dashboard/_setup']) {
      const r = await fetch(`${gw.base}${path}`);
      assert.equal(r.status, 401, path);
      assert.match(r.headers.get('www-authenticate') ?? '', /^Basic /);
    }
    const r = await fetch(`${gw.base}/dashboard/overview`, { headers: { authorization: BASIC } });
    assert.equal(r.status, 200);
    assert.match(await r.text(), /<div id="app">/);
  });

  test('the socket needs the login: without it the CONNECT is refused, with it the socket connects', async () => {
    const refused = await connectSocket(gw.base, {});
    assert.match(refused, /^44/, `refused: ${refused}`);
    assert.match(refused, /log in/);
    const wrong = await connectSocket(gw.base, { authorization: `Basic ${Buffer.from('plant:wrong').toString('base64')}` });
    assert.match(wrong, /^44/, `wrong password: ${wrong}`);
    const connected = await connectSocket(gw.base, { authorization: BASIC });
    assert.match(connected, /^40\{"sid"/, `with the login: ${connected}`);
  });
});
