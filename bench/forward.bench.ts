// Forwarding destinations: batches/s and messages/s of HttpDestination, InfluxDestination and
// PostgresDestination, each beside a raw baseline measured in the same run against the same
// server with the same data:
//   HTTP      node:http server in this process (it shares the core with the client, as does the
//             baseline); baseline = a plain http.request loop on a keep-alive agent posting the
//             same JSON body;
//   InfluxDB  influxd 1.x started here; baseline = plain http.request POSTs of the same
//             pre-built line protocol to /write;
//   Postgres  a PostgreSQL 15 cluster created here; baseline = plain pg multi-row INSERT ...
//             VALUES of the same rows in BEGIN/COMMIT, into a table of the same shape.
// Messages are scans of TAGS tag samples; one send at a time (the forwarder's in-order drain).
// Rounds alternate baseline and destination (and which goes first) so machine noise hits both;
// medians are reported.
// Run: node --expose-gc --import tsx bench/forward.bench.ts   (never fails on a number)
import http from 'node:http';
import { once } from 'node:events';
import { randomUUID } from 'node:crypto';
import type * as Pg from 'pg';
import type { Destination, QueuedMessage } from '../lib/forward/destination';
import { HttpDestination, parseHttpDestinationConfig, messageJson } from '../lib/forward/http';
import { InfluxDestination, parseInfluxDestinationConfig } from '../lib/forward/influxdb';
import { messageLines } from '../lib/forward/line-protocol';
import { PostgresDestination, parsePostgresDestinationConfig } from '../lib/forward/postgres';
import { createTableSql } from '../lib/forward/postgres-rows';
import { PEER, haveCommand } from '../test/helpers/peers';
import { startInfluxd } from '../test/helpers/influxdb';
import { startPostgres } from '../test/helpers/postgres';

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 5);
const ROUND_MS = Number(process.env.BENCH_ROUND_MS ?? 800);
const BATCH = Number(process.env.BENCH_BATCH ?? 100);
const TAGS = Number(process.env.BENCH_TAGS ?? 10);

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const fmt = (n: number, digits = 0) => n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });

let seq = 0;
const T0 = 1_700_000_000_000;
/** A fresh batch: new seq numbers and timestamps, so no database sees the same row twice. */
function nextBatch(size = BATCH): QueuedMessage[] {
  const out: QueuedMessage[] = [];
  for (let i = 0; i < size; i++) {
    const s = ++seq;
    const ts = T0 + s;
    const tags = [];
    const payload: Record<string, number> = {};
    for (let t = 0; t < TAGS; t++) {
      tags.push({ device: 'press', name: `t${t}`, value: s + t * 0.5, quality: 'good' as const, ts });
      payload[`t${t}`] = s + t * 0.5;
    }
    out.push({ seq: s, id: randomUUID(), queue: 'bench', enqueuedAt: ts, msg: { topic: 'press', payload, tags } });
  }
  return out;
}

interface Row {
  target: string;
  variant: string;
  batchesPerSec: number;
  messagesPerSec: number;
  baseline?: number;
}
const rows: Row[] = [];

/** Alternating rounds of two loops; each loop sends one batch per call. Returns median batches/s. */
async function compare(baseline: (b: QueuedMessage[]) => Promise<void>, ours: (b: QueuedMessage[]) => Promise<void>, batchSize = BATCH): Promise<[number, number]> {
  const rates: [number[], number[]] = [[], []];
  await baseline(nextBatch(batchSize));
  await ours(nextBatch(batchSize));
  for (let r = 0; r < ROUNDS; r++) {
    // Which one goes first alternates too, so neither always follows the other's garbage.
    for (const i of r % 2 === 0 ? [0, 1] : [1, 0]) {
      const fn = i === 0 ? baseline : ours;
      global.gc?.();
      let batches = 0;
      const start = performance.now();
      while (performance.now() - start < ROUND_MS) {
        await fn(nextBatch(batchSize));
        batches++;
      }
      rates[i].push((batches * 1000) / (performance.now() - start));
    }
  }
  return [median(rates[0]), median(rates[1])];
}

