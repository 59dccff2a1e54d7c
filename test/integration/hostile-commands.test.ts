// Hostile commands against the real edge-gateway process (issue 7, item 1): JSON nested 3,000 and
// 100,000 deep (arrays and objects), a 50 MB payload and binary data published on
// devices/boiler/commands of the embedded broker. Before the fix the first of them stopped the
// runtime (RangeError in Node-RED's cloneMessage on the way to the Catch node). The runtime must
// keep running, keep publishing devices/boiler/data, log each rejection, and still apply a
// valid command afterwards.
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import mqtt from 'mqtt';
import { startGatewayProcess } from '../helpers/gateway';
import { waitFor } from '../helpers/process';

const TOPIC = 'devices/boiler/commands';

describe('edge-gateway: hostile commands on the commands topic', () => {
  test('deep, huge and binary commands are rejected and logged; the runtime keeps publishing and writing', async () => {
    const gw = await startGatewayProcess();
    const url = `mqtt://127.0.0.1:${gw.brokerPort}`;
    const watcher = mqtt.connect(url, { reconnectPeriod: 200 });
    const data: Array<{ at: number; values: Record<string, unknown> }> = [];
    try {
      watcher.on('connect', () => watcher.subscribe('devices/boiler/data'));
      watcher.on('message', (_t, payload) => {
        try {
          data.push({ at: Date.now(), values: JSON.parse(payload.toString()).values });
        } catch {
          // not ours to judge here
        }
      });
      await waitFor('devices/boiler/data flowing', () => data.length > 0, 60000);

      const hostile: Array<[string, Buffer]> = [
        ['arrays 3,000 deep (6 KB)', Buffer.from('{"nosuch":' + '['.repeat(3000) + ']'.repeat(3000) + '}')],
        ['objects 5,000 deep (30 KB)', Buffer.from('{"a":'.repeat(5000) + '1' + '}'.repeat(5000))],
        ['arrays 100,000 deep', Buffer.from('{"nosuch":' + '['.repeat(100_000) + ']'.repeat(100_000) + '}')],
        ['objects 100,000 deep', Buffer.from('{"a":'.repeat(100_000) + '1' + '}'.repeat(100_000))],
        ['binary', Buffer.from(Array.from({ length: 4096 }, (_, i) => (i * 151 + 7) & 0xff))],
        ['not JSON', Buffer.from('setpoint=21')],
      ];
      const sender = mqtt.connect(url, { reconnectPeriod: 0 });
      sender.on('error', () => undefined);
      await new Promise<void>((r) => sender.once('connect', () => r()));
      for (const [, payload] of hostile) await sender.publishAsync(TOPIC, payload, { qos: 1 });

      // 50 MB from a client of its own: the broker may refuse a packet that large (and drop the
      // client); either way the runtime must stay up
      const big = mqtt.connect(url, { reconnectPeriod: 0 });
      big.on('error', () => undefined);
      await new Promise<void>((r) => big.once('connect', () => r()));
      await Promise.race([big.publishAsync(TOPIC, Buffer.alloc(50 * 1024 * 1024, 0x5b), { qos: 1 }).catch(() => undefined), new Promise<void>((r) => big.once('close', () => r()))]);
      await big.endAsync(true);

      await waitFor('every hostile command rejected and logged', () => (gw.peer.output().match(/command rejected:/g) ?? []).length >= hostile.length, 60000);
      const log = gw.peer.output();
      assert.match(log, /command rejected: .*command payload: nested deeper than 4 levels/);
      assert.match(log, /command rejected: .*command payload: \d+ bytes is more than the limit of 65536 bytes/);
      assert.match(log, /command rejected: .*command payload: not UTF-8 text/);
      assert.match(log, /command rejected: .*command payload: not valid JSON/);
      assert.doesNotMatch(log, /RangeError|Maximum call stack/);
      assert.equal(gw.peer.proc.exitCode, null, 'the runtime is still running');

      // still publishing after the attack
      const after = Date.now();
      await waitFor('devices/boiler/data after the hostile commands', () => data.filter((d) => d.at > after).length >= 3, 60000);
      const health = await fetch(`${gw.base}/health`);
      assert.equal(health.status, 200);

      // and still writing: a valid command reaches the device
      await sender.publishAsync(TOPIC, JSON.stringify({ setpoint: 23.4 }), { qos: 1 });
      await waitFor('setpoint 23.4 polled back', () => data.some((d) => d.values?.setpoint === 23.4), 60000);
      await sender.endAsync(true);
    } finally {
      await watcher.endAsync(true);
      await gw.stop();
      gw.cleanup();
    }
  });
});
