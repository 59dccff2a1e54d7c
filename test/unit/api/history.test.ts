// GET /history over real HTTP against a real HistorianStore (SQLite): raw rows as JSON, steps
// downsampled with an aggregate, the CSV export's content, and a bad query naming its field.
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, get, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { needPeers } from '../../helpers/peers';
import { SQLITE_PEER } from '../../helpers/sqlite-store';
import { ApiDirectory, createApiRouter } from '../../../lib/api';
import { HistorianStore } from '../../../lib/historian';
import { readCsv } from '../../../lib/system/text/csv';
import type { TagSample } from '../../../lib/tags/contract';

const T0 = Date.UTC(2026, 11, 1);

function fetchText(port: number, path: string): Promise<{ status: number; type: string; text: string }> {
  return new Promise((resolve, reject) => {
    get({ host: '127.0.0.1', port, path }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, type: String(res.headers['content-type']), text: Buffer.concat(chunks).toString('utf8') }));
    }).on('error', reject);
  });
}

describe('GET /history', needPeers(SQLITE_PEER()), () => {
  let dir: string;
  let store: HistorianStore;
  let server: Server;
  let port: number;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'edgegw-api-history-'));
    store = await HistorianStore.open({ path: join(dir, 'h.db'), retentionMs: 3650 * 86_400_000, pruneEveryMs: 3_600_000 });
    // ten minutes of boiler/flow_temp at 1 s: value = second % 60
    const samples: TagSample[] = [];
    for (let s = 0; s < 600; s++) samples.push({ device: 'boiler', name: 'flow_temp', value: s % 60, quality: 'good', ts: T0 + s * 1000 });
    store.add(samples);
    await store.flush();
    const directory = new ApiDirectory();
    directory.register('historians', { id: 'h1', name: 'history', query: (q) => store.query(q) });
    const router = createApiRouter({
      directory,
      guard: { check: () => Promise.resolve({ ok: true, principal: { kind: 'loopback', id: 'loopback', actor: 'api:loopback', scopes: ['read'] } }), close: () => undefined },
    });
    server = createServer((req, res) => void router.handle(req, res, req.url!.replace(/^\/api/, '')));
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    port = (server.address() as AddressInfo).port;
  });
  after(async () => {
    await new Promise<void>((r) => server.close(() => r()));
    await store?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  test('raw rows and 1-minute steps as JSON', async () => {
    const raw = await fetchText(port, `/api/history?tag=boiler/flow_temp&from=${T0}&to=${T0 + 5000}`);
    assert.equal(raw.status, 200);
    assert.deepEqual(
      JSON.parse(raw.text).map((r: { value: number }) => r.value),
      [0, 1, 2, 3, 4],
    );
    const steps = await fetchText(port, `/api/history?tag=boiler/flow_temp&from=${new Date(T0).toISOString()}&to=${T0 + 600_000}&step=60000&agg=max`);
    const rows = JSON.parse(steps.text) as Array<{ ts: number; value: number; count: number }>;
    assert.equal(rows.length, 10);
    assert.deepEqual(rows[3], { tag: 'boiler/flow_temp', ts: T0 + 180_000, value: 59, quality: 'good', count: 60 });
  });

  test('CSV export: a header and one line per row, as text/csv', async () => {
    const csv = await fetchText(port, `/api/history?tag=boiler/flow_temp&from=${T0}&to=${T0 + 120_000}&step=60000&agg=avg&format=csv`);
    assert.equal(csv.status, 200);
    assert.equal(csv.type, 'text/csv; charset=utf-8');
    const table = readCsv(csv.text).map((r) => r.fields);
    assert.deepEqual(table[0], ['tag', 'ts', 'time', 'value', 'quality', 'count']);
    assert.deepEqual(table.slice(1), [
      ['boiler/flow_temp', String(T0), new Date(T0).toISOString(), '29.5', 'good', '60'],
      ['boiler/flow_temp', String(T0 + 60_000), new Date(T0 + 60_000).toISOString(), '29.5', 'good', '60'],
    ]);
  });

  test('a query the historian refuses names its field', async () => {
    const r = await fetchText(port, `/api/history?tag=boiler/flow_temp&from=${T0 + 5000}&to=${T0}`);
    assert.equal(r.status, 400);
    assert.equal(JSON.parse(r.text).field, 'query.from');
  });
});
