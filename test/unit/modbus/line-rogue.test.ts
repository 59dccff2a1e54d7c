// The line against a misbehaving TCP server (our own net.Server): exception, truncated, garbage,
// wrong-length, wrong-unit and missing answers, hang-ups. Every failure is typed, nothing
// crashes, the stream recovers, and memory stays flat over 10,000 failed polls.
import { test, describe, after } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Socket } from 'node:net';
import { once } from 'node:events';
import { startRogueServer, type RogueReply, type RogueRequest } from '../../helpers/modbus-rogue';
import { forceGc } from '../../helpers/modbus-leaks';
import { waitFor } from '../../helpers/process';
import { createModbusLine } from '../../../lib/modbus/line/line';
import type { LineOptions, ModbusLine } from '../../../lib/modbus/line/types';
import { ModbusConnectionError, ModbusExceptionError, ModbusProtocolError, ModbusTimeoutError } from '../../../lib/modbus/errors';

describe('Modbus line against a rogue TCP server', () => {
  const cleanup: Array<() => Promise<void>> = [];
  after(async () => {
    for (const c of cleanup.reverse()) await c();
  });

  async function setup(opts: Partial<LineOptions> = {}, behaviour?: (r: RogueRequest) => RogueReply) {
    const rogue = await startRogueServer(behaviour);
    const line = createModbusLine({
      transport: { kind: 'tcp', host: '127.0.0.1', port: rogue.port },
      timeoutMs: 200,
      reconnect: { minMs: 20, maxMs: 100 },
      unitBackoff: { minMs: 1, maxMs: 1 },
      breaker: { failureThreshold: 1_000_000, resetTimeoutMs: 1000 },
      ...opts,
    });
    cleanup.push(async () => {
      await line.close();
      await rogue.close();
    });
    return { rogue, line };
  }

  test('each kind of bad answer fails with its typed error and the next request succeeds', async () => {
    let next: RogueReply = { kind: 'ok' };
    const { line } = await setup({}, (r) => (r.address === 0 ? { kind: 'ok' } : next));
    const cases: Array<[RogueReply, (e: unknown) => boolean]> = [
      [{ kind: 'exception', code: 2 }, (e) => e instanceof ModbusExceptionError && e.code === 2],
      [{ kind: 'exception', code: 4 }, (e) => e instanceof ModbusExceptionError && e.code === 4 && /server device failure/.test(e.message)],
      [{ kind: 'truncated' }, (e) => e instanceof ModbusTimeoutError],
      [{ kind: 'garbage' }, (e) => e instanceof ModbusTimeoutError || e instanceof ModbusProtocolError],
      [{ kind: 'garbage', bytes: Buffer.from([0, 1, 0, 0, 0, 1, 1]) }, (e) => e instanceof ModbusTimeoutError || e instanceof ModbusProtocolError],
      [{ kind: 'wrong-length' }, (e) => e instanceof ModbusProtocolError && /length/i.test(e.message)],
      [{ kind: 'wrong-unit' }, (e) => e instanceof ModbusProtocolError && /address/.test(e.message)],
      [{ kind: 'silent' }, (e) => e instanceof ModbusTimeoutError && e.timeoutMs === 200],
    ];
    for (const [reply, check] of cases) {
      next = reply;
      await assert.rejects(line.read(1, 'holding', 10, 4), (e: unknown) => {
        assert.ok(check(e), `${reply.kind}: got ${(e as Error).name}: ${(e as Error).message}`);
        assert.match((e as Error).message, /unit 1 holding 10\.\.13/, 'the error names the block');
        return true;
      });
      // after the unit's tiny suspension, a good request goes through on the same connection
      await new Promise((r) => setTimeout(r, 5));
      assert.deepEqual(await line.read(1, 'holding', 0, 3), [0, 1, 2], `recovered after ${reply.kind}`);
    }
    assert.equal(line.state().connection, 'connected');
  });

  test('pipelined: bytes that are not Modbus TCP drop the connection; what was in flight fails typed, then it recovers', async () => {
    let broken = true;
    const { line, rogue } = await setup({ maxInFlight: 4, timeoutMs: 1000 }, (r) => (broken && r.unit === 2 ? { kind: 'garbage' } : r.unit === 3 && broken ? { kind: 'silent' } : { kind: 'ok' }));
    await waitFor('connected', () => line.state().connection === 'connected', 30_000);
    const slow = line.read(3, 'holding', 5, 1); // on the wire, unanswered, when the garbage arrives
    await waitFor('first request on the wire', () => rogue.requests() >= 1, 30_000, 5);
    await assert.rejects(line.read(2, 'holding', 0, 1), (e: unknown) => e instanceof ModbusProtocolError && /out of sync/.test((e as Error).message));
    await assert.rejects(slow, (e: unknown) => e instanceof ModbusProtocolError && /out of sync/.test((e as Error).message));
    broken = false;
    assert.deepEqual(await line.read(2, 'holding', 7, 2), [7, 8]);
    assert.deepEqual(await line.read(3, 'holding', 5, 1), [5]);
  });

  test('a hang-up fails the request in flight with ModbusConnectionError; queued requests of other units survive the reconnect', async () => {
    let hangup = true;
    const { rogue, line } = await setup({ reconnect: { minMs: 50, maxMs: 200 }, timeoutMs: 2000 }, (r) => {
      if (r.unit === 1 && hangup) return { kind: 'silent' };
      return { kind: 'ok' };
    });
    await waitFor('connected', () => line.state().connection === 'connected', 30_000);
    const inFlight = line.read(1, 'holding', 100, 2);
    const queued = [line.read(2, 'holding', 200, 2), line.read(3, 'coil', 1, 3), line.read(2, 'holding', 300, 1)];
    await waitFor('request on the wire', () => rogue.requests() >= 1, 30_000, 5);
    assert.equal(line.state().units[2].queued, 2);
    hangup = false;
    rogue.dropClients();
    await assert.rejects(inFlight, (e: unknown) => e instanceof ModbusConnectionError && /unit 1 holding 100\.\.101/.test((e as Error).message));
    assert.deepEqual(await Promise.all(queued), [[200, 201], [true, false, true], [300]]);
  });

  test('one connection attempt at a time however many users: no reconnect storm', async () => {
    // a server that accepts and hangs up at once: the line keeps reconnecting with backoff
    let accepted = 0;
    const sockets = new Set<Socket>();
    const srv = createServer((s) => {
      accepted++;
      sockets.add(s);
      s.on('error', () => undefined);
      s.destroy();
    });
    srv.listen(0, '127.0.0.1');
    await once(srv, 'listening');
    const port = (srv.address() as { port: number }).port;
    const line: ModbusLine = createModbusLine({ transport: { kind: 'tcp', host: '127.0.0.1', port }, reconnect: { minMs: 100, maxMs: 200 }, queueTimeoutMs: 60000 });
    cleanup.push(async () => {
      await line.close();
      await new Promise<void>((r) => srv.close(() => r()));
    });
    const t0 = Date.now();
    // 200 users hammering the line while it cannot stay connected
    const users = Array.from({ length: 200 }, (_, i) => line.read(1 + (i % 10), 'holding', 0, 1).catch((e: Error) => e));
    await new Promise((r) => setTimeout(r, 1500));
    const elapsed = Date.now() - t0;
    // with a 100..200 ms backoff at most elapsed/70 + 1 attempts can happen (jitter takes up to 30% off)
    assert.ok(accepted >= 2, `reconnects: ${accepted}`);
    assert.ok(accepted <= elapsed / 70 + 1, `${accepted} connection attempts in ${elapsed} ms`);
    await line.close();
    for (const r of await Promise.all(users)) assert.ok(r instanceof ModbusConnectionError, String(r));
  });

  test('memory stays flat over 10,000 failed polls (exceptions, garbage, wrong lengths, timeouts)', async () => {
    const kinds: RogueReply[] = [{ kind: 'exception', code: 2 }, { kind: 'wrong-length' }, { kind: 'wrong-unit' }, { kind: 'exception', code: 3 }];
    const { line } = await setup({ timeoutMs: 20, reconnect: { minMs: 1, maxMs: 5 } }, (r) => {
      // one poll in 50 gets no (complete) answer at all: a timeout
      if (r.n % 50 === 0) return r.n % 100 === 0 ? { kind: 'truncated' } : { kind: 'silent' };
      if (r.n % 97 === 0) return { kind: 'garbage' };
      return kinds[r.n % kinds.length];
    });
    await waitFor('connected', () => line.state().connection === 'connected', 30_000);
    const poll = async (n: number): Promise<Record<string, number>> => {
      const seen: Record<string, number> = {};
      let done = 0;
      const worker = async (unit: number) => {
        while (done < n) {
          try {
            await line.read(unit, 'holding', 10, 8);
            seen.ok = (seen.ok ?? 0) + 1;
            done++;
          } catch (e) {
            const name = (e as Error).name;
            if (name === 'UnitSuspendedError') {
              // refused without going on the wire: wait out the unit's (1 ms) suspension
              await new Promise((r) => setTimeout(r, 2));
              continue;
            }
            seen[name] = (seen[name] ?? 0) + 1;
            done++;
          }
        }
      };
      await Promise.all([1, 2, 3, 4].map(worker));
      return seen;
    };
    await poll(2000); // warm-up: JIT, metric label sets, buffers
    forceGc();
    const before = process.memoryUsage().heapUsed;
    const seen = await poll(10000);
    forceGc();
    const grown = process.memoryUsage().heapUsed - before;
    assert.equal(seen.ok ?? 0, 0, 'every poll failed');
    for (const name of ['ModbusExceptionError', 'ModbusProtocolError', 'ModbusTimeoutError']) assert.ok((seen[name] ?? 0) > 0, `saw ${name}: ${JSON.stringify(seen)}`);
    const total = Object.values(seen).reduce((a, b) => a + b, 0);
    assert.ok(total >= 10000, `failed polls on the wire: ${total}`);
    // a leak of even 100 bytes per failed request would show as 1 MB
    assert.ok(grown < 1_000_000, `heap grew by ${grown} bytes over ${total} failed polls (${JSON.stringify(seen)})`);
    const st = line.state();
    assert.equal(st.inFlight, 0);
    for (const u of Object.values(st.units)) assert.equal(u.queued, 0);
  });
});
