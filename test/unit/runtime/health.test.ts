// /health's verdict: ok, degraded (200) or down (503), with the reasons in words.
import { test, describe, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { once } from 'node:events';
import { healthBody, installHealthAndMetrics, type RuntimeStatus } from '../../../runtime/health-routes';
import { healthRegistry } from '../../../lib/health/registry';

function runtime(over: Partial<RuntimeStatus> = {}): RuntimeStatus {
  return {
    version: '0.0.0',
    nodeRedVersion: '4.1.0',
    startedAt: Date.now(),
    safeMode: false,
    flowsStarted: () => true,
    broker: () => ({ mode: 'embedded', url: 'mqtt://127.0.0.1:1883', listening: true, clients: 1, connected: true }),
    ...over,
  };
}

describe('/health verdict', () => {
  afterEach(() => {
    for (const e of healthRegistry().list()) healthRegistry().remove(e.id);
  });

  test('everything running: ok, no reasons', () => {
    const { status, body } = healthBody(runtime());
    assert.equal(status, 'ok');
    assert.equal(body.reasons, undefined);
  });

  test('one node down while the flows run: degraded (HTTP 200), not down', () => {
    healthRegistry().report('n1', 'modbus-server', 'down', { error: 'EADDRINUSE' }, 'sim');
    healthRegistry().report('n2', 'modbus-device', 'ok');
    const { status, body } = healthBody(runtime());
    assert.equal(status, 'degraded');
    assert.deepEqual(body.reasons, ['modbus-server "sim" (n1) is down']);
  });

  test('while Node-RED starts: starting (HTTP 503 over HTTP), whatever the flows and nodes say', async () => {
    healthRegistry().report('n1', 'modbus-server', 'down', { error: 'EADDRINUSE' }, 'sim');
    let starting = true;
    const rt = runtime({ starting: () => starting, flowsStarted: () => false });
    const { status, body } = healthBody(rt);
    assert.equal(status, 'starting');
    assert.deepEqual(body.flows, { started: false });
    assert.deepEqual(body.reasons, ['starting: Node-RED is loading the nodes and the flows']);
    const routes = new Map<string, (req: IncomingMessage, res: ServerResponse) => void>();
    installHealthAndMetrics({ get: (path, h) => routes.set(path, h) }, rt);
    const server = createServer((req, res) => routes.get(req.url ?? '')?.(req, res));
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    try {
      const url = `http://127.0.0.1:${(server.address() as { port: number }).port}/health`;
      const r = await fetch(url);
      assert.equal(r.status, 503);
      assert.equal(((await r.json()) as { status: string }).status, 'starting');
      starting = false; // started, but the flows did not run: down, with the node's reason
      const after = await fetch(url);
      assert.equal(after.status, 503);
      assert.equal(((await after.json()) as { status: string }).status, 'down');
    } finally {
      server.close();
    }
  });

  test('flows not running: down', () => {
    const { status, body } = healthBody(runtime({ flowsStarted: () => false }));
    assert.equal(status, 'down');
    assert.deepEqual(body.reasons, ['flows are not running']);
  });

  test('safe mode: degraded, saying why', () => {
    const { status, body } = healthBody(runtime({ flowsStarted: () => false, safeMode: true }));
    assert.equal(status, 'degraded');
    assert.deepEqual(body.reasons, ['safe mode: flows are not started']);
  });

  test('flows started from the backup: degraded with the file, the reason and the damaged copy', () => {
    const recovery = { file: '/ud/flows.json', backup: '/ud/.flows.json.backup', reason: 'is empty', keptAs: '/ud/flows.json.damaged-x' };
    const { status, body } = healthBody(runtime({ flowsRecovery: () => recovery }));
    assert.equal(status, 'degraded');
    assert.deepEqual((body.flows as any).recoveredFromBackup, { file: '/ud/flows.json', backup: '/ud/.flows.json.backup', reason: 'is empty', damagedCopy: '/ud/flows.json.damaged-x' });
    assert.match((body.reasons as string[])[0], /flows file \/ud\/flows.json is empty; running from its backup/);
  });
});

describe('/health and /metrics over HTTP never answer an HTML stack trace', () => {
  test('a runtime that throws while describing itself: /health 503 JSON, /metrics 200 text', async () => {
    const routes = new Map<string, (req: IncomingMessage, res: ServerResponse) => void>();
    installHealthAndMetrics(
      { get: (p, h) => routes.set(p, h) },
      runtime({
        broker: () => {
          throw new TypeError("Cannot read properties of undefined (reading 'forEach') at mqtt://u:secret@h");
        },
      }),
    );
    const server = createServer((req, res) => routes.get(req.url ?? '')!(req, res));
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    const base = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
    try {
      const h = await fetch(`${base}/health`);
      assert.equal(h.status, 503);
      assert.match(h.headers.get('content-type') ?? '', /application\/json/);
      const body = (await h.json()) as { status: string; reasons: string[] };
      assert.equal(body.status, 'down');
      assert.match(body.reasons[0], /health check failed: Cannot read properties/);
      assert.ok(!body.reasons[0].includes('secret'), 'credentials redacted');
      const m = await fetch(`${base}/metrics`);
      assert.equal(m.status, 200);
      const text = await m.text();
      assert.match(text, /^edgegw_up 0$/m);
      assert.ok(!/<html|at Object\./i.test(text));
    } finally {
      server.close();
    }
  });

  test('flows waiting for node types: down, naming the missing types', () => {
    const { status, body } = healthBody(runtime({ flowsStarted: () => false, flowsProblem: () => ({ missingTypes: ['ui-gauge', 'edgegw-frobnicator'] }) }));
    assert.equal(status, 'down');
    assert.deepEqual(body.reasons, ['flows are not running: node types missing: ui-gauge, edgegw-frobnicator (install the module that provides them, or remove those nodes)']);
    assert.deepEqual((body.flows as any).missingTypes, ['ui-gauge', 'edgegw-frobnicator']);
  });

  test('whatever a node reports, secrets in URLs and under secret names are not served', () => {
    healthRegistry().report(
      'n3',
      'store-forward',
      'degraded',
      { target: 'mqtt://u:pw@h:1883/?token=T1&password=P1', lastError: 'connect to mqtt://h:1883?apikey=K1 failed', nested: { list: ['wss://h/?access_token=A1'], apiKey: 'K2', keys: 3 } },
      'q',
    );
    const text = JSON.stringify(healthBody(runtime()).body);
    for (const secret of ['T1', 'P1', 'K1', 'A1', 'K2', ':pw@']) assert.ok(!text.includes(secret), secret);
    assert.match(text, /"target":"mqtt:\/\/u:\*\*\*@h:1883\/\?token=\*\*\*&password=\*\*\*"/);
    assert.match(text, /"keys":3/);
  });
});
