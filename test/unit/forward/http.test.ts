// HttpDestination against a real node:http(s) server on a loopback port: what counts as the ack
// (2xx), what is dead-lettered (4xx) and what is retried (5xx, 408/429, timeouts, refused
// connections), the seq/id/queue fields and headers, batching, and close() in mid-request.
import { test, describe, after } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import https from 'node:https';
import { once } from 'node:events';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { HttpDestination, parseHttpDestinationConfig } from '../../../lib/forward/http';
import { MAX_RETRY_AFTER_MS } from '../../../lib/forward/http-request';
import type { DestinationStatus } from '../../../lib/forward/destination';
import { drain, queued, sequence } from '../../helpers/forward-driver';
import { freePort, waitFor } from '../../helpers/process';
import { haveCommand, needPeers } from '../../helpers/peers';
import { resourceCounts, settleTo } from '../../helpers/modbus-leaks';

interface Received {
  method: string;
  url: string;
  headers: http.IncomingHttpHeaders;
  body: unknown;
}

type Reply = (req: Received, res: http.ServerResponse) => void;

/** A real HTTP(S) server whose answer each test chooses; it records every request. */
async function endpoint(reply: Reply = (_r, res) => res.writeHead(204).end(), tls?: { key: string; cert: string }) {
  const received: Received[] = [];
  const sockets = new Set<import('node:net').Socket>();
  const handler = (req: http.IncomingMessage, res: http.ServerResponse) => {
    let text = '';
    req.setEncoding('utf8');
    req.on('data', (c: string) => (text += c));
    req.on('end', () => {
      const r = { method: req.method ?? '', url: req.url ?? '', headers: req.headers, body: text ? JSON.parse(text) : undefined };
      received.push(r);
      reply(r, res);
    });
  };
  const server = tls ? https.createServer(tls, handler) : http.createServer(handler);
  // Idle keep-alive connections stay until the client closes them, so a client that forgets to
  // release its sockets shows up in the leak test instead of being tidied by the server.
  server.keepAliveTimeout = 120_000;
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const port = (server.address() as { port: number }).port;
  return {
    port,
    url: `${tls ? 'https' : 'http'}://127.0.0.1:${port}/ingest`,
    received,
    async close() {
      for (const s of sockets) s.destroy();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
}

const destinations: HttpDestination[] = [];
function destination(raw: Record<string, unknown>): HttpDestination {
  const d = new HttpDestination(parseHttpDestinationConfig(raw));
  destinations.push(d);
  return d;
}
after(async () => {
  for (const d of destinations) await d.close();
});

describe('HttpDestination', () => {
  test('single: one POST per message, 2xx delivered, seq/id/queue in the JSON object and in headers, bearer token', async () => {
    const srv = await endpoint((_r, res) => res.writeHead(201).end('{}'));
    const dest = destination({ url: srv.url, bearerToken: 'tok-123' });
    await dest.start();
    const batch = [queued({ topic: 'plc1', payload: { temp: 21.5 } }, { seq: 7, queue: 'line-a' }), queued({ topic: 'plc1', payload: 42 }, { seq: 8, queue: 'line-a' })];
    const outcomes = await dest.send(batch);
    assert.deepEqual(outcomes, [
      { seq: 7, status: 'delivered' },
      { seq: 8, status: 'delivered' },
    ]);
    assert.equal(srv.received.length, 2);
    assert.deepEqual(srv.received[0].body, { temp: 21.5, seq: 7, id: batch[0].id, queue: 'line-a' });
    assert.equal(srv.received[1].body, 42, 'a non-object payload goes as it is; seq travels in the headers');
    assert.equal(srv.received[1].headers['x-edgegw-seq'], '8');
    assert.equal(srv.received[1].headers['x-edgegw-id'], batch[1].id);
    assert.equal(srv.received[1].headers['x-edgegw-queue'], 'line-a');
    assert.equal(srv.received[0].headers.authorization, 'Bearer tok-123');
    assert.equal(srv.received[0].method, 'POST');
    assert.equal(srv.received[0].headers['content-type'], 'application/json');
    assert.equal(dest.status().state, 'connected');
    await srv.close();
  });

  test('array: one PUT per batch with the whole messages, seq range in headers', async () => {
    const srv = await endpoint((_r, res) => res.writeHead(200).end());
    const dest = destination({ url: srv.url, method: 'put', batching: 'array', content: 'message', headers: '{"X-Site": "plant-3"}' });
    const batch = sequence(5, (i) => ({ topic: `dev/t${i}`, payload: i }));
    const outcomes = await dest.send(batch);
    assert.ok(outcomes.every((o) => o.status === 'delivered'));
    assert.equal(srv.received.length, 1);
    const r = srv.received[0];
    assert.equal(r.method, 'PUT');
    assert.equal(r.headers['x-site'], 'plant-3');
    assert.equal(r.headers['x-edgegw-seq'], '1');
    assert.equal(r.headers['x-edgegw-seq-last'], '5');
    assert.equal(r.headers['x-edgegw-count'], '5');
    assert.deepEqual(
      r.body,
      batch.map((m) => ({ topic: m.msg.topic, payload: m.msg.payload, seq: m.seq, id: m.id, queue: 'q1' })),
    );
    await srv.close();
  });

  test('4xx is rejected with the status and body; 408 and 429 retried; 5xx retried with an error status', async () => {
    let answer = 400;
    const srv = await endpoint((_r, res) => res.writeHead(answer, { 'Content-Type': 'application/json' }).end('{"error":"field temp missing"}'));
    const dest = destination({ url: srv.url });
    const states: DestinationStatus[] = [];
    dest.onStatus((s) => states.push(s));
    const one = () => dest.send([queued({ payload: { a: 1 } }, { seq: 1 })]);
    let [o] = await one();
    assert.equal(o.status, 'rejected');
    assert.match((o as { error: string }).error, /HTTP 400.*field temp missing/);
    for (answer of [408, 429, 500, 503]) {
      [o] = await one();
      assert.equal(o.status, 'retry', `HTTP ${answer}`);
      assert.match((o as { error: string }).error, new RegExp(`HTTP ${answer}`));
    }
    assert.equal(dest.status().state, 'error');
    assert.match(dest.status().detail ?? '', /HTTP 503/);
    answer = 404;
    [o] = await one();
    assert.equal(o.status, 'rejected');
    assert.deepEqual(
      states.map((s) => `${s.state}${s.detail ? ` ${s.detail}` : ''}`),
      ['connected', 'error HTTP 500', 'error HTTP 503', 'connected'],
    );
    await srv.close();
  });

  test('429 and 503 pass their Retry-After (seconds or an HTTP date) on to the forwarder; 429 is transient whatever retryStatuses says', async () => {
    let answer: { status: number; headers: Record<string, string> } = { status: 429, headers: { 'Retry-After': '7' } };
    const srv = await endpoint((_r, res) => res.writeHead(answer.status, answer.headers).end('slow down'));
    const dest = destination({ url: srv.url, retryStatuses: '409' });
    const one = async () => (await dest.send([queued({ payload: 1 })]))[0];
    let o = await one();
    assert.deepEqual([o.status, (o as { retryAfterMs?: number }).retryAfterMs], ['retry', 7000]);
    assert.match((o as { error: string }).error, /HTTP 429 \(transient\) \(retry after 7 s\): slow down/);
    answer = { status: 503, headers: { 'Retry-After': new Date(Date.now() + 30_000).toUTCString() } };
    o = await one();
    const ms = (o as { retryAfterMs?: number }).retryAfterMs ?? 0;
    assert.ok(o.status === 'retry' && ms > 25_000 && ms <= 30_000, `503: ${JSON.stringify(o)}`);
    answer = { status: 503, headers: { 'Retry-After': '86400' } };
    assert.equal(((await one()) as { retryAfterMs?: number }).retryAfterMs, MAX_RETRY_AFTER_MS, 'a day is cut to the cap');
    answer = { status: 500, headers: { 'Retry-After': '7' } };
    o = await one();
    assert.equal(o.status, 'retry');
    assert.equal('retryAfterMs' in o, false, 'only 429 and 503 carry a pause');
    answer = { status: 429, headers: { 'Retry-After': 'soon' } };
    o = await one();
    assert.equal(o.status, 'retry');
    assert.equal('retryAfterMs' in o, false, 'an unreadable Retry-After is ignored');
    await srv.close();
  });

  test('retryStatuses makes a configured 4xx transient', async () => {
    const srv = await endpoint((_r, res) => res.writeHead(409).end('busy'));
    const dest = destination({ url: srv.url, retryStatuses: '408, 409, 429' });
    const [o] = await dest.send([queued({ payload: 1 })]);
    assert.equal(o.status, 'retry');
    await srv.close();
  });

  test('single: after a retry the rest of the batch is not sent (order per queue)', async () => {
    const srv = await endpoint((r, res) => res.writeHead((r.body as { seq: number }).seq === 3 ? 503 : 200).end());
    const dest = destination({ url: srv.url });
    const outcomes = await dest.send(sequence(6, (i) => ({ payload: { i } })));
    assert.deepEqual(
      outcomes.map((o) => o.status),
      ['delivered', 'delivered', 'retry', 'retry', 'retry', 'retry'],
    );
    assert.equal(srv.received.length, 3, 'messages after the failed one were not sent');
    assert.match((outcomes[4] as { error: string }).error, /seq 3/);
    await srv.close();
  });

  test('array: a 4xx batch is re-sent one message at a time so only the bad message is dead-lettered', async () => {
    const srv = await endpoint((r, res) => {
      const items = r.body as Array<{ bad?: boolean }>;
      res.writeHead(items.some((x) => x.bad) ? 422 : 200).end(items.some((x) => x.bad) ? 'bad item' : '');
    });
    const dest = destination({ url: srv.url, batching: 'array' });
    const batch = sequence(5, (i) => ({ payload: { i, bad: i === 2 } }));
    const outcomes = await dest.send(batch);
    assert.deepEqual(
      outcomes.map((o) => o.status),
      ['delivered', 'delivered', 'rejected', 'delivered', 'delivered'],
    );
    assert.match((outcomes[2] as { error: string }).error, /HTTP 422: bad item/);
    const accepted = srv.received.filter((r) => !(r.body as Array<{ bad?: boolean }>).some((x) => x.bad)).flatMap((r) => (r.body as Array<{ seq: number }>).map((x) => x.seq));
    assert.deepEqual(accepted, [1, 2, 4, 5]);
    await srv.close();
  });

  test('a server that never answers: the timeout makes it a retry and the status disconnected', async () => {
    const srv = await endpoint(() => undefined);
    const dest = destination({ url: srv.url, timeoutMs: 300 });
    const [o] = await dest.send([queued({ payload: 1 })]);
    assert.equal(o.status, 'retry');
    assert.match((o as { error: string }).error, /no complete response within 300 ms/);
    assert.equal(dest.status().state, 'disconnected');
    await srv.close();
  });

  test('connection refused is a retry', async () => {
    const port = await freePort();
    const dest = destination({ url: `http://127.0.0.1:${port}/x` });
    const [o] = await dest.send([queued({ payload: 1 })]);
    assert.equal(o.status, 'retry');
    assert.match((o as { error: string }).error, /ECONNREFUSED/);
    assert.equal(dest.status().state, 'disconnected');
  });

  test('close() during a request resolves it as retry and later sends are retries too', async () => {
    const srv = await endpoint(() => undefined);
    const dest = new HttpDestination(parseHttpDestinationConfig({ url: srv.url, timeoutMs: 60_000 }));
    const pending = dest.send([queued({ payload: 1 }, { seq: 1 }), queued({ payload: 2 }, { seq: 2 })]);
    await waitFor('the request to reach the server', () => srv.received.length === 1);
    await dest.close();
    assert.deepEqual(
      (await pending).map((o) => o.status),
      ['retry', 'retry'],
    );
    assert.deepEqual(
      (await dest.send([queued({ payload: 3 })])).map((o) => o.status),
      ['retry'],
    );
    await srv.close();
  });

  test('an endpoint that fails, times out and goes away: the retry loop delivers everything, in order, no gap', async () => {
    const port = await freePort();
    const accepted: number[] = [];
    let requests = 0;
    const reply: Reply = (r, res) => {
      requests++;
      if (requests % 7 === 3) return res.writeHead(503).end('overloaded');
      if (requests % 11 === 5) return; // never answers: the destination's timeout
      accepted.push(...(r.body as Array<{ seq: number }>).map((x) => x.seq));
      res.writeHead(204).end();
    };
    const start = async () => {
      const srv = http.createServer((req, res) => {
        let text = '';
        req.on('data', (c) => (text += c));
        req.on('end', () => reply({ method: req.method!, url: req.url!, headers: req.headers, body: JSON.parse(text) }, res));
      });
      srv.listen(port, '127.0.0.1');
      await once(srv, 'listening');
      return srv;
    };
    let srv: http.Server | undefined = await start();
    const dest = destination({ url: `http://127.0.0.1:${port}/`, batching: 'array', maxBatch: 20, timeoutMs: 250 });
    const messages = sequence(1000, (i) => ({ payload: { i } }));
    const result = await drain(dest, messages, {
      pauseMs: 20,
      onRound: async (round) => {
        // The endpoint is away for rounds 10..19.
        if (round === 10 && srv) {
          srv.closeAllConnections();
          await new Promise<void>((r) => srv!.close(() => r()));
          srv = undefined;
        }
        if (round === 20 && !srv) srv = await start();
      },
    });
    assert.deepEqual(result.rejected, []);
    assert.deepEqual(
      result.delivered,
      messages.map((m) => m.seq),
    );
    assert.ok(result.retries >= 10, `expected retries during the outage, got ${result.retries}`);
    assert.ok(result.retryErrors.some((e) => /ECONNREFUSED/.test(e)) && result.retryErrors.some((e) => /HTTP 503/.test(e)) && result.retryErrors.some((e) => /no complete response/.test(e)));
    // The server saw each message once unless its answer was lost (the timeout case): at-least-once.
    const firstSeen = [...new Set(accepted)];
    assert.deepEqual(
      firstSeen,
      messages.map((m) => m.seq),
      'first arrivals in order, none missing',
    );
    srv?.closeAllConnections();
    await new Promise<void>((r) => (srv ? srv.close(() => r()) : r()));
  });

  test('https with a private CA and basic auth from the URL; the password appears in no describe or error', needPeers(['openssl', haveCommand('openssl'), 'apt-get install openssl']), async () => {
    const dir = mkdtempSync(join(tmpdir(), 'edgegw-tls-'));
    try {
      execFileSync(
        'openssl',
        [
          'req',
          '-x509',
          '-newkey',
          'rsa:2048',
          '-nodes',
          '-keyout',
          join(dir, 'key.pem'),
          '-out',
          join(dir, 'cert.pem'),
          '-days',
          '2',
          '-subj',
          '/CN=127.0.0.1',
          '-addext',
          'subjectAltName=IP:127.0.0.1',
        ],
        { stdio: 'ignore' },
      );
      const tls = { key: readFileSync(join(dir, 'key.pem'), 'utf8'), cert: readFileSync(join(dir, 'cert.pem'), 'utf8') };
      const srv = await endpoint((r, res) => res.writeHead(r.headers.authorization === `Basic ${Buffer.from('gw:p@ss w0rd').toString('base64')}` ? 200 : 401).end(), tls);
      const url = srv.url.replace('https://', `https://gw:${encodeURIComponent('p@ss w0rd')}@`);
      const untrusted = destination({ url });
      const [o1] = await untrusted.send([queued({ payload: 1 })]);
      assert.equal(o1.status, 'retry', 'an unknown certificate is refused (and retried, not dead-lettered)');
      assert.doesNotMatch((o1 as { error: string }).error, /p@ss|w0rd/);
      const dest = destination({ url, ca: tls.cert });
      assert.doesNotMatch(dest.describe, /p@ss|w0rd/);
      assert.equal(dest.describe, `POST ${srv.url}`, 'credentials moved from the URL to the Authorization header');
      const [o2] = await dest.send([queued({ payload: 1 })]);
      assert.equal(o2.status, 'delivered');
      await srv.close();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('100 start/send/close cycles, half of them closed mid-request, leave no socket or timer behind', async () => {
    let n = 0;
    const srv = await endpoint((_r, res) => {
      if (++n % 2 === 0) return; // every other request hangs until the destination closes
      res.writeHead(204).end();
    });
    const baseline = resourceCounts();
    for (let i = 0; i < 100; i++) {
      const dest = new HttpDestination(parseHttpDestinationConfig({ url: srv.url, timeoutMs: 60_000 }));
      await dest.start();
      const pending = dest.send([queued({ payload: i })]);
      if (i % 2 === 1) await waitFor('the request', () => srv.received.length === i + 1);
      else assert.equal((await pending)[0].status, 'delivered');
      await dest.close();
      assert.equal((await pending)[0].status, i % 2 === 1 ? 'retry' : 'delivered');
    }
    assert.deepEqual(await settleTo(baseline, 10_000), []);
    await srv.close();
  });

  test('error texts never carry the token, even when the server echoes it', async () => {
    const srv = await endpoint((r, res) => res.writeHead(403).end(`bad token ${r.headers.authorization}`));
    const dest = destination({ url: srv.url, bearerToken: 'super-secret-token' });
    const [o] = await dest.send([queued({ payload: 1 })]);
    assert.equal(o.status, 'rejected');
    assert.match((o as { error: string }).error, /bad token Bearer \*\*\*/);
    assert.doesNotMatch((o as { error: string }).error, /super-secret-token/);
    await srv.close();
  });
});
