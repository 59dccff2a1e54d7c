// The editor's "Devices" sidebar (the plugin plugins/devices, editor/plugins/devices.ts) in the
// real browser, with the editor's login: a device publishes its hello, appears pending in the
// sidebar, Accept is clicked, and the registry has it accepted, audited as the editor user who
// clicked. The admin routes answer only with the editor's token; reject and remove through them
// are audited the same way. The gateway's broker is bound to the machine's LAN address: the
// flows still reach it on 127.0.0.1, and the runtime says that no device login exists yet.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { networkInterfaces, tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { runCli, startGatewayProcess, type GatewayProcess } from '../helpers/gateway';
import { needPeers, PEER } from '../helpers/peers';
import { waitFor } from '../helpers/process';

const CHROMIUM = needPeers(PEER.chromium(), PEER.mosquittoClients());
// the machine is shared and loaded: conditions are waited for, generously
const LONG = 60_000;
const PASSWORD = 'correct horse battery';
const lan = Object.values(networkInterfaces())
  .flat()
  .find((i) => i && i.family === 'IPv4' && !i.internal)?.address;

let gw: GatewayProcess | undefined;
let browser: Browser | undefined;
let page: Page | undefined;

interface View {
  device_id: string;
  status: string;
}
interface AuditLine {
  kind?: string;
  actor?: string;
  device?: string;
  tag?: string;
  old?: unknown;
  new?: unknown;
}

function hello(id: string): Promise<void> {
  return new Promise((resolve, reject) =>
    execFile('mosquitto_pub', ['-h', '127.0.0.1', '-p', String(gw!.brokerPort), '-q', '1', '-t', `devices/${id}/hello`, '-m', '{"profile":"ds18b20-esp32"}'], { timeout: 10_000 }, (err, _o, stderr) =>
      err ? reject(new Error(`mosquitto_pub: ${stderr || err.message}`)) : resolve(),
    ),
  );
}

const deviceAudit = (): AuditLine[] => {
  const file = join(gw!.userDir, 'audit.jsonl');
  if (!existsSync(file)) return [];
  return readFileSync(file, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as AuditLine)
    .filter((r) => r.kind === 'device');
};

before(async () => {
  if (CHROMIUM.skip) return;
  const userDir = mkdtempSync(join(tmpdir(), 'edgegw-devices-editor-'));
  const added = await runCli(['admin', 'add-user', 'plant', '--user-dir', userDir], { input: `${PASSWORD}\n` });
  assert.equal(added.code, 0, added.stderr);
  gw = await startGatewayProcess({ userDir, args: lan ? ['--broker-host', lan] : [] });
  const { chromium } = await import('playwright-core');
  browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--no-sandbox'] });
  page = await (await browser.newContext({ viewport: { width: 1600, height: 900 }, locale: 'en-US' })).newPage();
});

after(async () => {
  await browser?.close();
  await gw?.stop();
  gw?.cleanup();
});

test('the broker on a LAN address: the flows healthy on 127.0.0.1, no device login said', { skip: CHROMIUM.skip ?? (lan ? undefined : 'no non-loopback IPv4 address on this machine') }, async () => {
  // startGatewayProcess waited for the flows; the default flows' MQTT plug reaches the broker
  assert.match(gw!.peer.output(), new RegExp(`embedded MQTT broker listening on ${lan!.replace(/\./g, '\\.')}:${gw!.brokerPort}`));
  assert.match(gw!.peer.output(), /no device has a login yet: clients from the network are refused/);
});

