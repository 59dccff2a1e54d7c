// /health of the real edge-gateway (issue 19): flows that wait for a node type name it, and the
// secrets in destination URLs (?token=, password=, apikey=, user:password@) are never served.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startGatewayProcess } from '../helpers/gateway';
import { freePort, waitFor } from '../helpers/process';

test('flows waiting for a missing node type: /health is down and names the type', async () => {
  const userDir = mkdtempSync(join(tmpdir(), 'edgegw-health-'));
  writeFileSync(
    join(userDir, 'flows.json'),
    JSON.stringify([
      { id: 't1', type: 'tab', label: 'x' },
      { id: 'n1', type: 'ui-frobnicator', z: 't1', wires: [] },
    ]),
  );
  const gw = await startGatewayProcess({ userDir, waitHealthy: false });
  try {
    let body: any;
    await waitFor(
      '/health naming the missing type',
      async () => {
        const r = await fetch(`${gw.base}/health`).catch(() => undefined);
        if (!r) return false;
        body = await r.json();
        return r.status === 503 && (body.reasons ?? []).some((x: string) => x.includes('ui-frobnicator'));
      },
      60_000,
    );
    assert.deepEqual(body.flows.missingTypes, ['ui-frobnicator']);
    assert.match(body.reasons[0], /^flows are not running: node types missing: ui-frobnicator/);
  } finally {
    await gw.stop();
    rmSync(userDir, { recursive: true, force: true });
  }
});

test('destination URLs with secrets in the query or userinfo: /health shows none of them', async () => {
  const userDir = mkdtempSync(join(tmpdir(), 'edgegw-health-'));
  const dead = await freePort(); // nothing listens: the destination stays down and reports its error
  const target = (id: string, url: string) => ({
    id,
    type: 'edgegw-forward-target',
    name: `target ${id}`,
    kind: 'mqtt',
    url,
    qos: 1,
    protocolVersion: 4,
    topic: '{topic}',
    publish: 'payload',
    maxInFlight: 10,
    maxBatch: 10,
    version: 1,
  });
  const queue = (id: string, t: string) => ({
    id,
    type: 'edgegw-store-forward',
    z: 't1',
    name: `queue ${id}`,
    target: t,
    queue: `queue-${id}`,
    storage: 'memory',
    batchMs: 20,
    batchMax: 50,
    maxMessages: 1000,
    maxMB: 8,
    policy: 'drop-oldest',
    version: 1,
    wires: [[], []],
  });
  writeFileSync(
    join(userDir, 'flows.json'),
    JSON.stringify([
      { id: 't1', type: 'tab', label: 'x' },
      target('a', `mqtt://user:S3CRETPW@127.0.0.1:${dead}/?token=S3CRETTOKEN&password=S3CRETPASS`),
      target('b', `mqtt://127.0.0.1:${dead}?apikey=S3CRETKEY&client=plain`),
      queue('qa', 'a'),
      queue('qb', 'b'),
      {
        id: 'inj',
        type: 'inject',
        z: 't1',
        repeat: '0.2',
        once: true,
        onceDelay: 0.1,
        topic: 't',
        payload: '1',
        payloadType: 'num',
        props: [{ p: 'payload' }, { p: 'topic', vt: 'str' }],
        wires: [['qa', 'qb']],
      },
    ]),
  );
  const gw = await startGatewayProcess({ userDir });
  try {
    let text = '';
    await waitFor(
      'both queues in /health',
      async () => {
        text = await (await fetch(`${gw.base}/health`)).text();
        return text.includes('"qa"') && text.includes('"qb"') && text.includes('client=plain');
      },
      30_000,
    );
    await new Promise((r) => setTimeout(r, 2000)); // a few failed connects: their errors are in the report too
    text = await (await fetch(`${gw.base}/health`)).text();
    for (const secret of ['S3CRETPW', 'S3CRETTOKEN', 'S3CRETPASS', 'S3CRETKEY']) assert.ok(!text.includes(secret), `${secret} in ${text}`);
    assert.match(text, /token=\*\*\*/);
  } finally {
    await gw.stop();
    rmSync(userDir, { recursive: true, force: true });
  }
});
