// /health and /metrics show a modbus-server's live request and write counters (issue 14: the
// entry stayed at requests 0, writes 0 after polls), from one source: server.status().
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { once } from 'node:events';
import { helper, nodeModule } from '../helpers/nodered';
import { testNodesModule } from '../helpers/modbus-nodes';
import { waitFor } from '../helpers/process';
import { createModbusLine } from '../../lib/modbus/line/line';
import type { ModbusServer } from '../../lib/modbus/server/server';
import { healthRegistry } from '../../lib/health/registry';
import { installHealthAndMetrics } from '../../runtime/health-routes';

describe('modbus-server in /health and /metrics', () => {
  before(async () => {
    await helper.startServer();
  });
  after(async () => {
    await helper.unload();
    await helper.stopServer();
  });

  test('requests and writes counted by the server appear, current, in both', async () => {
    await helper.load(
      [nodeModule('modbus-server'), testNodesModule],
      [
        {
          id: 'srv',
          type: 'edgegw-modbus-server',
          name: 'sim',
          transport: 'tcp',
          host: '127.0.0.1',
          port: 0,
          units: '1',
          holdingSize: 20,
          coilSize: 8,
          discreteSize: 8,
          inputSize: 8,
          wires: [['sink']],
        },
        { id: 'sink', type: 'modbus-test-sink' },
      ],
    );
    const server = (helper.getNode('srv') as unknown as { server: ModbusServer }).server;
    await waitFor('listening', () => server.status().serving, 10000);
    const port = (server.address() as { port: number }).port;

    const routes = new Map<string, (req: IncomingMessage, res: ServerResponse) => void>();
    installHealthAndMetrics(
      { get: (p, h) => routes.set(p, h) },
      {
        version: 't',
        nodeRedVersion: '4.1',
        startedAt: Date.now(),
        safeMode: false,
        flowsStarted: () => true,
        broker: () => ({ mode: 'none', connected: null }),
      },
    );
    const http = createServer((req, res) => routes.get(req.url ?? '')!(req, res));
    http.listen(0, '127.0.0.1');
    await once(http, 'listening');
    const base = `http://127.0.0.1:${(http.address() as { port: number }).port}`;

    const line = createModbusLine({ transport: { kind: 'tcp', host: '127.0.0.1', port } });
    try {
      // one connection, then polls and writes on it: no further status event from the server
      await line.read(1, 'holding', 0, 2);
      const afterConnect = healthRegistry()
        .list()
        .find((e) => e.id === 'srv')!.detail as { requests: number };
      for (let i = 0; i < 7; i++) await line.read(1, 'holding', 0, 4);
      for (let i = 0; i < 3; i++) await line.write(1, 'holding', 5, [i]);

      const entry = ((await (await fetch(`${base}/health`)).json()) as { nodes: Array<{ id: string; detail: { requests: number; writes: number } }> }).nodes.find((n) => n.id === 'srv')!;
      assert.equal(entry.detail.requests, afterConnect.requests + 10, `health: ${JSON.stringify(entry.detail)}`);
      assert.equal(entry.detail.writes, 3);
      const metrics = await (await fetch(`${base}/metrics`)).text();
      assert.match(metrics, new RegExp(`^edgegw_modbus_server_requests_total\\{node="srv"\\} ${entry.detail.requests}$`, 'm'));
      assert.match(metrics, /^edgegw_modbus_server_writes_total\{node="srv"\} 3$/m);
      assert.match(metrics, /^# TYPE edgegw_modbus_server_requests_total counter$/m);
      assert.match(metrics, /^edgegw_modbus_server_clients\{node="srv"\} 1$/m);
      assert.match(metrics, /^edgegw_modbus_server_exceptions_total\{node="srv"\} 0$/m);
    } finally {
      await line.close();
      http.close();
    }
  });
});