test('a device says hello, is pending in the sidebar, Accept: accepted in the registry, audited as the editor user', CHROMIUM, async () => {
  const p = page!;
  await p.goto(gw!.base, { waitUntil: 'load' });
  await p.fill('#node-dialog-login-username', 'plant', { timeout: LONG });
  await p.fill('#node-dialog-login-password', PASSWORD);
  await p.click('#node-dialog-login-submit');
  await p.waitForSelector('#red-ui-workspace-chart g.red-ui-flow-node-group', { timeout: LONG });
  // the tab is the plugin's: its label from the plugin's catalog
  const tab = p.locator('#red-ui-tab-edgegw-devices');
  await tab.waitFor({ state: 'attached', timeout: LONG });
  await p.evaluate('RED.actions.invoke("edgegw:show-devices-tab")');
  await p.waitForSelector('.edgegw-devices h4', { state: 'visible', timeout: LONG });
  assert.deepEqual(await p.locator('.edgegw-devices h4').allInnerTexts(), ['Waiting to be accepted', 'Device registry']);

  await hello('esp32-7');
  const accept = p.locator('.edgegw-devices-pending tr[data-device="esp32-7"] .edgegw-devices-accept');
  await accept.waitFor({ state: 'visible', timeout: LONG });
  assert.match(await p.locator('.edgegw-devices-pending tr[data-device="esp32-7"]').innerText(), /esp32-7\s+127\.0\.0\.1\s+ds18b20-esp32/);
  await accept.click();
  await p.waitForSelector('.edgegw-devices-all tr[data-device="esp32-7"][data-status="active"]', { timeout: LONG });
  assert.equal(await p.locator('.edgegw-devices-pending tr[data-device="esp32-7"]').count(), 0);

  const token = await login();
  const devices = (await (await fetch(`${gw!.base}/edgegw/devices`, { headers: token })).json()) as View[];
  assert.equal(devices.find((d) => d.device_id === 'esp32-7')?.status, 'active');
  const cli = await runCli(['devices', 'list', '--json', '--user-dir', gw!.userDir]);
  assert.equal((JSON.parse(cli.stdout) as View[]).find((d) => d.device_id === 'esp32-7')?.status, 'active', 'accepted in the registry itself');
  assert.deepEqual(
    deviceAudit().map((r) => [r.actor, r.device, r.tag, r.old, r.new]),
    [['editor:plant', 'esp32-7', 'status', 'pending', { action: 'accept', status: 'active' }]],
  );
});

test('the admin routes need the editor’s login; reject and remove through them are audited as its user', CHROMIUM, async () => {
  assert.equal((await fetch(`${gw!.base}/edgegw/devices`)).status, 401);
  assert.equal((await fetch(`${gw!.base}/edgegw/devices/esp32-7/reject`, { method: 'POST' })).status, 401);
  const token = await login();
  await hello('esp32-8');
  await waitFor('esp32-8 pending', async () => ((await (await fetch(`${gw!.base}/edgegw/devices/pending`, { headers: token })).json()) as View[]).some((d) => d.device_id === 'esp32-8'), LONG);
  const rejected = await fetch(`${gw!.base}/edgegw/devices/esp32-8/reject`, { method: 'POST', headers: token });
  assert.equal(rejected.status, 200);
  assert.equal(((await rejected.json()) as View).status, 'rejected');
  const removed = await fetch(`${gw!.base}/edgegw/devices/esp32-7`, { method: 'DELETE', headers: token });
  assert.equal(removed.status, 200);
  assert.equal(((await removed.json()) as View).status, 'retired');
  const unknown = await fetch(`${gw!.base}/edgegw/devices/nobody`, { method: 'DELETE', headers: token });
  assert.equal(unknown.status, 404);
  assert.deepEqual(
    deviceAudit().map((r) => [r.actor, r.device, r.new]),
    [
      ['editor:plant', 'esp32-7', { action: 'accept', status: 'active' }],
      ['editor:plant', 'esp32-8', { action: 'reject', status: 'rejected' }],
      ['editor:plant', 'esp32-7', { action: 'remove', status: 'retired' }],
    ],
  );
  // the sidebar shows the decisions made elsewhere on its next look
  await page!.waitForSelector('.edgegw-devices-all tr[data-device="esp32-7"][data-status="retired"]', { timeout: LONG });
  assert.equal(await page!.locator('.edgegw-devices-all tr[data-device="esp32-7"] td').last().innerText(), 'removed');
});

async function login(): Promise<Record<string, string>> {
  const r = await fetch(`${gw!.base}/auth/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ client_id: 'node-red-admin', grant_type: 'password', scope: '*', username: 'plant', password: PASSWORD }),
  });
  assert.equal(r.status, 200);
  return { authorization: `Bearer ${((await r.json()) as { access_token: string }).access_token}` };
}

test('in a Russian browser the sidebar speaks Russian (the plugin’s ru catalog)', CHROMIUM, async () => {
  const ru = await (await browser!.newContext({ viewport: { width: 1600, height: 900 }, locale: 'ru-RU' })).newPage();
  await ru.goto(gw!.base, { waitUntil: 'load' });
  await ru.fill('#node-dialog-login-username', 'plant', { timeout: LONG });
  await ru.fill('#node-dialog-login-password', PASSWORD);
  await ru.click('#node-dialog-login-submit');
  await ru.waitForSelector('#red-ui-workspace-chart g.red-ui-flow-node-group', { timeout: LONG });
  await ru.evaluate('RED.actions.invoke("edgegw:show-devices-tab")');
  await ru.waitForSelector('.edgegw-devices-all tr[data-device="esp32-8"]', { timeout: LONG });
  assert.deepEqual(await ru.locator('.edgegw-devices h4').allInnerTexts(), ['Ожидают подтверждения', 'Реестр устройств']);
  assert.equal(await ru.locator('.edgegw-devices-all tr[data-device="esp32-8"] td').last().innerText(), 'отклонено');
});
