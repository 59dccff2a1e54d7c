// A user directory whose flows.json was saved before the edgegw- type prefix: the edge-gateway
// runtime rewrites it on start (the file as it was kept beside it), the flows start, and the
// pipeline publishes readings; a second start finds nothing to migrate.
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import mqtt from 'mqtt';
import { REPO_ROOT, startGatewayProcess } from '../helpers/gateway';
import { waitFor } from '../helpers/process';

const OLD_FLOWS = join(REPO_ROOT, 'test', 'fixtures', 'flows-before-prefix', 'default-flows.json');

describe('runtime: flows saved before the type prefix', () => {
  test('are migrated on start, run the pipeline, and are left alone on the next start', async () => {
    const userDir = mkdtempSync(join(tmpdir(), 'edgegw-migrate-'));
    try {
      copyFileSync(OLD_FLOWS, join(userDir, 'flows.json'));
      const gw = await startGatewayProcess({ userDir });
      try {
        assert.match(gw.peer.output(), /flows migrated: .*flows\.json \(types renamed: .*modbus-device -> edgegw-modbus-device \(2\)/);
        const flows = JSON.parse(readFileSync(join(userDir, 'flows.json'), 'utf8')) as Array<{ type: string; version?: number }>;
        const ours = flows.filter((n) => n.type.startsWith('edgegw-'));
        assert.ok(ours.length >= 20, `${ours.length} nodes of ours`);
        assert.ok(ours.every((n) => n.version === 1));
        assert.deepEqual(
          flows.filter((n) => ['modbus-device', 'tag-store', 'store-forward', 'watchdog', 'alarm', 'stats'].includes(n.type)),
          [],
        );
        const kept = readdirSync(userDir).filter((f) => f.startsWith('flows.json.before-migration-'));
        assert.equal(kept.length, 1);
        assert.deepEqual(JSON.parse(readFileSync(join(userDir, kept[0]), 'utf8')), JSON.parse(readFileSync(OLD_FLOWS, 'utf8')));

        // the pipeline runs: the boiler's readings reach the embedded broker
        const client = mqtt.connect(`mqtt://127.0.0.1:${gw.brokerPort}`, { reconnectPeriod: 200 });
        const topics = new Set<string>();
        client.on('message', (topic) => topics.add(topic));
        client.on('connect', () => client.subscribe('devices/#', { qos: 1 }));
        try {
          await waitFor('boiler readings on devices/boiler/data', () => topics.has('devices/boiler/data'), 60_000);
        } finally {
          client.end(true);
        }
      } finally {
        await gw.stop();
      }

      const again = await startGatewayProcess({ userDir });
      try {
        assert.doesNotMatch(again.peer.output(), /flows migrated/);
        assert.equal(readdirSync(userDir).filter((f) => f.startsWith('flows.json.before-migration-')).length, 1);
      } finally {
        await again.stop();
      }
    } finally {
      rmSync(userDir, { recursive: true, force: true });
    }
  });
});
