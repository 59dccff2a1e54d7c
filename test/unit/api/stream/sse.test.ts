import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, get, type IncomingMessage, type Server } from 'node:http';
import { connect } from 'node:net';
import { once } from 'node:events';
import { setTimeout as sleep } from 'node:timers/promises';
import { handleSse } from '../../../../lib/api/stream/sse';
import { streamHub } from '../../../../lib/api/stream/hub';
import { metricsRegistry } from '../../../../lib/metrics/registry';
import type { TagSample } from '../../../../lib/tags/contract';
import { TokenGuard } from './guard';
import { offerCurrentValues } from './current-values';

const sample = (name: string, value: number): TagSample => ({ device: 'plc', name, value, quality: 'good', ts: Date.now() });

/** Reads SSE frames from a response as they come. */
class SseReader {
  frames: Array<{ event: string; data: unknown }> = [];
  private buf = '';
  constructor(readonly res: IncomingMessage) {
    res.setEncoding('utf8');
    res.on('data', (chunk: string) => {
      this.buf += chunk;
      let end: number;
      while ((end = this.buf.indexOf('\n\n')) >= 0) {
        const block = this.buf.slice(0, end);
        this.buf = this.buf.slice(end + 2);
        const event = /^event: (.*)$/m.exec(block)?.[1];
        const data = /^data: (.*)$/m.exec(block)?.[1];
        if (event && data) this.frames.push({ event, data: JSON.parse(data) });
      }
    });
  }
  async next(event: string, timeoutMs = 1000): Promise<unknown> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const i = this.frames.findIndex((f) => f.event === event);
      if (i >= 0) return this.frames.splice(i, 1)[0].data;
      if (Date.now() > deadline) throw new Error(`no ${event} frame within ${timeoutMs} ms`);
      await sleep(5);
    }
  }
}

