// The dashboard as a plant engineer meets it: the real runtime with its default flows, Chromium
// at /dashboard. A live value changes, a trend chart draws, the setpoint written from the Controls
// page reaches the device (result shown, audited as "dashboard"), a refused value shows why, the
// alarm it raises is acknowledged from the Alarms page, and a Russian browser gets Russian labels.
// Screenshots go to a temporary directory printed at the end.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { startGatewayProcess, type GatewayProcess } from '../helpers/gateway';
import { needPeers, PEER } from '../helpers/peers';
import { waitFor } from '../helpers/process';

const CHROMIUM = needPeers(PEER.chromium());
const VIEWPORT = { width: 1400, height: 900 };
// the machine is shared and loaded: conditions are waited for, generously
const LONG = 60_000;
let gw: GatewayProcess | undefined;
let browser: Browser | undefined;
let context: BrowserContext | undefined;
let page: Page | undefined;
const shots = mkdtempSync(join(tmpdir(), 'edgegw-dashboard-'));

before(async () => {
  if (CHROMIUM.skip) return;
  const { chromium } = await import('playwright-core');
  gw = await startGatewayProcess();
  browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--no-sandbox'] });
  context = await browser.newContext({ viewport: VIEWPORT, locale: 'en-US' });
  page = await context.newPage();
});

after(async () => {
  console.log(`# screenshots in ${shots}`);
  await browser?.close();
  await gw?.stop();
  gw?.cleanup();
});

const textOf = (selector: string) => page!.locator(selector).first().innerText({ timeout: LONG });

interface AuditLine {
  kind?: string;
  actor?: string;
  device?: string;
  tag?: string;
  new?: unknown;
  ok?: boolean;
}
function auditLines(): AuditLine[] {
  const file = join(gw!.userDir, 'audit.jsonl');
  if (!existsSync(file)) return [];
  return readFileSync(file, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as AuditLine);
}

test('overview: every device with its communication status, the gateway health and figures', CHROMIUM, async () => {
  await page!.goto(`${gw!.base}/dashboard/overview`, { waitUntil: 'load' });
  await page!.locator('[data-testid=devices] tr', { hasText: 'boiler' }).waitFor({ timeout: LONG });
  await page!.locator('[data-testid=devices] tr', { hasText: 'meter' }).locator('.egw-comm-ok').waitFor({ timeout: LONG });
  await page!.locator('[data-testid=health] .egw-v', { hasText: /^(ok|degraded)$/ }).waitFor({ timeout: LONG });
  assert.match(await textOf('[data-testid=queues]'), /events|telemetry/);
  assert.match(await page!.locator('.egw-card', { hasText: 'CPU' }).innerText(), /%/);
  await page!.screenshot({ path: join(shots, '1-overview.png'), fullPage: true });
});

test('devices: a live value changes, with its quality, and its trend chart draws', CHROMIUM, async () => {
  await page!.goto(`${gw!.base}/dashboard/devices?device=boiler`, { waitUntil: 'load' });
  const flow = page!.locator('tr[data-tag=flow_temp]');
  await flow.locator('.egw-qb-good').waitFor({ timeout: LONG });
  const first = await flow.locator('.egw-value').innerText();
  assert.match(first, /degC$/);
  await waitFor('flow_temp to change', async () => (await flow.locator('.egw-value').innerText()) !== first, LONG);
  await waitFor('the trend chart to draw', async () => Number(await flow.locator('svg').getAttribute('data-points')) >= 3, LONG);
  assert.match((await flow.locator('polyline').getAttribute('points')) ?? '', /^[\d.]+,[\d.]+ [\d.]+,[\d.]+/);
  await page!.screenshot({ path: join(shots, '2-devices.png'), fullPage: true });
});

