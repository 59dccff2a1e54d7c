// stats and alarm in the real edge-gateway process: an unacknowledged critical alarm makes
// /health degraded and shows in /metrics, and is still there after a restart (SQLite in the user
// directory); a stats window opened before the restart closes after it, into the CSV report.
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startGatewayProcess, type GatewayProcess } from '../helpers/gateway';
import { needPeers } from '../helpers/peers';
import { SQLITE_PEER } from '../helpers/sqlite-store';
import { waitFor } from '../helpers/process';

const FLOWS = [
  { id: 'sa.tab', type: 'tab', label: 'stats and alarm' },
  {
    id: 'sa.hot',
    z: 'sa.tab',
    type: 'inject',
    name: 'hot',
    props: [{ p: 'payload' }, { p: 'topic', vt: 'str' }],
    topic: 'oven/temp',
    payload: '95',
    payloadType: 'num',
    repeat: '',
    once: false,
    wires: [['sa.alarm']],
  },
  {
    id: 'sa.ack',
    z: 'sa.tab',
    type: 'inject',
    name: 'ack',
    props: [
      { p: 'ack', v: 'all', vt: 'str' },
      { p: 'ackedBy', v: 'it', vt: 'str' },
    ],
    repeat: '',
    once: false,
    wires: [['sa.alarm']],
  },
  {
    id: 'sa.alarm',
    z: 'sa.tab',
    type: 'edgegw-alarm',
    rulesSource: 'editor',
    rules: 'oven/temp,hi,80,,,,critical',
    persist: 'sqlite',
    dbFile: 'state.db',
    healthOn: 'critical-unacknowledged',
    wires: [[], []],
  },
  {
    id: 'sa.meter',
    z: 'sa.tab',
    type: 'inject',
    name: 'meter',
    props: [{ p: 'payload' }, { p: 'topic', vt: 'str' }],
    topic: 'meter',
    payload: '{"power": 5}',
    payloadType: 'json',
    repeat: '',
    once: false,
    wires: [['sa.stats']],
  },
  {
    id: 'sa.stats',
    z: 'sa.tab',
    type: 'edgegw-stats',
    windowKind: 'tumbling',
    windowBy: 'count',
    length: 2,
    report: true,
    reportDir: 'reports',
    reportPer: 'day',
    reportPrefix: 'meter',
    retentionDays: 7,
    persist: 'sqlite',
    dbFile: 'state.db',
    wires: [[]],
  },
];

async function nodeHealth(gw: GatewayProcess, id: string): Promise<string | undefined> {
  const h = (await (await fetch(`${gw.base}/health`)).json()) as { nodes: Array<{ id: string; state: string }> };
  return h.nodes.find((n) => n.id === id)?.state;
}

async function inject(gw: GatewayProcess, id: string): Promise<void> {
  const r = await fetch(`${gw.base}/inject/${id}`, { method: 'POST' });
  assert.equal(r.status, 200, `POST /inject/${id}`);
}

describe('stats and alarm in the runtime', () => {
  test('an unacknowledged alarm and an open window survive a restart', needPeers(SQLITE_PEER()), async () => {
    const userDir = mkdtempSync(join(tmpdir(), 'edgegw-sa-rt-'));
    writeFileSync(join(userDir, 'flows.json'), JSON.stringify(FLOWS));
    let gw = await startGatewayProcess({ userDir });
    try {
      await waitFor('alarm node in /health', async () => (await nodeHealth(gw, 'sa.alarm')) === 'ok', 20000);
      await inject(gw, 'sa.hot');
      await inject(gw, 'sa.meter');
      await waitFor('degraded', async () => (await nodeHealth(gw, 'sa.alarm')) === 'degraded', 20000);
      const metrics = await (await fetch(`${gw.base}/metrics`)).text();
      assert.ok(
        metrics.includes('edgegw_alarms_active{node="sa.alarm",severity="critical"} 1'),
        metrics
          .split('\n')
          .filter((l) => l.includes('alarm'))
          .join('\n'),
      );
      assert.equal((await gw.stop()).code, 0);

      gw = await startGatewayProcess({ userDir });
      await waitFor('still degraded after the restart', async () => (await nodeHealth(gw, 'sa.alarm')) === 'degraded', 20000);
      await inject(gw, 'sa.meter');
      const reports = join(userDir, 'reports');
      // the report file is made with its header first, its row written after: wait for the row
      await waitFor(
        'a CSV row',
        () =>
          existsSync(reports) &&
          readdirSync(reports).length === 1 &&
          readFileSync(join(reports, readdirSync(reports)[0]), 'utf8')
            .trim()
            .split('\n').length >= 2,
        20000,
      );
      const csv = readFileSync(join(reports, readdirSync(reports)[0]), 'utf8')
        .trim()
        .split('\n');
      assert.equal(csv.length, 2, csv.join('\n'));
      assert.match(csv[1], /,meter,power,2,0,0,5,5,5,5,0,10,5,5,/, 'the window holds the samples from before and after the restart');
      await inject(gw, 'sa.ack');
      await waitFor('ok once acknowledged', async () => (await nodeHealth(gw, 'sa.alarm')) === 'ok', 20000);
    } finally {
      await gw.stop();
      rmSync(userDir, { recursive: true, force: true });
    }
  });
});
