// modbus-server judged by libmodbus: test/peers/modbus-conformance-client.c, built against the
// system libmodbus, runs libmodbus' own client calls (FC 22, 23, 17, raw FC 43/14, each area at and beyond its
// bounds, illegal quantities) against the node laid out with areas that do not start at 0, and
// every check must pass. The writes of FC 22 and 23 come out of the node like those of FC 6/16.
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { helper, nodeModule } from '../helpers/nodered';
import { needPeers } from '../helpers/peers';
import { waitFor } from '../helpers/process';
import { received, testNodesModule } from '../helpers/modbus-nodes';
import { buildLibmodbusPeer, haveLibmodbusPeer } from '../helpers/modbus-mbserver';
import type { ModbusServer } from '../../lib/modbus/server/server';

const CLIENT_SRC = join(__dirname, '..', 'peers', 'modbus-conformance-client.c');
const NAME = 'conformance-sim';
// the layout the client expects (see the comment at the top of the C source)
const LAYOUT = {
  coilStart: 0x130,
  coilSize: 0x25,
  discreteStart: 0x1c4,
  discreteSize: 0x16,
  holdingStart: 0x160,
  holdingSize: 0x20,
  inputStart: 0x108,
  inputSize: 0x0a,
};

interface ClientRun {
  code: number;
  lines: string[];
  stderr: string;
}

/** Runs the client without blocking the event loop (the server under test answers in this process). */
function runClient(bin: string, port: number): Promise<ClientRun> {
  return new Promise((resolve) => {
    execFile(bin, [String(port), NAME], { timeout: 60_000 }, (err, stdout, stderr) => {
      const code = err ? (typeof err.code === 'number' ? err.code : -1) : 0;
      resolve({ code, lines: stdout.split('\n').filter(Boolean), stderr });
    });
  });
}

describe('modbus-server judged by libmodbus', () => {
  before(() => helper.startServer());
  after(() => helper.stopServer());

  test('every check of the libmodbus conformance client passes', needPeers(haveLibmodbusPeer('test/peers/modbus-conformance-client.c')), async () => {
    const bin = buildLibmodbusPeer(CLIENT_SRC, 'modbus-conformance-client');
    await helper.load(
      [nodeModule('modbus-server'), testNodesModule],
      [
        { id: 'srv', type: 'edgegw-modbus-server', name: NAME, transport: 'tcp', host: '127.0.0.1', port: 0, units: '1', ...LAYOUT, wires: [['sink']] },
        { id: 'sink', type: 'modbus-test-sink' },
      ],
    );
    try {
      const node = helper.getNode('srv') as unknown as { server?: ModbusServer; receive(msg: object): void };
      const server = await waitFor('the server listening', () => (node.server?.status().serving ? node.server : undefined), 30_000);
      node.receive({
        payload: [
          { area: 'discrete', address: LAYOUT.discreteStart, values: new Array<boolean>(LAYOUT.discreteSize).fill(true) },
          { area: 'input', address: LAYOUT.inputStart, values: Array.from({ length: LAYOUT.inputSize }, (_, i) => 0x1000 + i) },
        ],
      });
      await waitFor('the flow input applied', () => server.getRegisters(1, 'input', LAYOUT.inputStart, 1)[0] === 0x1000);

      const run = await runClient(bin, (server.address() as { port: number }).port);
      const failed = run.lines.filter((l) => !l.startsWith('PASS ') && !l.startsWith('PASSED '));
      assert.deepEqual(failed, [], `every check passes (exit ${run.code}${run.stderr ? `, stderr ${run.stderr}` : ''})`);
      assert.equal(run.code, 0);
      const names = run.lines.filter((l) => l.startsWith('PASS ')).map((l) => l.split(' ')[1]);
      for (const name of [
        'mask_write_register_value',
        'write_and_read_registers',
        'report_slave_id',
        'read_registers_at_0',
        'read_registers_quantity_126',
        'write_bit_address_before_value',
        'read_device_id_basic_stream',
        'read_device_id_bad_code',
      ]) {
        assert.ok(names.includes(name), `check ${name} ran`);
      }
      assert.ok(names.length >= 50, `${names.length} checks ran`);

      // the writes of FC 22 and FC 23 come out as remote writes, like FC 6/16
      const writes = (received.get('sink') ?? []).map((m) => m.payload as { area: string; address: number; values: number[] });
      assert.ok(
        writes.some((w) => w.area === 'holding' && w.address === LAYOUT.holdingStart && w.values.length === 1 && w.values[0] === 0x17),
        'the mask write (FC 22) is reported with the value it wrote',
      );
      assert.ok(
        writes.some((w) => w.area === 'holding' && w.address === LAYOUT.holdingStart + 1 && w.values[0] === 0xaaaa && w.values[1] === 0xbbbb),
        'the write of FC 23 is reported',
      );
    } finally {
      await helper.unload();
      received.clear();
    }
  });
});