test('controls: the setpoint written through the audited path, the device follows; a refused value says why', CHROMIUM, async () => {
  await page!.goto(`${gw!.base}/dashboard/controls`, { waitUntil: 'load' });
  await page!.locator('[data-testid=setpoint-current]', { hasText: /\d/ }).waitFor({ timeout: LONG });
  await page!.locator('[data-testid=setpoint-number]').fill('99999');
  await page!.locator('[data-testid=setpoint-write]').click();
  await page!.locator('[data-testid=write-result].egw-refused', { hasText: /Refused: setpoint: / }).waitFor({ timeout: LONG });
  await page!.screenshot({ path: join(shots, '3-controls-refused.png'), fullPage: true });
  // 45 degC drives the simulated flow temperature over its 85 degC alarm limit (the next test)
  await page!.locator('[data-testid=setpoint-number]').fill('45');
  await page!.locator('[data-testid=setpoint-write]').click();
  await page!.locator('[data-testid=write-result].egw-ok', { hasText: /Written 45/ }).waitFor({ timeout: LONG });
  await page!.locator('[data-testid=setpoint-current]', { hasText: /^45 degC$/ }).waitFor({ timeout: LONG });
  await page!.screenshot({ path: join(shots, '4-controls-written.png'), fullPage: true });
  const audited = await waitFor('the audit record', () => auditLines().find((l) => l.actor === 'dashboard' && l.device === 'boiler' && l.tag === 'setpoint' && l.new === 45), LONG);
  assert.equal(audited.ok, true);
});

test('alarms: the over-temperature alarm, highest severity first, acknowledged from the page', CHROMIUM, async () => {
  await page!.goto(`${gw!.base}/dashboard/alarms`, { waitUntil: 'load' });
  const row = page!.locator('tr[data-alarm="boiler/flow_temp:hi"]');
  await row.locator('.egw-ack').waitFor({ timeout: 90_000 });
  assert.equal(await page!.locator('[data-testid=active-alarms] tr[data-alarm]').first().getAttribute('class'), 'egw-sev-critical');
  await page!.screenshot({ path: join(shots, '5-alarms-active.png'), fullPage: true });
  await row.locator('.egw-ack').click();
  await page!.locator('[data-testid=ack-result]', { hasText: /acknowledged: 1/ }).waitFor({ timeout: LONG });
  await row.locator('td', { hasText: /acknowledged \(dashboard\)/ }).waitFor({ timeout: LONG });
  await page!.locator('[data-testid=alarm-history] tr', { hasText: 'acknowledged' }).first().waitFor({ timeout: LONG });
  const ack = await waitFor('the acknowledgement in the audit log', () => auditLines().find((l) => l.kind === 'alarm-ack' && l.actor === 'dashboard' && l.tag === 'boiler/flow_temp:hi'), LONG);
  assert.equal(ack.ok, true);
  await page!.screenshot({ path: join(shots, '6-alarms-acknowledged.png'), fullPage: true });
});

test('tag picker: search every tag of the tag store and chart the one picked, no flow edit', CHROMIUM, async () => {
  await page!.goto(`${gw!.base}/dashboard/tags`, { waitUntil: 'load' });
  await page!.locator('[data-testid=tag-search]').fill('l1_voltage');
  const item = page!.locator('[data-testid=tag-list] .egw-item', { hasText: 'meter/l1_voltage' });
  await item.waitFor({ timeout: LONG });
  await item.locator('button').click();
  const chart = page!.locator('[data-chart="meter/l1_voltage"]');
  await waitFor('the picked tag to chart', async () => Number(await chart.locator('svg').getAttribute('data-points')) >= 2, LONG);
  await page!.screenshot({ path: join(shots, '7-tag-picker.png'), fullPage: true });
});

test('a Russian browser gets Russian labels', CHROMIUM, async () => {
  const ru = await browser!.newContext({ viewport: VIEWPORT, locale: 'ru-RU' });
  try {
    const p = await ru.newPage();
    await p.goto(`${gw!.base}/dashboard/overview`, { waitUntil: 'load' });
    await p.locator('h3', { hasText: 'Устройства' }).waitFor({ timeout: LONG });
    await p.locator('[data-testid=devices] th', { hasText: 'Связь' }).waitFor({ timeout: LONG });
    await p.locator('[data-testid=devices] .egw-comm', { hasText: 'в норме' }).first().waitFor({ timeout: LONG });
    await p.screenshot({ path: join(shots, '8-overview-ru.png'), fullPage: true });
  } finally {
    await ru.close();
  }
});
