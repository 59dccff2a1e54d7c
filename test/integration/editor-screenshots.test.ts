// The default flows in the editor as a user meets them: the started runtime's editor in Chromium
// at 1600 x 900, each tab shown and saved as a screenshot (the directory is printed), and what the
// flow JSON check asserts (test/unit/shipped-flows-layout.test.ts) asserted from the drawn SVG:
// every node and its status inside the visible workspace, no node on another, no wire through a
// node or a status line.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { startGatewayProcess, type GatewayProcess } from '../helpers/gateway';
import { needPeers, PEER } from '../helpers/peers';

interface Rect {
  id: string;
  left: number;
  top: number;
  right: number;
  bottom: number;
}
interface Drawn {
  label: string;
  chart: Rect;
  nodes: Rect[];
  statuses: Rect[];
  links: Array<{ from: string; to: string; points: Array<[number, number]> }>;
}

const VIEWPORT = { width: 1600, height: 900 };

/**
 * Runs in the page (plain JavaScript: the tests are type-checked without the DOM's types): the
 * active tab's nodes, statuses and wires in page pixels, from the SVG the editor drew. d3 keeps
 * each element's node or link on it as __data__.
 */
const DRAWN_TAB = `(() => {
  const rect = (id, r) => ({ id, left: r.left, top: r.top, right: r.right, bottom: r.bottom });
  const chart = document.getElementById('red-ui-workspace-chart');
  const nodes = [];
  const statuses = [];
  for (const g of document.querySelectorAll('#red-ui-workspace-chart g.red-ui-flow-node-group')) {
    const id = g.__data__.id;
    const body = g.querySelector('rect.red-ui-flow-node');
    if (body) nodes.push(rect(id, body.getBoundingClientRect()));
    const status = g.querySelector('.red-ui-flow-node-status-group');
    if (status && getComputedStyle(status).display !== 'none' && status.getBoundingClientRect().width > 0) statuses.push(rect(id, status.getBoundingClientRect()));
  }
  const links = [];
  for (const path of document.querySelectorAll('#red-ui-workspace-chart path.red-ui-flow-link-line')) {
    const data = path.parentNode.__data__;
    if (!data || !data.source || !data.target) continue;
    const matrix = path.getScreenCTM();
    const length = path.getTotalLength();
    const points = [];
    for (let i = 0; i <= 200; i++) {
      const p = path.getPointAtLength((length * i) / 200).matrixTransform(matrix);
      points.push([p.x, p.y]);
    }
    links.push({ from: data.source.id, to: data.target.id, points });
  }
  const active = document.querySelector('.red-ui-tab.active');
  return { label: active ? active.textContent.trim() : '', chart: rect('chart', chart.getBoundingClientRect()), nodes, statuses, links };
})()`;

const inside = (p: [number, number], r: Rect) => p[0] > r.left + 1 && p[0] < r.right - 1 && p[1] > r.top + 1 && p[1] < r.bottom - 1;

function problemsOf(d: Drawn): string[] {
  const problems: string[] = [];
  for (const r of [...d.nodes, ...d.statuses]) {
    if (r.left < d.chart.left || r.top < d.chart.top || r.right > d.chart.right || r.bottom > d.chart.bottom)
      problems.push(`${r.id} (${Math.round(r.left)}..${Math.round(r.right)} x ${Math.round(r.top)}..${Math.round(r.bottom)}) is outside the workspace`);
  }
  for (let i = 0; i < d.nodes.length; i++) {
    for (let j = i + 1; j < d.nodes.length; j++) {
      const [a, b] = [d.nodes[i], d.nodes[j]];
      if (a.left < b.right && b.left < a.right && a.top < b.bottom && b.top < a.bottom) problems.push(`${a.id} overlaps ${b.id}`);
    }
  }
  for (const link of d.links) {
    const obstacles = [...d.nodes.filter((n) => n.id !== link.from && n.id !== link.to), ...d.statuses];
    for (const o of obstacles) if (link.points.some((p) => inside(p, o))) problems.push(`the wire ${link.from} -> ${link.to} passes through ${o.id}${d.statuses.includes(o) ? "'s status" : ''}`);
  }
  return problems;
}

const CHROMIUM = needPeers(PEER.chromium());
let gw: GatewayProcess | undefined;
let browser: Browser | undefined;
let page: Page | undefined;
const shots = mkdtempSync(join(tmpdir(), 'edgegw-editor-'));

before(async () => {
  if (CHROMIUM.skip) return;
  // playwright-core drives the system's Chromium: no browser download
  const { chromium } = await import('playwright-core');
  gw = await startGatewayProcess();
  browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--no-sandbox'] });
  page = await browser.newPage({ viewport: VIEWPORT });
  await page.goto(gw.base, { waitUntil: 'load' });
  await page.waitForSelector('#red-ui-workspace-chart g.red-ui-flow-node-group', { timeout: 60000 });
});

after(async () => {
  console.log(`# screenshots in ${shots}`);
  await browser?.close();
  await gw?.stop();
  gw?.cleanup();
});

test('the default flows in Chromium at 1600 x 900: every tab in view, no wire through a node or a status', CHROMIUM, async () => {
  const tabs = await page!.evaluate<string[]>('(() => { const ids = []; RED.nodes.eachWorkspace((ws) => ids.push(ws.id)); return ids; })()');
  assert.equal(tabs.length, 8, 'the seven tabs of the pipeline (the MQTT field simulation among them) and the dashboard');
  // the nodes' statuses arrive once the flows run: a status line is part of what a wire must not cross
  await page!.waitForTimeout(5000);
  const problems: string[] = [];
  for (const [i, id] of tabs.entries()) {
    await page!.evaluate(`RED.workspaces.show(${JSON.stringify(id)})`);
    await page!.waitForTimeout(800);
    await page!.screenshot({ path: join(shots, `${i + 1}-${id}.png`) });
    const drawn = await page!.evaluate<Drawn>(DRAWN_TAB);
    assert.ok(drawn.nodes.length > 3, `${drawn.label}: nodes drawn`);
    assert.ok(drawn.links.length > 0, `${drawn.label}: wires drawn`);
    problems.push(...problemsOf(drawn).map((p) => `${drawn.label}: ${p}`));
  }
  assert.deepEqual(problems, []);
});

test("the field simulator's dialog shows its whole port, ${EDGEGW_SIM_PORT}", CHROMIUM, async () => {
  await page!.evaluate(`RED.workspaces.show('edgegw.tab.field'); RED.editor.edit(RED.nodes.node('edgegw.sim.server'))`);
  await page!.waitForSelector('#node-input-port', { state: 'visible', timeout: 15000 });
  await page!.waitForTimeout(500);
  await page!.screenshot({ path: join(shots, 'modbus-server-dialog.png') });
  const field = await page!.evaluate<{ value: string; scrollWidth: number; clientWidth: number }>(
    "(() => { const i = document.getElementById('node-input-port'); return { value: i.value, scrollWidth: i.scrollWidth, clientWidth: i.clientWidth }; })()",
  );
  assert.equal(field.value, '${EDGEGW_SIM_PORT}');
  assert.ok(field.scrollWidth <= field.clientWidth, `the value needs ${field.scrollWidth} px, the field shows ${field.clientWidth} px`);
});
