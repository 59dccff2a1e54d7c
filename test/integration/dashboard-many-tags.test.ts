// A device with many tags on its dashboard page, in Chromium: the real runtime polls a real Modbus
// TCP server (lib/modbus/server, in this process) with 400 registers, from a settings file's
// `devices:` list. The page draws only the rows in view (and their trends): scrolling shows the
// rows further down, a value changed on the server shows on its visible row, and the filter
// narrows the list.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { ModbusServer } from '../../lib/modbus/server/server';
import { serializeTagTableCsv } from '../../lib/modbus/tag-table';
import type { TagDef } from '../../lib/modbus/types';
import { startGatewayProcess, type GatewayProcess } from '../helpers/gateway';
import { needPeers, PEER } from '../helpers/peers';
import { waitFor } from '../helpers/process';

const CHROMIUM = needPeers(PEER.chromium());
const TAGS = 400;
const LONG = 60_000;
const name = (i: number) => `r${String(i).padStart(3, '0')}`;
const dir = mkdtempSync(join(tmpdir(), 'edgegw-dashboard-many-'));
let server: ModbusServer | undefined;
let gw: GatewayProcess | undefined;
let browser: Browser | undefined;
let page: Page | undefined;

before(async () => {
  if (CHROMIUM.skip) return;
  server = new ModbusServer({ name: 'plc', transport: { kind: 'tcp', host: '127.0.0.1', port: 0 }, units: 'any', sizes: { coil: 1, discrete: 1, holding: TAGS, input: 1 }, idleTimeoutMs: 0 });
  await server.start();
  server.setRegisters(
    1,
    'holding',
    0,
    Array.from({ length: TAGS }, (_, i) => i),
  );
  const tags: TagDef[] = Array.from({ length: TAGS }, (_, i) => ({ name: name(i), area: 'holding', address: i, type: 'uint16', order: 'ABCD', scale: 1, offset: 0, access: 'r' }));
  const settings = join(dir, 'edge-gateway.json');
  const { port } = server.address() as { port: number };
  writeFileSync(settings, JSON.stringify({ devices: [{ name: 'plc', transport: 'tcp', host: '127.0.0.1', port, unit: 1, tags: serializeTagTableCsv(tags, { notation: 'zero' }), poll: 200 }] }));
  gw = await startGatewayProcess({ args: ['--config', settings] });
  const { chromium } = await import('playwright-core');
  browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--no-sandbox'] });
  page = await browser.newPage({ viewport: { width: 1400, height: 900 }, locale: 'en-US' });
});

after(async () => {
  await browser?.close();
  await gw?.stop();
  gw?.cleanup();
  await server?.close();
  rmSync(dir, { recursive: true, force: true });
});

const drawn = () => page!.locator('[data-testid=device-tags] tr[data-tag]').count();

test('a 400-tag device: a screen of rows drawn, the rows further down shown as the list scrolls, a live change on a visible row', CHROMIUM, async () => {
  await page!.goto(`${gw!.base}/dashboard/devices?device=plc`, { waitUntil: 'load' });
  await page!.locator(`tr[data-tag=${name(0)}] .egw-qb-good`).waitFor({ timeout: LONG });
  await page!.locator('[data-testid=tag-count]', { hasText: `${TAGS} / ${TAGS}` }).waitFor({ timeout: LONG });
  const first = await drawn();
  assert.ok(first > 10 && first < 80, `a screen of rows and some either side, not ${TAGS}: ${first}`);
  assert.equal(await page!.locator(`tr[data-tag=${name(TAGS - 1)}]`).count(), 0, 'the last row is not drawn');

  await page!.locator('[data-testid=device-scroll]').evaluate((el) => (el.scrollTop = el.scrollHeight));
  const last = page!.locator(`tr[data-tag=${name(TAGS - 1)}]`);
  await last.locator('.egw-qb-good').waitFor({ timeout: LONG });
  assert.equal(await last.locator('.egw-value').innerText(), String(TAGS - 1));
  assert.equal(await page!.locator(`tr[data-tag=${name(0)}]`).count(), 0, 'the first row, scrolled away, is not drawn any more');
  assert.ok((await drawn()) < 80);

  server!.setRegisters(1, 'holding', TAGS - 1, [12345]);
  await waitFor('the visible row to show the new value', async () => (await last.locator('.egw-value').innerText()) === '12345', LONG);
  await waitFor('its trend to draw', async () => Number(await last.locator('svg').getAttribute('data-points')) >= 2, LONG);

  await page!.locator('[data-testid=tag-filter]').fill('r25');
  await page!.locator('[data-testid=tag-count]', { hasText: `10 / ${TAGS}` }).waitFor({ timeout: LONG });
  assert.deepEqual(
    await page!.locator('[data-testid=device-tags] tr[data-tag]').evaluateAll((rows) => rows.map((r) => r.getAttribute('data-tag'))),
    Array.from({ length: 10 }, (_, i) => name(250 + i)),
  );
});
