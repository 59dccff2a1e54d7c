// maxInFlight 'auto' (lib/modbus/line/pipelining.ts) against two real peers, the libmodbus C
// server with Nagle left on (as many embedded stacks) and the same server with TCP_NODELAY: the
// line must pipeline against the second and carry one request at a time against the first, say
// so in its state, and measure again after a reconnect to a device of the other kind. Choices are
// asserted, not timings; the rule itself is checked on figures.
import { test, describe, after } from 'node:test';
import assert from 'node:assert/strict';
import { createModbusLine } from '../../../lib/modbus/line/line';
import type { LineState, ModbusLine } from '../../../lib/modbus/line/types';
import { resolveLineOptions } from '../../../lib/modbus/line/config';
import { choosePipelining } from '../../../lib/modbus/line/pipelining';
import { lineOptionsFromSettings } from '../../../lib/modbus/line/status';
import { needPeers } from '../../helpers/peers';
import { buildModbusTcpServer, haveMbserver } from '../../helpers/modbus-mbserver';
import { freePort, startProcess, waitFor, waitForPort, type Peer } from '../../helpers/process';

describe('pipelining choice (rule)', () => {
  test('a burst answered about as fast as its requests one after another: pipelined', () => {
    const c = choosePipelining([0.1, 0.12, 0.09, 0.11], [0.25, 0.3, 0.22, 1.5, 0.3], 4);
    assert.equal(c.mode, 'pipelined');
    assert.equal(c.maxInFlight, 4);
    assert.match(c.text, /^pipelined ×4, measured 0\.1\d ms RTT$/);
  });

  test('one hiccup of a loaded host is not a stall pattern: still pipelined', () => {
    assert.equal(choosePipelining([0.1, 0.12, 0.09], [0.3, 0.4, 45, 0.3, 67, 0.3], 4).mode, 'pipelined');
  });

  test('a loaded host that holds singles as often as bursts: not Nagle, still pipelined', () => {
    assert.equal(choosePipelining([0.1, 0.12, 0.09], [0.3, 36, 0.4, 38, 40, 45, 39], 4, [0.1, 30, 0.2, 0.1, 0.1, 0.1, 0.1]).mode, 'pipelined');
  });

  test('bursts held by a delayed ACK (tens of ms) against sub-ms singles: one at a time, Nagle named', () => {
    const c = choosePipelining([0.1, 0.12, 0.09], [0.3, 40.2, 42, 0.3, 41, 0.4, 44], 4, [0.1, 0.1, 0.1, 0.2, 0.1, 0.1, 0.1]);
    assert.equal(c.mode, 'one-at-a-time');
    assert.equal(c.maxInFlight, 1);
    assert.equal(c.reason, 'nagle');
    assert.match(c.text, /^one at a time: the device delays pipelined answers \(Nagle\)/);
  });

  test('a slow remote device whose stall is small beside its round trip stays pipelined', () => {
    // 20 ms round trips, +40 ms of stall per burst: 4 requests in 60 ms beat 4 x 20 ms
    assert.equal(choosePipelining([20, 21, 19], [60, 61, 59], 4).mode, 'pipelined');
  });

  test("'auto' is the connection node's default for Modbus TCP, 1 for code; serial lines ignore it", () => {
    assert.equal(lineOptionsFromSettings({ transport: 'tcp', host: 'h', port: 502 }).maxInFlight, 'auto');
    assert.equal(lineOptionsFromSettings({ transport: 'tcp', host: 'h', port: 502, maxInFlight: '2' }).maxInFlight, 2);
    const auto = resolveLineOptions({ transport: { kind: 'tcp', host: 'h', port: 502 }, maxInFlight: 'auto' });
    assert.deepEqual([auto.autoInFlight, auto.maxInFlight], [true, 4]);
    const rtu = resolveLineOptions({ transport: { kind: 'rtu', path: '/dev/ttyS0', baudRate: 9600, parity: 'none', dataBits: 8, stopBits: 1 }, maxInFlight: 'auto' });
    assert.deepEqual([rtu.autoInFlight, rtu.maxInFlight], [false, 1]);
  });
});

