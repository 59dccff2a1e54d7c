// SocketCanSource where there is no SocketCAN (no vcan in these kernels): every missing piece
// must become a clear state, never an exception. Interfaces are faked with sysfs-shaped
// temporary directories; the socketcan package is the real one when it is installed.
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CanSourceError, SocketCanSource, fromSocketCanMessage, toSocketCanFilters, describeErrorFrame, type SocketCanModule } from '../../../lib/can/sources';
import { loadOptional } from '../../../lib/system/process/optional';
import { parseFilters } from '../../../lib/can/frame';

let sysfs: string;
before(() => {
  sysfs = mkdtempSync(join(tmpdir(), 'edgegw-sysfs-'));
  const iface = (name: string, type: string, operstate: string) => {
    mkdirSync(join(sysfs, name));
    writeFileSync(join(sysfs, name, 'type'), `${type}\n`);
    writeFileSync(join(sysfs, name, 'operstate'), `${operstate}\n`);
  };
  iface('can7', '280', 'down');
  iface('eth9', '1', 'up');
  iface('can8', '280', 'up'); // listed, but the kernel has no such interface
});
after(() => rmSync(sysfs, { recursive: true, force: true }));

function socketcanPackage(): SocketCanModule | undefined {
  try {
    return loadOptional<SocketCanModule>('socketcan');
  } catch {
    return undefined;
  }
}

async function openAndSettle(source: SocketCanSource): Promise<{ error?: Error; errors: Error[] }> {
  const errors: Error[] = [];
  source.on('error', (e) => errors.push(e));
  let error: Error | undefined;
  await source.open().catch((e: Error) => (error = e));
  await source.close();
  return { error, errors };
}

describe('SocketCanSource', () => {
  test('a missing socketcan package is a final, clear state', async () => {
    const source = new SocketCanSource({ iface: 'can0', loadPackage: () => loadOptional('socketcan-not-installed-here') });
    const states: Array<[string, string | undefined]> = [];
    source.on('state', (s, d) => states.push([s, d]));
    const { error, errors } = await openAndSettle(source);
    assert.match(error?.message ?? '', /socketcan can0: socketcan package not installed/);
    assert.equal(errors.length, 1);
    assert.deepEqual(states[1], ['failed', 'socketcan package not installed (npm install socketcan; needs Linux and a C++ toolchain)']);
    assert.deepEqual((error as CanSourceError).problem, { code: 'noSocketcan' }, 'the code a status shows');
  });

  test('an interface that does not exist: "interface can0 not found", retried', async () => {
    const pkg = socketcanPackage();
    const source = new SocketCanSource({ iface: 'can0', loadPackage: pkg ? () => pkg : undefined, backoff: { initialMs: 10000 } });
    const states: Array<[string, string | undefined]> = [];
    source.on('state', (s, d) => states.push([s, d]));
    const { error } = await openAndSettle(source);
    if (pkg) {
      assert.match(error?.message ?? '', /interface can0 not found/);
      assert.deepEqual(states[1], ['reconnecting', 'interface can0 not found']);
      assert.deepEqual((error as CanSourceError).problem, { code: 'notFound', args: { iface: 'can0' } });
    } else {
      assert.match(error?.message ?? '', /socketcan package not installed/);
    }
    assert.equal(source.state, 'closed', 'close() cancels the retry');
  });

  test('down, non-CAN and unopenable interfaces each say so', async () => {
    const pkg = socketcanPackage();
    const fakePkg: SocketCanModule = pkg ?? {
      createRawChannel: () => {
        throw new Error('Error while creating channel');
      },
    };
    const cases: Array<[string, RegExp, string, string]> = [
      ['can7', /interface can7 is down \(ip link set can7 up/, 'reconnecting', 'interfaceDown'],
      ['eth9', /interface eth9 is not a CAN interface \(link type 1\)/, 'failed', 'notCan'],
      ['can8', /cannot open a CAN socket on can8: Error while creating channel/, 'reconnecting', 'socketOpen'],
    ];
    for (const [iface, why, state, code] of cases) {
      const source = new SocketCanSource({ iface, sysfsNetDir: sysfs, loadPackage: () => fakePkg, backoff: { initialMs: 10000 } });
      const states: string[] = [];
      const problems: unknown[] = [];
      source.on('state', (s) => {
        states.push(s);
        problems.push(source.stats.problem);
      });
      const { error } = await openAndSettle(source);
      assert.match(error?.message ?? '', why, iface);
      assert.equal(states[1], state, iface);
      assert.deepEqual(problems[1], { code, args: { iface } }, iface);
    }
  });

  test('an invalid interface name is refused at construction', () => {
    assert.throws(() => new SocketCanSource({ iface: 'can0; rm -rf /' }), /not a valid network interface name/);
    assert.throws(() => new SocketCanSource({ iface: '' }), /not a valid network interface name/);
  });

  test('sending before open is a clear error', async () => {
    const source = new SocketCanSource({ iface: 'can0' });
    await assert.rejects(source.send({ id: 1, extended: false, fd: false, data: Buffer.alloc(0) }), /socketcan can0: cannot send: the interface is closed/);
  });

  test('package messages become frames; our filters become kernel filters', () => {
    const f = fromSocketCanMessage({ id: 0x123, data: Buffer.from([1, 2]), ts_sec: 100, ts_usec: 250000 }, 'can0');
    assert.deepEqual(f, { id: 0x123, extended: false, fd: false, data: Buffer.from([1, 2]), ts: 100.25, iface: 'can0' });
    const x = fromSocketCanMessage({ id: 0x18fef100, ext: true, data: Buffer.alloc(16) }, 'can1');
    assert.equal(x.extended, true);
    assert.equal(x.fd, true);
    const r = fromSocketCanMessage({ id: 0x7df, rtr: true, data: Buffer.alloc(8) }, 'can0');
    assert.equal(r.rtr, true);
    assert.equal(r.dlc, 8);
    assert.equal(r.data.length, 0);
    const e = fromSocketCanMessage({ id: 0x40, err: true, data: Buffer.alloc(8) }, 'can0');
    assert.equal(e.error, true);
    assert.equal(describeErrorFrame(e).busOff, true);

    assert.deepEqual(toSocketCanFilters(parseFilters('100:7F0 18FEF100:1FFFFF00 7E8~7FF')), [
      { id: 0x100, mask: 0x800007f0, invert: false },
      { id: 0x98fef100, mask: 0x9fffff00, invert: false },
      { id: 0x7e8, mask: 0x800007ff, invert: true },
    ]);
    assert.deepEqual(toSocketCanFilters([{ id: 0x10, mask: 0x10 }]), [{ id: 0x10, mask: 0x10, invert: false }]);
  });
});
