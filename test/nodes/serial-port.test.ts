// The serial-port config node in a real Node-RED: the port list endpoint, a Modbus connection and
// an SLCAN interface taking their port from it, and two nodes on one port (a socat pty pair) refused
// at deploy naming both, until one of them goes.
import { test, describe, before, after, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import { realpathSync } from 'node:fs';
import { helper, nodeModule } from '../helpers/nodered';
import { errorsOf } from '../helpers/can-nodes';
import { needPeers, PEER } from '../helpers/peers';
import { ptyPair, type PtyPair } from '../helpers/socat';
import { heldSerialPorts } from '../../lib/serial/claims';

const modules = () => [nodeModule('serial-port'), nodeModule('modbus-connection'), nodeModule('can-interface'), nodeModule('modbus-server')];

describe('serial-port', () => {
  before(async () => helper.startServer());
  after(async () => helper.stopServer());
  afterEach(async () => helper.unload());

  test('GET /edgegw/serial/ports lists the host ports serialport finds, each with its path', async () => {
    await helper.load(modules(), [{ id: 'sp', type: 'edgegw-serial-port', path: '/dev/ttyUSB0' }]);
    const res = await helper.request().get('/edgegw/serial/ports').expect(200);
    const { ports, source } = res.body as { ports: Array<{ path: unknown }>; source: string };
    assert.ok(Array.isArray(ports));
    assert.ok(source === 'serialport' || source === 'dev', source);
    for (const p of ports) assert.equal(typeof p.path, 'string');
  });

  describe('on a socat pty pair', needPeers(PEER.socat()), () => {
    let pty: PtyPair;
    before(async () => {
      pty = await ptyPair();
    });
    after(async () => pty.stop());

    test('a Modbus RTU connection and an SLCAN interface on the same port: the second is refused, naming both', async () => {
      await helper.load(modules(), [
        { id: 'sp', type: 'edgegw-serial-port', name: 'rs485', path: pty.a, baudRate: 19200, parity: 'even' },
        { id: 'mc', type: 'edgegw-modbus-connection', name: 'line 1', transport: 'rtu', serialPort: 'sp', path: '/dev/ttyUSB0' },
        { id: 'ci', type: 'edgegw-can-interface', name: 'adapter', kind: 'slcan', serialPath: pty.a },
      ]);
      const mc = helper.getNode('mc') as unknown as { line?: unknown; configError?: string };
      const ci = helper.getNode('ci') as unknown as { configError?: string };
      assert.ok(mc.line, 'the Modbus line was made, on the chosen port');
      assert.equal(mc.configError, undefined);
      assert.deepEqual(heldSerialPorts().get(realpathSync(pty.a)), { id: 'mc', label: 'modbus-connection "line 1"' });
      assert.match(ci.configError ?? '', /^serial port .* is already used by modbus-connection "line 1" \(mc\); can-interface "adapter" \(ci\) cannot open it too/);
      assert.match(errorsOf(helper.getNode('ci')).join('\n'), /already used by modbus-connection "line 1" \(mc\)/);
      // the port picker shows the port as held, and by whom
      const listed = (await helper.request().get('/edgegw/serial/ports').expect(200)).body as { ports: Array<{ path: string; usedBy?: { id: string } }> };
      assert.equal(listed.ports.find((p) => p.path === realpathSync(pty.a))?.usedBy?.id, 'mc');
    });

    test('each on its own end of the pair is no conflict; a redeploy reclaims the ports it gave back', async () => {
      const flow = [
        { id: 'sp', type: 'edgegw-serial-port', path: pty.a },
        { id: 'mc', type: 'edgegw-modbus-connection', transport: 'rtu', serialPort: 'sp' },
        { id: 'ci', type: 'edgegw-can-interface', kind: 'slcan', serialPath: pty.b },
      ];
      await helper.load(modules(), flow);
      await helper.setFlows(flow, 'full');
      await helper.setFlows(flow, 'full');
      for (const id of ['mc', 'ci']) assert.deepEqual(errorsOf(helper.getNode(id)), [], id);
      assert.equal(heldSerialPorts().get(realpathSync(pty.b))?.id, 'ci');
      await helper.unload();
      assert.equal(heldSerialPorts().has(realpathSync(pty.a)), false, 'released when the flow stops');
      assert.equal(heldSerialPorts().has(realpathSync(pty.b)), false);
    });

    test('a Modbus RTU server holds its port too: a connection on it refuses the server, naming both; a redeploy reopens it', async () => {
      await helper.load(modules(), [
        { id: 'mc', type: 'edgegw-modbus-connection', name: 'line 1', transport: 'rtu', path: pty.a },
        { id: 'ms', type: 'edgegw-modbus-server', name: 'slave', transport: 'rtu', path: pty.a, units: '1' },
      ]);
      assert.equal(heldSerialPorts().get(realpathSync(pty.a))?.id, 'mc');
      const ms = helper.getNode('ms') as unknown as { server?: unknown };
      assert.equal(ms.server, undefined, 'the server was not made');
      assert.match(
        errorsOf(helper.getNode('ms')).join('\n'),
        /modbus-server slave: serial port .* is already used by modbus-connection "line 1" \(mc\); modbus-server "slave" \(ms\) cannot open it too/,
      );
      await helper.unload();
      assert.equal(heldSerialPorts().has(realpathSync(pty.a)), false, 'released when the flow stops');

      const alone = [{ id: 'ms', type: 'edgegw-modbus-server', name: 'slave', transport: 'rtu', path: pty.a, units: '1' }];
      await helper.load(modules(), alone);
      await helper.setFlows(alone, 'full');
      assert.deepEqual(errorsOf(helper.getNode('ms')), []);
      assert.deepEqual(heldSerialPorts().get(realpathSync(pty.a)), { id: 'ms', label: 'modbus-server "slave"' });
      await helper.unload();
      assert.equal(heldSerialPorts().has(realpathSync(pty.a)), false, 'released when the server stops');
    });

    test('a missing or refused serial-port config node is an error of the node that chose it', async () => {
      await helper.load(modules(), [
        { id: 'sp', type: 'edgegw-serial-port', path: pty.a, baudRate: 'fast' },
        { id: 'mc', type: 'edgegw-modbus-connection', transport: 'rtu', serialPort: 'sp' },
        { id: 'ci', type: 'edgegw-can-interface', kind: 'slcan', serialPort: 'gone' },
      ]);
      assert.match((helper.getNode('mc') as unknown as { configError?: string }).configError ?? '', /^serialPort: sp: serial port baudRate/);
      assert.equal((helper.getNode('ci') as unknown as { configError?: string }).configError, 'serialPort: config node gone is not deployed');
    });
  });
});