async function expectDelivered(dest: Destination, batch: QueuedMessage[]): Promise<void> {
  const outcomes = await dest.send(batch);
  const bad = outcomes.find((o) => o.status !== 'delivered');
  if (bad) throw new Error(`${dest.describe}: ${JSON.stringify(bad)}`);
}

function rawPost(agent: http.Agent, url: URL, body: Buffer, contentType: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const req = http.request(url, { method: 'POST', agent, headers: { 'Content-Type': contentType, 'Content-Length': String(body.length) } }, (res) => {
      res.resume();
      res.on('end', () => ((res.statusCode ?? 0) < 300 ? resolve() : reject(new Error(`HTTP ${res.statusCode}`))));
    });
    req.on('error', reject);
    req.end(body);
  });
}

async function benchHttp(): Promise<void> {
  const server = http.createServer((req, res) => {
    req.resume();
    req.on('end', () => res.writeHead(204).end());
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const url = new URL(`http://127.0.0.1:${(server.address() as { port: number }).port}/ingest`);
  const agent = new http.Agent({ keepAlive: true, maxSockets: 8 });
  const array = new HttpDestination(parseHttpDestinationConfig({ url: url.href, batching: 'array', maxBatch: BATCH }));
  const [base, ours] = await compare(
    (b) => rawPost(agent, url, Buffer.from(`[${b.map((m) => messageJson(m, 'payload')).join(',')}]`), 'application/json'),
    (b) => expectDelivered(array, b),
  );
  rows.push({ target: 'HTTP', variant: `raw http.request, JSON array of ${BATCH}`, batchesPerSec: base, messagesPerSec: base * BATCH });
  rows.push({ target: 'HTTP', variant: `HttpDestination array, batch ${BATCH}`, batchesPerSec: ours, messagesPerSec: ours * BATCH, baseline: base });
  const single = new HttpDestination(parseHttpDestinationConfig({ url: url.href, batching: 'single', maxBatch: 10 }));
  const [base1, ours1] = await compare(
    async (b) => {
      for (const m of b) await rawPost(agent, url, Buffer.from(messageJson(m, 'payload')), 'application/json');
    },
    (b) => expectDelivered(single, b),
    10,
  );
  rows.push({ target: 'HTTP', variant: 'raw http.request, one POST per message', batchesPerSec: base1, messagesPerSec: base1 * 10 });
  rows.push({ target: 'HTTP', variant: 'HttpDestination single, batch 10', batchesPerSec: ours1, messagesPerSec: ours1 * 10, baseline: base1 });
  await array.close();
  await single.close();
  agent.destroy();
  server.closeAllConnections();
  server.close();
}

async function benchInflux(): Promise<void> {
  const influx = await startInfluxd();
  try {
    await influx.query('CREATE DATABASE bench');
    const dest = new InfluxDestination(parseInfluxDestinationConfig({ url: influx.url, database: 'bench', maxBatch: BATCH }));
    const agent = new http.Agent({ keepAlive: true, maxSockets: 4 });
    const writeUrl = new URL(`${influx.url}/write?db=bench&precision=ms`);
    const lpOptions = { valueFields: 'by-type', nonTagMessages: 'fields', fallbackMeasurement: 'message' } as const;
    // The baseline's line protocol is built outside its timed call only in spirit: it is built per
    // batch too (same encoder), so both sides pay for encoding.
    const [base, ours] = await compare(
      (b) => rawPost(agent, writeUrl, Buffer.from(b.flatMap((m) => messageLines(m, lpOptions)).join('\n')), 'text/plain'),
      (b) => expectDelivered(dest, b),
    );
    rows.push({ target: 'InfluxDB 1.x', variant: `raw http.request POST /write, ${BATCH} scans`, batchesPerSec: base, messagesPerSec: base * BATCH });
    rows.push({ target: 'InfluxDB 1.x', variant: `InfluxDestination, batch ${BATCH}`, batchesPerSec: ours, messagesPerSec: ours * BATCH, baseline: base });
    await dest.close();
    agent.destroy();
  } finally {
    await influx.dispose();
  }
}

async function benchPostgres(): Promise<void> {
  const server = await startPostgres();
  let client: Pg.Client | undefined;
  try {
    const conn = { host: server.host, port: server.port, user: server.user, password: server.password, database: server.database };
    const dest = new PostgresDestination(parsePostgresDestinationConfig({ ...conn, table: 'ours', createTable: true, maxBatch: BATCH }));
    await dest.start();
    client = await server.connect();
    for (const sql of createTableSql({ name: 'plain' })) await client.query(sql);
    const c = client;
    const plainInsert = async (b: QueuedMessage[]) => {
      const values: unknown[] = [];
      const tuples: string[] = [];
      for (const m of b) {
        (m.msg.tags as Array<{ device: string; name: string; value: number; quality: string; ts: number }>).forEach((s, part) => {
          const n = values.length;
          tuples.push(`(to_timestamp($${n + 1}::float8 / 1000.0), $${n + 2}, $${n + 3}, $${n + 4}, NULL, $${n + 5}, $${n + 6}, $${n + 7}, $${n + 8}, $${n + 9})`);
          values.push(s.ts, s.device, s.name, s.value, s.quality, m.seq, m.id, m.queue, part);
        });
      }
      await c.query('BEGIN');
      await c.query(`INSERT INTO plain (ts, device, tag, value, value_text, quality, seq, msg_id, queue, part) VALUES ${tuples.join(',')} ON CONFLICT DO NOTHING`, values);
      await c.query('COMMIT');
    };
    const [base, ours] = await compare(plainInsert, (b) => expectDelivered(dest, b));
    rows.push({ target: 'PostgreSQL 15', variant: `raw pg INSERT ... VALUES, ${BATCH} scans`, batchesPerSec: base, messagesPerSec: base * BATCH });
    rows.push({ target: 'PostgreSQL 15', variant: `PostgresDestination, batch ${BATCH}`, batchesPerSec: ours, messagesPerSec: ours * BATCH, baseline: base });
    await dest.close();
  } finally {
    await client?.end().catch(() => undefined);
    server.dispose();
  }
}

async function main(): Promise<void> {
  console.log(`Forwarding destinations: scans of ${TAGS} tags, ${ROUNDS} rounds of ${ROUND_MS} ms alternating baseline and destination, medians, one send at a time (Node ${process.version})`);
  const skipped: string[] = [];
  await benchHttp();
  if (haveCommand('influxd')) await benchInflux();
  else skipped.push(`InfluxDB (${PEER.influxdb()[2]})`);
  let pgLoads = true;
  try {
    require('pg');
  } catch {
    pgLoads = false;
  }
  if (PEER.postgres()[1] && pgLoads) await benchPostgres();
  else skipped.push(`PostgreSQL (${PEER.postgres()[2]}${pgLoads ? '' : ', npm install pg'})`);
  console.log('');
  console.log('| target | variant | batches/s | messages/s | tag samples/s | vs raw |');
  console.log('|---|---|---:|---:|---:|---:|');
  for (const r of rows) {
    console.log(
      `| ${r.target} | ${r.variant} | ${fmt(r.batchesPerSec)} | ${fmt(r.messagesPerSec)} | ${fmt(r.messagesPerSec * TAGS)} | ${r.baseline ? `${fmt((100 * r.batchesPerSec) / r.baseline)}%` : 'baseline'} |`,
    );
  }
  if (skipped.length) console.log(`\nskipped (peer missing): ${skipped.join('; ')}`);
}

main().then(
  () => process.exit(0),
  (err) => {
    console.error(err);
    process.exit(1);
  },
);
