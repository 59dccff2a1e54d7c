// Prometheus' own checker on a live /metrics of the default flows (issue 20): `promtool check
// metrics` finds nothing to complain about (no gauge named *_total, help and types in order),
// every figure is a metric of its own (no catch-all gauge of mixed units), and the queue's drop
// counters exist at 0 before the first drop.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { startGatewayProcess } from '../helpers/gateway';
import { needPeers, PEER } from '../helpers/peers';
import { waitFor } from '../helpers/process';

test('promtool check metrics passes on a running gateway', needPeers(PEER.promtool()), async () => {
  const gw = await startGatewayProcess();
  try {
    let text = '';
    // the default flows' modbus-server (the simulator) and the queues report once they run
    await waitFor(
      'the simulator and the queues in /metrics',
      async () => {
        text = await (await fetch(`${gw.base}/metrics`)).text();
        return /^edgegw_modbus_server_requests_total\{node="[^"]+"\} [1-9]/m.test(text) && /^edgegw_queue_depth\{queue="devices"\}/m.test(text);
      },
      60_000,
    );
    const check = spawnSync('promtool', ['check', 'metrics'], { input: text, encoding: 'utf8' });
    assert.equal(check.status, 0, `promtool: ${check.stdout}${check.stderr}`);
    assert.equal(`${check.stdout}${check.stderr}`.trim(), '', 'no complaint, not even a warning');

    assert.doesNotMatch(text, /^edgegw_node_figure/m, 'no catch-all gauge of mixed figures');
    assert.doesNotMatch(text, /^# TYPE \S+_total gauge$/m, 'no gauge named *_total');
    assert.match(text, /^# TYPE edgegw_modbus_server_requests_total counter$/m);
    assert.match(text, /^edgegw_nodejs_active_handles\{type="\w+"\} \d+$/m);
    for (const reason of ['max-messages', 'max-bytes', 'max-age', 'too-large']) {
      assert.match(text, new RegExp(`^edgegw_queue_dropped_total\\{queue="devices",reason="${reason}"\\} 0$`, 'm'), reason);
    }
  } finally {
    await gw.stop();
    gw.cleanup();
  }
});