describe('live stream over SSE (real HTTP server)', () => {
  let server: Server;
  let port: number;
  // the process's hub: /metrics reads that one
  const hub = streamHub();
  const guard = new TokenGuard();
  const limits = { maxBacklogBytes: 256 * 1024, heartbeatMs: 200 };

  before(async () => {
    server = createServer((req, res) => {
      if (req.url?.startsWith('/api/stream')) void handleSse(req, res, { guard, limits });
      else res.writeHead(404).end();
    });
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    port = (server.address() as { port: number }).port;
  });
  after(async () => {
    server.closeAllConnections();
    await new Promise((r) => server.close(r));
  });

  function open(query: string, headers: Record<string, string> = { authorization: 'Bearer reader' }): Promise<IncomingMessage> {
    return new Promise((resolve, reject) => get({ host: '127.0.0.1', port, path: `/api/stream${query}`, headers }, resolve).on('error', reject));
  }
  async function waitForClients(n: number): Promise<void> {
    for (let i = 0; i < 200 && hub.clientCount !== n; i++) await sleep(10);
    assert.equal(hub.clientCount, n);
  }

  test('a new client first gets the current values matching its filter (snapshot: true), then changes', async () => {
    const withdraw = offerCurrentValues([sample('temp', 20), { ...sample('flow', 3), device: 'other' }]);
    try {
      const res = await open('?device=plc');
      const reader = new SseReader(res);
      const first = (await reader.next('tags')) as { samples: TagSample[]; snapshot?: boolean };
      assert.equal(first.snapshot, true);
      assert.deepEqual(
        first.samples.map((s) => `${s.device}/${s.name}=${String(s.value)}`),
        ['plc/temp=20'],
      );
      await waitForClients(1);
      hub.publishTags([sample('temp', 21)]);
      const change = (await reader.next('tags')) as { samples: TagSample[]; snapshot?: boolean };
      assert.deepEqual([change.snapshot, change.samples.map((s) => s.value)], [undefined, [21]]);
      res.destroy();
      await waitForClients(0);
    } finally {
      withdraw();
    }
  });

  test('a tag change arrives within a second', async () => {
    const res = await open('');
    assert.equal(res.statusCode, 200);
    assert.match(String(res.headers['content-type']), /^text\/event-stream/);
    const reader = new SseReader(res);
    await waitForClients(1);
    const t0 = Date.now();
    hub.publishTags([sample('temp', 21.5)]);
    const data = (await reader.next('tags')) as { samples: TagSample[] };
    assert.ok(Date.now() - t0 < 1000);
    assert.deepEqual(
      data.samples.map((s) => [s.name, s.value, s.quality]),
      [['temp', 21.5, 'good']],
    );
    res.destroy();
    await waitForClients(0);
  });

  test('filters and minInterval from the query; the token may come as access_token', async () => {
    const res = await open('?tag=plc/a&minInterval=300&events=tags&access_token=reader', {});
    assert.equal(res.statusCode, 200);
    assert.equal(guard.seen.at(-1)?.authorization, 'Bearer reader');
    assert.equal(guard.seen.at(-1)?.path, '/api/stream', 'the token is not in the path the guard audits');
    const reader = new SseReader(res);
    await waitForClients(1);
    for (let i = 0; i < 20; i++) hub.publishTags([sample('a', i), sample('b', i)]);
    hub.publishQueue({ queue: 'q', depth: 0, waiting: 0, rate: 0, destination: 'connected', forwarder: 'running', health: 'ok', oldestAgeS: 0, ts: 1 });
    assert.deepEqual(
      ((await reader.next('tags')) as { samples: TagSample[] }).samples.map((s) => `${s.name}=${String(s.value)}`),
      ['a=0'],
    );
    const later = (await reader.next('tags', 1000)) as { samples: TagSample[] };
    assert.deepEqual(
      later.samples.map((s) => `${s.name}=${String(s.value)}`),
      ['a=19'],
    );
    assert.equal(
      reader.frames.find((f) => f.event !== 'tags'),
      undefined,
    );
    res.destroy();
    await waitForClients(0);
  });

  test('refused without a credential (401, challenge), with a bad filter (400 naming it)', async () => {
    const none = await open('', {});
    assert.equal(none.statusCode, 401);
    assert.equal(none.headers['www-authenticate'], 'Bearer');
    none.resume();
    const bad = await open('?minInterval=soon');
    assert.equal(bad.statusCode, 400);
    const body: string[] = [];
    bad.setEncoding('utf8').on('data', (c: string) => body.push(c));
    await once(bad, 'end');
    assert.match(JSON.parse(body.join('')).error, /^minInterval:/);
    assert.equal(hub.clientCount, 0);
  });

  test('a client that never reads is dropped at its backlog limit; the hub does not hold more', async () => {
    // a raw socket that sends the request and then never reads a byte
    const socket = connect(port, '127.0.0.1');
    await once(socket, 'connect');
    socket.pause();
    socket.write(`GET /api/stream HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer reader\r\n\r\n`);
    await waitForClients(1);
    const scan = Array.from({ length: 100 }, (_, i) => sample(`t${i}`, i));
    let peak = 0;
    for (let i = 0; i < 5000 && hub.clientCount > 0; i++) {
      hub.publishTags(scan);
      peak = Math.max(peak, hub.stats().backlogBytes);
      if (i % 50 === 0) await sleep(1); // let the socket move what the kernel takes
    }
    assert.equal(hub.clientCount, 0, 'the slow client was dropped');
    assert.ok(peak <= limits.maxBacklogBytes, `the hub's backlog peaked at ${peak} bytes`);
    assert.equal(hub.stats().backlogBytes, 0);
    assert.ok(hub.stats().dropped.backlog >= 1);
    const metrics = await metricsRegistry().metrics();
    assert.match(metrics, /edgegw_api_stream_dropped_total\{reason="backlog"\}/);
    socket.destroy();
  });
});
