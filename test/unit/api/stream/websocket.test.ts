import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import { once } from 'node:events';
import { setTimeout as sleep } from 'node:timers/promises';
import { WebSocket, WebSocketServer } from 'ws';
import { attachWebSocket, type AttachedWebSocket } from '../../../../lib/api/stream/websocket';
import { streamHub } from '../../../../lib/api/stream/hub';
import { metricsRegistry } from '../../../../lib/metrics/registry';
import type { TagSample } from '../../../../lib/tags/contract';
import { TokenGuard } from './guard';
import { offerCurrentValues } from './current-values';

const sample = (name: string, value: number): TagSample => ({ device: 'plc', name, value, quality: 'good', ts: Date.now() });

describe('live stream over WebSocket (real server, real ws client)', () => {
  let server: Server;
  let port: number;
  let stream: AttachedWebSocket;
  // another module's websocket on the same server, as Node-RED's editor comms is
  let comms: WebSocketServer;
  const hub = streamHub();
  const guard = new TokenGuard();

  before(async () => {
    server = createServer((_req, res) => res.writeHead(404).end());
    comms = new WebSocketServer({ noServer: true });
    server.on('upgrade', (req: IncomingMessage, socket, head) => {
      if (req.url === '/comms') comms.handleUpgrade(req, socket, head, (ws) => ws.send('comms here'));
    });
    stream = attachWebSocket(server, '/api/stream', { guard, limits: { maxBacklogBytes: 256 * 1024, heartbeatMs: 10_000 } });
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    port = (server.address() as { port: number }).port;
  });
  after(async () => {
    stream.close();
    comms.close();
    server.closeAllConnections();
    await new Promise((r) => server.close(r));
  });

  async function connect(query: string, headers: Record<string, string> = { authorization: 'Bearer reader' }): Promise<{ ws: WebSocket; frames: Array<{ event: string; data: unknown }> }> {
    const ws = new WebSocket(`ws://127.0.0.1:${port}/api/stream${query}`, { headers });
    const frames: Array<{ event: string; data: unknown }> = [];
    ws.on('message', (m) => frames.push(JSON.parse((m as Buffer).toString('utf8')) as { event: string; data: unknown }));
    await once(ws, 'open');
    for (let i = 0; i < 100 && hub.clientCount === 0; i++) await sleep(5);
    return { ws, frames };
  }
  async function next(frames: Array<{ event: string; data: unknown }>, event: string, timeoutMs = 1000): Promise<unknown> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const i = frames.findIndex((f) => f.event === event);
      if (i >= 0) return frames.splice(i, 1)[0].data;
      if (Date.now() > deadline) throw new Error(`no ${event} frame within ${timeoutMs} ms`);
      await sleep(5);
    }
  }
  async function waitForClients(n: number): Promise<void> {
    for (let i = 0; i < 300 && hub.clientCount !== n; i++) await sleep(10);
    assert.equal(hub.clientCount, n);
  }

  test('a tag change and an alarm arrive within a second, filtered by device', async () => {
    const { ws, frames } = await connect('?device=plc');
    const t0 = Date.now();
    hub.publishTags([sample('temp', 7), { ...sample('x', 1), device: 'other' }]);
    const data = (await next(frames, 'tags')) as { samples: TagSample[] };
    assert.ok(Date.now() - t0 < 1000);
    assert.deepEqual(
      data.samples.map((s) => `${s.device}/${s.name}=${String(s.value)}`),
      ['plc/temp=7'],
    );
    hub.publishAlarms([{ id: 'a1', tag: 'plc/temp', rule: 'hi', severity: 'high', state: 'active', value: 7, limit: 5, message: 'hot', ts: 1, ackedBy: null }]);
    assert.equal(((await next(frames, 'alarm')) as { id: string }).id, 'a1');
    ws.close();
    await waitForClients(0);
  });

  test('a new client first gets the current values matching its filter (snapshot: true), then changes', async () => {
    const withdraw = offerCurrentValues([sample('temp', 20), sample('flow', 3)]);
    try {
      const { ws, frames } = await connect('?tag=plc/flow');
      const first = (await next(frames, 'tags')) as { samples: TagSample[]; snapshot?: boolean };
      assert.equal(first.snapshot, true);
      assert.deepEqual(
        first.samples.map((s) => `${s.device}/${s.name}=${String(s.value)}`),
        ['plc/flow=3'],
      );
      hub.publishTags([sample('flow', 4), sample('temp', 22)]);
      const change = (await next(frames, 'tags')) as { samples: TagSample[]; snapshot?: boolean };
      assert.deepEqual([change.snapshot, change.samples.map((s) => s.value)], [undefined, [4]]);
      ws.close();
      await waitForClients(0);
    } finally {
      withdraw();
    }
  });

  test('the access_token query parameter stands for the header (browsers)', async () => {
    const { ws } = await connect('?access_token=reader', {});
    assert.equal(guard.seen.at(-1)?.authorization, 'Bearer reader');
    ws.close();
    await waitForClients(0);
  });

  test('refused without a credential: the upgrade is answered 401 with the reason', async () => {
    const ws = new WebSocket(`ws://127.0.0.1:${port}/api/stream`);
    const [, res] = (await once(ws, 'unexpected-response')) as [unknown, IncomingMessage];
    assert.equal(res.statusCode, 401);
    assert.equal(res.headers['www-authenticate'], 'Bearer');
    const body: string[] = [];
    res.setEncoding('utf8').on('data', (c: string) => body.push(c));
    await once(res, 'end');
    assert.deepEqual(JSON.parse(body.join('')), { error: 'no credential' });
    assert.equal(hub.clientCount, 0);
  });

  test("other paths' upgrades are left to their own listener", async () => {
    const ws = new WebSocket(`ws://127.0.0.1:${port}/comms`);
    const [m] = (await once(ws, 'message')) as [Buffer];
    assert.equal(String(m), 'comms here');
    ws.close();
  });

  test('a client that never reads is closed (1008, with the reason) at its backlog limit', async () => {
    const { ws } = await connect('');
    const raw = (ws as unknown as { _socket: { pause(): void } })._socket;
    raw.pause(); // the client stops reading: the server's bufferedAmount grows
    const scan = Array.from({ length: 100 }, (_, i) => sample(`t${i}`, i));
    let peak = 0;
    for (let i = 0; i < 5000 && hub.clientCount > 0; i++) {
      hub.publishTags(scan);
      peak = Math.max(peak, hub.stats().backlogBytes);
      if (i % 50 === 0) await sleep(1);
    }
    assert.equal(hub.clientCount, 0, 'the slow client was dropped');
    assert.ok(peak <= 256 * 1024, `the hub's backlog peaked at ${peak} bytes`);
    assert.equal(hub.stats().backlogBytes, 0);
    const closed = once(ws, 'close');
    (raw as unknown as { resume(): void }).resume();
    const [code, reason] = (await closed) as [number, Buffer];
    assert.equal(code, 1008);
    assert.match(String(reason), /did not read/);
    assert.match(await metricsRegistry().metrics(), /edgegw_api_stream_dropped_total\{reason="backlog"\} [1-9]/);
  });
});