describe('pipelining choice against libmodbus with and without TCP_NODELAY', needPeers(haveMbserver()), () => {
  const peers: Peer[] = [];
  const lines: ModbusLine[] = [];
  after(async () => {
    await Promise.all(lines.map((l) => l.close()));
    await Promise.all(peers.map((p) => p.stop('SIGKILL')));
  });

  const serve = async (port: number, nodelay: boolean): Promise<Peer> => {
    const peer = startProcess(buildModbusTcpServer(), [String(port), ...(nodelay ? ['--nodelay'] : [])]);
    peers.push(peer);
    await waitForPort(port);
    return peer;
  };
  const open = (port: number): ModbusLine => {
    const line = createModbusLine({ name: `auto-${port}`, transport: { kind: 'tcp', host: '127.0.0.1', port }, maxInFlight: 'auto', timeoutMs: 3000, reconnect: { minMs: 50, maxMs: 200 } });
    lines.push(line);
    return line;
  };
  const chosen = (line: ModbusLine): Promise<NonNullable<LineState['pipelining']>> =>
    waitFor('the pipelining choice', () => {
      const p = line.state().pipelining;
      return p && p.mode !== 'measuring' && line.state().connection === 'connected' ? p : undefined;
    });

  /** Reads until the line has chosen, checking every answer (the probe holds the queue meanwhile). */
  const readUntilChosen = async (line: ModbusLine): Promise<NonNullable<LineState['pipelining']>> => {
    const reads = Array.from({ length: 20 }, (_, i) => line.read(1, 'holding', i * 5, 5));
    for (const [i, r] of (await Promise.all(reads)).entries())
      assert.deepEqual(
        r,
        [0, 1, 2, 3, 4].map((k) => i * 5 + k),
      );
    return chosen(line);
  };

  test('TCP_NODELAY: pipelined x4, the round trip measured; the reads go 4 at a time', async () => {
    const port = await freePort();
    await serve(port, true);
    const line = open(port);
    assert.equal(line.state().pipelining?.mode, 'measuring');
    const c = await readUntilChosen(line);
    assert.equal(c.mode, 'pipelined', c.text);
    assert.equal(c.maxInFlight, 4);
    assert.ok(c.singleRttMs! > 0 && c.singleRttMs! < 1000, `RTT ${c.singleRttMs}`);
    assert.match(c.text, /^pipelined ×4, measured [\d.]+ ms RTT$/);
    let most = 0;
    const reads = Array.from({ length: 40 }, () => line.read(1, 'input', 0, 2).then((v) => ((most = Math.max(most, line.state().inFlight ?? 0)), v)));
    for (const v of await Promise.all(reads)) assert.deepEqual(v, [0, 2]);
    assert.ok(most > 1, `several requests were in flight at once (most seen on an answer: ${most})`);
  });

  test('Nagle on: one at a time, the delay named; measured again after a reconnect to a TCP_NODELAY device', async () => {
    const port = await freePort();
    const nagle = await serve(port, false);
    const line = open(port);
    const c = await readUntilChosen(line);
    assert.equal(c.mode, 'one-at-a-time', c.text);
    assert.equal(c.reason, 'nagle');
    assert.equal(c.maxInFlight, 1);
    assert.ok(c.burstMs! > c.singleRttMs!, `burst ${c.burstMs} ms, single ${c.singleRttMs} ms`);
    assert.match(c.text, /delays pipelined answers \(Nagle\)/);

    await nagle.stop('SIGKILL');
    await waitFor('the line sees the loss', () => line.state().connection !== 'connected');
    await serve(port, true);
    const again = await readUntilChosen(line);
    assert.equal(again.mode, 'pipelined', again.text);
  });

  test('the first read asked for is refused by the device (exception): its answers still time the probe', async () => {
    const port = await freePort();
    await serve(port, true);
    const line = open(port);
    // the server has 10,000 registers: exception 02, yet an answer
    await assert.rejects(line.read(1, 'holding', 20000, 1), /exception/i);
    const c = await chosen(line);
    assert.equal(c.mode, 'pipelined', c.text);
    assert.deepEqual(await line.read(1, 'holding', 7, 1), [7]);
  });
});
