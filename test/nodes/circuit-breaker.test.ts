// The circuit-breaker node in a real Node-RED: outcomes wired back as msg.breaker, outcomes
// observed on a downstream node (core http request against a real HTTP server, and a node that
// calls done(err)), the stale fallback, state changes, /metrics and /health.
import { test, describe, before, after, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type RequestListener, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { helper, nodeModule } from '../helpers/nodered';
import { waitFor } from '../helpers/process';
import { hooksModule } from '../helpers/node-red-hooks';
import { clearCollected, collectorModule, errorsOf, lastStatus, received } from '../helpers/can-nodes';
import { healthRegistry } from '../../lib/health/registry';
import { metricsRegistry } from '../../lib/metrics/registry';
import type { NodeAPI, Node, NodeDef, NodeMessage, SendFn, DoneFn } from '../../nodes/common/red';

/** A downstream node that fails (done(err)) the messages whose payload is "fail". */
function flakyModule(RED: NodeAPI): void {
  RED.nodes.registerType('test-flaky', function (this: Node, def: NodeDef) {
    RED.nodes.createNode(this, def);
    this.on('input', (msg: NodeMessage, send: SendFn, done: DoneFn) => {
      setImmediate(() => {
        if (msg.payload === 'fail') done(new Error('flaky: failed on purpose'));
        else {
          send(msg);
          done();
        }
      });
    });
  });
}

const httpRequestModule = () => require(require.resolve('@node-red/nodes/core/network/21-httprequest.js', { paths: [require.resolve('node-red')] }));
const modules = () => [hooksModule, nodeModule('circuit-breaker'), collectorModule, flakyModule];
const states = () => received('states').map((m) => `${(m.payload as { from: string }).from}->${(m.payload as { to: string }).to}`);

function flow(props: Record<string, unknown>, extra: Record<string, unknown>[] = [], passTo = 'passed') {
  return [
    { id: 'tab', type: 'tab', label: 'cb' },
    { id: 'cb', z: 'tab', type: 'edgegw-circuit-breaker', name: 'svc', wires: [[passTo], ['refused'], ['states']], ...props },
    { id: 'passed', z: 'tab', type: 'test-collect' },
    { id: 'refused', z: 'tab', type: 'test-collect' },
    { id: 'states', z: 'tab', type: 'test-collect' },
    ...extra,
  ];
}

/** A real HTTP server on 127.0.0.1 that answers with `handler`. */
async function startHttpServer(handler: RequestListener): Promise<{ url: string; stop(): Promise<void> }> {
  const server: Server = createServer(handler);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/`,
    async stop() {
      server.closeAllConnections();
      await new Promise((r) => server.close(r));
    },
  };
}

/** The breaker (with `props`) watching a core http request node that GETs `url`; its responses go to "after". */
async function loadWatchedRequest(props: Record<string, unknown>, url: string): Promise<void> {
  await helper.load(
    [...modules(), httpRequestModule()],
    flow(
      { ...props, watch: 'req' },
      [
        { id: 'req', z: 'tab', type: 'http request', method: 'GET', ret: 'txt', url, wires: [['after']] },
        { id: 'after', z: 'tab', type: 'test-collect' },
      ],
      'req',
    ),
  );
}

describe('circuit-breaker node', () => {
  before(async () => {
    await helper.startServer();
  });
  after(async () => {
    await helper.stopServer();
  });
  afterEach(async () => {
    await helper.unload();
    clearCollected();
  });

  test('outcomes wired back: opens after N failures, refuses at once with the reason, probes after the open time, closes on success', async () => {
    await helper.load(modules(), flow({ thresholdType: 'consecutive', failures: 2, openTimeout: 0.4, maxOpenTimeout: 10, probes: 1 }));
    const cb = helper.getNode('cb');
    cb.receive({ topic: 't', payload: 1 });
    await waitFor('passed while closed', () => received('passed').length === 1);
    assert.equal(lastStatus(cb)?.text, 'circuit-breaker.status.closed');
    cb.receive({ breaker: 'failure' });
    cb.receive({ breaker: 'failure' });
    await waitFor('opened', () => states().includes('closed->open'));
    const opened = received('states')[0].payload as Record<string, unknown>;
    assert.equal(opened.reason, '2 consecutive failures');
    assert.equal(opened.retryInMs, 400);
    assert.equal(received('passed').length, 1, 'outcomes are not passed on');
    cb.receive({ breaker: 'success' }); // a late answer to a call sent before it opened
    await new Promise((r) => setTimeout(r, 50));
    assert.deepEqual(states(), ['closed->open'], 'only a probe closes an open breaker');
    cb.receive({ topic: 't', payload: 2 });
    await waitFor('refused', () => received('refused').length === 1);
    const info = received('refused')[0].breaker as Record<string, unknown>;
    assert.equal(received('refused')[0].payload, 2);
    assert.equal(info.state, 'open');
    assert.equal(info.reason, '2 consecutive failures');
    assert.equal(info.fallback, false);
    assert.ok((info.retryInMs as number) > 0 && (info.retryInMs as number) <= 400);
    assert.equal(
      healthRegistry()
        .list()
        .find((e) => e.id === 'cb')?.state,
      'down',
    );
    assert.match(await metricsRegistry().metrics(), /edgegw_breaker_state\{node="cb",name="svc"\} 2/);
    assert.match(lastStatus(cb)?.text ?? '', /^circuit-breaker\.status\.open\(seconds=\d+\) · circuit-breaker\.status\.consecutiveFailures\(failures=2\)$/, 'the reason as a key, not English');

    // the node tells half-open when the open time is over, without waiting for a message
    await waitFor('half-open', () => states().includes('open->half-open'), 20_000);
    cb.receive({ topic: 't', payload: 3 });
    cb.receive({ topic: 't', payload: 4 });
    await waitFor('probe passed, second refused', () => received('passed').length === 2 && received('refused').length === 2);
    assert.equal(received('passed')[1].payload, 3);
    assert.equal((received('refused')[1].breaker as { state: string }).state, 'half-open');
    cb.receive({ breaker: 'success' });
    await waitFor('closed', () => states().includes('half-open->closed'));
    assert.match(await metricsRegistry().metrics(), /edgegw_breaker_transitions_total\{node="cb",name="svc",from="closed",to="open"\} 1/);
    assert.equal(
      healthRegistry()
        .list()
        .find((e) => e.id === 'cb')?.state,
      'ok',
    );
  });

  test('a failed probe reopens for twice as long', async () => {
    await helper.load(modules(), flow({ failures: 1, openTimeout: 0.2, maxOpenTimeout: 5 }));
    const cb = helper.getNode('cb');
    cb.receive({ breaker: 'failure' });
    await waitFor('half-open', () => states().includes('open->half-open'), 20_000);
    cb.receive({ payload: 'probe' });
    cb.receive({ breaker: 'failure' });
    await waitFor('reopened', () => states().includes('half-open->open'));
    const reopened = received('states').find((m) => (m.payload as { from: string }).from === 'half-open')!.payload as Record<string, unknown>;
    assert.equal(reopened.retryInMs, 400);
    assert.equal(reopened.reason, 'a half-open probe failed');
  });

  test('fallback: the last good message of the topic, quality stale, on output 2', async () => {
    await helper.load(modules(), flow({ failures: 1, openTimeout: 60, fallback: true }));
    const cb = helper.getNode('cb');
    cb.receive({ topic: 'plc1/temp', payload: 21.5, tag: { device: 'plc1', name: 'temp', value: 21.5, quality: 'good', ts: 1 }, breaker: 'success' });
    cb.receive({ breaker: 'failure' });
    await waitFor('opened', () => states().includes('closed->open'));
    cb.receive({ topic: 'plc1/temp', payload: 0 });
    cb.receive({ topic: 'other', payload: 7 });
    await waitFor('two refused', () => received('refused').length === 2);
    const [stale, plain] = received('refused');
    assert.equal(stale.payload, 21.5);
    assert.equal((stale.tag as { quality: string }).quality, 'stale');
    assert.equal((stale.breaker as { fallback: boolean }).fallback, true);
    assert.equal(plain.payload, 7, 'no good message for this topic: the message itself');
    assert.equal((plain.breaker as { fallback: boolean }).fallback, false);
  });

  test('failure rate within a window', async () => {
    await helper.load(modules(), flow({ thresholdType: 'rate', rate: 50, window: 60, minCalls: 4, openTimeout: 60 }));
    const cb = helper.getNode('cb');
    for (const o of ['failure', 'success', 'success']) cb.receive({ breaker: o });
    await new Promise((r) => setTimeout(r, 50));
    assert.deepEqual(states(), []);
    cb.receive({ breaker: 'failure' });
    await waitFor('opened', () => states().includes('closed->open'));
    assert.match((received('states')[0].payload as { reason: string }).reason, /failure rate 50% \(2\/4\) within 60 s/);
  });

  test('outcomes observed on a downstream node that calls done(err): no wiring back', async () => {
    await helper.load(
      modules(),
      flow(
        { failures: 2, openTimeout: 0.3, watch: 'flaky' },
        [
          { id: 'flaky', z: 'tab', type: 'test-flaky', wires: [['after']] },
          { id: 'after', z: 'tab', type: 'test-collect' },
        ],
        'flaky',
      ),
    );
    const cb = helper.getNode('cb');
    cb.receive({ payload: 'fail' });
    cb.receive({ payload: 'fail' });
    await waitFor('opened by observed failures', () => states().includes('closed->open'));
    cb.receive({ payload: 'ok' });
    await waitFor('refused', () => received('refused').length === 1);
    await waitFor('half-open', () => states().includes('open->half-open'), 20_000);
    cb.receive({ payload: 'ok' });
    await waitFor('closed by the observed success', () => states().includes('half-open->closed'));
    assert.equal(received('after').length, 1);
  });

  test('outcomes observed on core http request against a real HTTP server (node.error then done)', async () => {
    let failing = true;
    const server = await startHttpServer((req, res) => {
      if (failing) req.socket.destroy();
      else res.end('fine');
    });
    try {
      await loadWatchedRequest({ failures: 2, openTimeout: 0.3 }, server.url);
      const cb = helper.getNode('cb');
      cb.receive({ payload: '' });
      await waitFor('first failure seen', () => received('after').length === 1, 20_000);
      cb.receive({ payload: '' });
      await waitFor('opened by request errors', () => states().includes('closed->open'), 20_000);
      failing = false;
      await waitFor('half-open', () => states().includes('open->half-open'), 20_000);
      cb.receive({ payload: '' });
      await waitFor('closed by a good response', () => states().includes('half-open->closed'), 20_000);
      assert.equal(received('after').at(-1)?.payload, 'fine');
    } finally {
      await server.stop();
    }
  });

  test('observed http request: a 500 response is a failure, and a request that hangs fails after the call timeout', async () => {
    let mode: 'error' | 'hang' | 'ok' = 'error';
    const hung = new Set<ServerResponse>();
    const server = await startHttpServer((_req, res) => {
      if (mode === 'error') {
        res.statusCode = 500;
        res.end('broken');
      } else if (mode === 'hang') hung.add(res);
      else res.end('fine');
    });
    try {
      await loadWatchedRequest({ failures: 2, openTimeout: 0.3, callTimeout: 0.5 }, server.url);
      const cb = helper.getNode('cb');
      cb.receive({ payload: '' });
      cb.receive({ payload: '' });
      await waitFor('opened by two 500 responses', () => states().includes('closed->open'), 20_000);
      assert.equal(received('after').length, 2);
      assert.equal(received('after')[0].statusCode, 500);

      mode = 'hang';
      await waitFor('half-open', () => states().includes('open->half-open'), 20_000);
      cb.receive({ payload: '' });
      await waitFor('the hung probe failed after the call timeout', () => states().filter((t) => t === 'half-open->open').length === 1, 20_000);
      assert.equal(received('after').length, 2, 'the hung call never completed');

      mode = 'ok';
      await waitFor('half-open again', () => states().filter((t) => t === 'open->half-open').length === 2, 20_000);
      cb.receive({ payload: '' });
      await waitFor('closed by a good response', () => states().includes('half-open->closed'), 20_000);
    } finally {
      for (const res of hung) res.destroy();
      await server.stop();
    }
  });

  test('observed http request: with "HTTP 5xx is a failure" off, a 500 response is a success', async () => {
    const server = await startHttpServer((_req, res) => {
      res.statusCode = 503;
      res.end('busy');
    });
    try {
      await loadWatchedRequest({ failures: 1, openTimeout: 0.3, serverErrorIsFailure: false }, server.url);
      const cb = helper.getNode('cb');
      for (let i = 0; i < 3; i++) cb.receive({ payload: '' });
      await waitFor('three responses', () => received('after').length === 3, 20_000);
      await new Promise((r) => setTimeout(r, 100));
      assert.deepEqual(states(), []);
    } finally {
      await server.stop();
    }
  });

  test('bad configuration and bad outcomes name what is wrong', async () => {
    await helper.load(modules(), flow({ thresholdType: 'rate', rate: 150 }));
    assert.equal(lastStatus(helper.getNode('cb'))?.text, 'circuit-breaker.status.badConfig');
    assert.ok(
      errorsOf(helper.getNode('cb')).some((e) => /circuit breaker rate: must be a percentage in \(0, 100\], got 150/.test(e)),
      errorsOf(helper.getNode('cb')).join('\n'),
    );
    await helper.unload();
    await helper.load(modules(), flow({ openTimeout: 30, maxOpenTimeout: 10 }));
    assert.ok(errorsOf(helper.getNode('cb')).some((e) => /maxOpenTimeout: must be >= the open timeout \(30 s\)/.test(e)));
    await helper.unload();
    await helper.load(modules(), flow({ watch: 'ghost' }));
    const cb = helper.getNode('cb');
    cb.receive({ payload: 1 });
    cb.receive({ payload: 2 });
    const warnings = () =>
      (cb.warn as { getCalls(): Array<{ thisValue: unknown; args: unknown[] }> })
        .getCalls()
        .filter((c) => c.thisValue === cb)
        .map((c) => String(c.args[0]));
    await waitFor('warned about the missing watched node', () => warnings().some((w) => /watch: no node with id "ghost"/.test(w)));
    assert.equal(warnings().length, 1, 'warned once');
    cb.receive({ breaker: 'maybe' });
    await waitFor('error', () => errorsOf(cb).length > 0);
    assert.match(errorsOf(cb)[0], /msg\.breaker: "maybe" is not "failure" or "success"/);
  });
});
