// The embedded broker on another address than 127.0.0.1 (brokerHost / --broker-host), against
// real clients (mosquitto_pub, a process per device, from the machine's LAN address): a device
// with its login gets in from the network, an anonymous client from the network is refused, with
// devices in the registry or without any (the choice: nobody from the network without a login),
// and the gateway's own clients still reach it on 127.0.0.1 when the bind is one LAN address.
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { once } from 'node:events';
import { createServer } from 'node:net';
import { mkdtempSync } from 'node:fs';
import { networkInterfaces, tmpdir } from 'node:os';
import { join } from 'node:path';
import { listenAddresses, servesNetwork, startEmbeddedBroker, type EmbeddedBroker } from '../../runtime/broker';
import { openDeviceRegistry, type DeviceRegistry } from '../../lib/registry';

interface Run {
  code: number;
  stderr: string;
}

function mosquittoPub(host: string, port: number, args: string[]): Promise<Run> {
  return new Promise((resolve) => {
    execFile('mosquitto_pub', ['-h', host, '-p', String(port), '-q', '1', ...args], { timeout: 10_000 }, (err, _stdout, stderr) => {
      const code = err ? (typeof (err as { code?: unknown }).code === 'number' ? (err as { code: number }).code : 1) : 0;
      resolve({ code, stderr });
    });
  });
}

const lan = Object.values(networkInterfaces())
  .flat()
  .find((i) => i && i.family === 'IPv4' && !i.internal)?.address;

test('the addresses a bind listens on: 127.0.0.1 beside one that does not cover it', () => {
  assert.deepEqual(listenAddresses('127.0.0.1'), ['127.0.0.1']);
  assert.deepEqual(listenAddresses('0.0.0.0'), ['0.0.0.0']);
  assert.deepEqual(listenAddresses('::'), ['::']);
  assert.deepEqual(listenAddresses('10.0.0.5'), ['10.0.0.5', '127.0.0.1']);
  assert.deepEqual(listenAddresses('::1'), ['::1', '127.0.0.1']);
  assert.deepEqual(
    ['127.0.0.1', 'localhost', '::1', '0.0.0.0', '10.0.0.5'].map((h) => [h, servesNetwork(h)]),
    [
      ['127.0.0.1', false],
      ['localhost', false],
      ['::1', false],
      ['0.0.0.0', true],
      ['10.0.0.5', true],
    ],
  );
});

describe('embedded broker bound to a LAN address', { skip: lan ? false : 'no non-loopback IPv4 address on this machine' }, () => {
  const host = lan ?? '';

  describe('with a device login in the registry', () => {
    let registry: DeviceRegistry;
    let broker: EmbeddedBroker;
    let password = '';
    const warnings: string[] = [];

    before(async () => {
      registry = (await openDeviceRegistry(mkdtempSync(join(tmpdir(), 'edgegw-broker-host-')))).registry;
      password = (await registry.addCredentials('plug')).password;
      broker = await startEmbeddedBroker(0, { host, warn: (m) => warnings.push(m), devices: { registry } });
    });
    after(async () => {
      await broker.close();
      await registry.close();
    });

    test('the device logs in from the network; an anonymous client from the network is refused', async () => {
      const device = await mosquittoPub(host, broker.port, ['-u', 'plug', '-P', password, '-t', 'tele/plug/SENSOR', '-m', '{}']);
      assert.equal(device.code, 0, device.stderr);
      const anonymous = await mosquittoPub(host, broker.port, ['-t', 'tele/plug/SENSOR', '-m', 'anon']);
      assert.notEqual(anonymous.code, 0, 'anonymous from the network refused');
      assert.match(anonymous.stderr, /not authori[sz]ed/i);
      assert.ok(
        warnings.some((w) => new RegExp(`refused the client .* from ${host.replace(/\./g, '\\.')}: no username \\(anonymous access only on loopback\\)`).test(w)),
        warnings.join('\n'),
      );
    });

    test('the gateway’s own anonymous clients still reach it on 127.0.0.1, at the same port', async () => {
      const local = await mosquittoPub('127.0.0.1', broker.port, ['-t', 'edge-gateway/x/status', '-m', 'online']);
      assert.equal(local.code, 0, local.stderr);
    });
  });

  describe('without any device in the registry', () => {
    let registry: DeviceRegistry;
    let broker: EmbeddedBroker;
    const warnings: string[] = [];

    before(async () => {
      registry = (await openDeviceRegistry(mkdtempSync(join(tmpdir(), 'edgegw-broker-host-none-')))).registry;
      broker = await startEmbeddedBroker(0, { host, warn: (m) => warnings.push(m), devices: { registry } });
    });
    after(async () => {
      await broker.close();
      await registry.close();
    });

    test('nobody from the network gets in: anonymous refused, any username refused; loopback served as before', async () => {
      const anonymous = await mosquittoPub(host, broker.port, ['-t', 'devices/x/data', '-m', 'anon']);
      assert.notEqual(anonymous.code, 0, 'anonymous from the network refused');
      const named = await mosquittoPub(host, broker.port, ['-u', 'someone', '-P', 'anything', '-t', 'someone/data', '-m', '1']);
      assert.notEqual(named.code, 0, 'a username nobody has is refused from the network');
      assert.match(named.stderr, /bad user name or password|not authori[sz]ed/i);
      const local = await mosquittoPub('127.0.0.1', broker.port, ['-u', 'someone', '-P', 'anything', '-t', 'x/y', '-m', '1']);
      assert.equal(local.code, 0, local.stderr);
      assert.deepEqual(
        warnings.map((w) => /refused the (client|login) /.exec(w)?.[1]),
        ['client', 'login'],
      );
    });
  });

  test('a port taken on the loopback listener is refused at start, the LAN listener closed again', async () => {
    const taken = await startEmbeddedBroker(0);
    try {
      await assert.rejects(startEmbeddedBroker(taken.port, { host }), /port 127\.0\.0\.1:\d+ is in use/);
      // nothing left listening on the LAN address: the port is free there again
      const probe = createServer();
      probe.listen(taken.port, host);
      await once(probe, 'listening');
      await new Promise<void>((resolve) => probe.close(() => resolve()));
    } finally {
      await taken.close();
    }
  });
});
