// The broker the flows use is decided once from the settings, and the URL they get always names
// the port the settings (or the running embedded broker) say: no fallback of its own.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { chooseBroker, provideBroker } from '../../../runtime/broker-choice';
import { DEFAULTS, parseArgs, resolveSettings } from '../../../runtime/settings';

const noYaml = () => ({ load: () => ({}) });
// a user directory with no settings file in it, so only the flags and the environment count
const settingsOf = (argv: string[], env: NodeJS.ProcessEnv = {}) => resolveSettings(parseArgs(['--user-dir', '/nonexistent-edgegw-dir', ...argv]), env, noYaml);

describe('the broker the flows use', () => {
  test('an external broker (--mqtt-url) wins over the embedded one and its port', () => {
    assert.deepEqual(chooseBroker(settingsOf(['--mqtt-url', 'mqtts://broker.example:8883', '--broker-port', '2883'])), { mode: 'external', url: 'mqtts://broker.example:8883' });
  });

  test('the embedded broker on the broker port, with its packet limit, from flags or the environment', () => {
    assert.deepEqual(chooseBroker(settingsOf(['--broker-port', '2883', '--broker-max-packet', '1MB'])), { mode: 'embedded', port: 2883, maxPacketBytes: 1024 * 1024 });
    assert.deepEqual(chooseBroker(settingsOf([], { EDGE_GATEWAY_BROKER_PORT: '3883' })), { mode: 'embedded', port: 3883, maxPacketBytes: DEFAULTS.brokerMaxPacket });
  });

  test('the embedded broker on another address (--broker-host, EDGE_GATEWAY_BROKER_HOST, settings brokerHost); 127.0.0.1 by default', () => {
    assert.equal(DEFAULTS.brokerHost, '127.0.0.1');
    assert.deepEqual(chooseBroker(settingsOf(['--broker-host', '0.0.0.0', '--broker-port', '2883'])), { mode: 'embedded', port: 2883, maxPacketBytes: DEFAULTS.brokerMaxPacket, host: '0.0.0.0' });
    assert.equal((chooseBroker(settingsOf([], { EDGE_GATEWAY_BROKER_HOST: '10.0.0.5' })) as { host?: string }).host, '10.0.0.5');
    assert.equal(settingsOf(['--broker-host', '192.0.2.7']).brokerHost, '192.0.2.7');
    assert.throws(() => settingsOf(['--broker-host', ' ']), /command line --broker-host: brokerHost: must be a non-empty string/);
  });

  test('with --no-broker the flows use a broker of the user on 127.0.0.1 at the broker port', () => {
    assert.deepEqual(chooseBroker(settingsOf(['--no-broker'])), { mode: 'none', url: `mqtt://127.0.0.1:${DEFAULTS.brokerPort}` });
    assert.deepEqual(chooseBroker(settingsOf(['--no-broker', '--broker-port', '2883'])), { mode: 'none', url: 'mqtt://127.0.0.1:2883' });
  });

  test('an external or absent broker is handed on as chosen, nothing started', async () => {
    const start = () => Promise.reject(new Error('must not start a broker'));
    assert.deepEqual(await provideBroker({ mode: 'external', url: 'mqtt://10.0.0.5:1883' }, () => undefined, start), { mode: 'external', url: 'mqtt://10.0.0.5:1883' });
    assert.deepEqual(await provideBroker({ mode: 'none', url: 'mqtt://127.0.0.1:2883' }, () => undefined, start), { mode: 'none', url: 'mqtt://127.0.0.1:2883' });
  });

  test('the embedded broker: the URL names the port it listens on (port 0 picks one)', async () => {
    const flowsBroker = await provideBroker({ mode: 'embedded', port: 0, maxPacketBytes: DEFAULTS.brokerMaxPacket }, () => undefined);
    assert.equal(flowsBroker.mode, 'embedded');
    if (flowsBroker.mode !== 'embedded') return;
    try {
      assert.ok(flowsBroker.embedded.port > 0);
      assert.equal(flowsBroker.url, `mqtt://127.0.0.1:${flowsBroker.embedded.port}`);
    } finally {
      await flowsBroker.embedded.close();
    }
  });

  test('the embedded broker on 0.0.0.0: the flows still get the loopback URL', async () => {
    const flowsBroker = await provideBroker({ mode: 'embedded', port: 0, maxPacketBytes: DEFAULTS.brokerMaxPacket, host: '0.0.0.0' }, () => undefined);
    assert.equal(flowsBroker.mode, 'embedded');
    if (flowsBroker.mode !== 'embedded') return;
    try {
      assert.equal(flowsBroker.url, `mqtt://127.0.0.1:${flowsBroker.embedded.port}`);
    } finally {
      await flowsBroker.embedded.close();
    }
  });
});
