// candump log lines, and the frame helpers they produce (filters, payload checks).
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { CandumpSyntaxError, formatCandumpLine, formatFrameToken, parseCandumpLine } from '../../../lib/can/candump';
import { CanFilterError, CanFrameError, type CanFrame, matchesAny, matchesFilter, parseFilters, toCanFrame, toFrameData } from '../../../lib/can/frame';

describe('parseCandumpLine', () => {
  test('a classic standard frame with timestamp and interface', () => {
    const f = parseCandumpLine('(1436509052.249713) vcan0 123#DEADBEEF', 1)!;
    assert.equal(f.id, 0x123);
    assert.equal(f.extended, false);
    assert.equal(f.fd, false);
    assert.equal(f.rtr, undefined);
    assert.deepEqual([...f.data], [0xde, 0xad, 0xbe, 0xef]);
    assert.equal(f.ts, 1436509052.249713);
    assert.equal(f.iface, 'vcan0');
  });

  test('an 8-digit id is extended, even when small', () => {
    const f = parseCandumpLine('(1.5) can1 00000123#11.22.33', 7)!;
    assert.equal(f.id, 0x123);
    assert.equal(f.extended, true);
    assert.deepEqual([...f.data], [0x11, 0x22, 0x33]);
    const big = parseCandumpLine('(1.5) can1 1FFFFFFF#', 8)!;
    assert.equal(big.id, 0x1fffffff);
    assert.equal(big.data.length, 0);
  });

  test('remote frames with and without a requested length', () => {
    const r = parseCandumpLine('(2.000000) can0 123#R', 1)!;
    assert.equal(r.rtr, true);
    assert.equal(r.dlc, 0);
    assert.equal(r.data.length, 0);
    const r5 = parseCandumpLine('(2.000000) can0 12345678#R5', 1)!;
    assert.equal(r5.rtr, true);
    assert.equal(r5.dlc, 5);
    assert.equal(r5.extended, true);
  });

  test('CAN FD with flags and 64 bytes', () => {
    const data = 'AB'.repeat(64);
    const f = parseCandumpLine(`(3.25) can0 1F0##1${data}`, 1)!;
    assert.equal(f.fd, true);
    assert.equal(f.brs, true);
    assert.equal(f.esi, undefined);
    assert.equal(f.data.length, 64);
    const g = parseCandumpLine('(3.25) can0 00000001##2', 1)!;
    assert.equal(g.fd, true);
    assert.equal(g.esi, true);
    assert.equal(g.data.length, 0);
  });

  test('the timestamp and interface are optional; blank and comment lines give null', () => {
    const f = parseCandumpLine('7FF#01', 1)!;
    assert.equal(f.id, 0x7ff);
    assert.equal(f.ts, undefined);
    assert.equal(f.iface, undefined);
    assert.equal(parseCandumpLine('', 1), null);
    assert.equal(parseCandumpLine('   \r', 2), null);
    assert.equal(parseCandumpLine('# a comment', 3), null);
    assert.equal(parseCandumpLine('; another', 4), null);
    assert.equal(parseCandumpLine('(1.0) can0 123#01\r', 6)!.data.length, 1, 'CRLF line endings');
    // candump -x direction marker
    assert.equal(parseCandumpLine('(1.0) can0 123#00 R', 5)!.id, 0x123);
  });

  test('error frames carry the error class and are flagged', () => {
    const f = parseCandumpLine('(1.0) can0 20000040#0000000000000000', 1)!;
    assert.equal(f.error, true);
    assert.equal(f.id, 0x40);
  });

  test('classic frames may carry a raw DLC of 9..F', () => {
    const f = parseCandumpLine('(1.0) can0 123#1122334455667788_C', 1)!;
    assert.equal(f.data.length, 8);
  });

  const bad: Array<[string, RegExp]> = [
    ['(1.0) can0 12#00', /id "12" must have 3 hex digits/],
    ['(1.0) can0 800#00', /standard id 0x800 is above 0x7FF/],
    ['(1.0) can0 5FFFFFFF#00', /above 0x1FFFFFFF/],
    ['(1.0) can0 123#0', /odd number of hex digits/],
    ['(1.0) can0 123#GG', /"GG" is not a hex byte/],
    ['(1.0) can0 123#001122334455667788', /longer than 8 bytes/],
    ['(1.0) can0 123##1001122334455667788', /CAN FD data is 9 bytes/],
    ['(1.0) can0 123##', /flags digit/],
    ['(1.0 can0 123#00', /no closing/],
    ['(abc) can0 123#00', /not a number of seconds/],
    ['(1.0) can0', /missing frame/],
    ['(1.0) can0 hello', /frame must be/],
    ['(1.0) can0 123#00 extra', /unexpected text/],
    ['(1.0) can0 123#R9', /remote frame length/],
    ['(1.0) can0 123###00', /CAN XL/],
  ];
  for (const [line, why] of bad) {
    test(`rejects ${JSON.stringify(line)} naming line and reason`, () => {
      assert.throws(
        () => parseCandumpLine(line, 42),
        (err: unknown) => {
          assert.ok(err instanceof CandumpSyntaxError);
          assert.equal(err.line, 42);
          assert.ok(err.column >= 1 && err.column <= line.length + 1);
          assert.match(err.message, /candump line 42, column \d+/);
          assert.match(err.message, why);
          return true;
        },
      );
    });
  }

  test('the column points at the bad data', () => {
    try {
      parseCandumpLine('(1.0) can0 123#00ZZ', 1);
      assert.fail('should throw');
    } catch (err) {
      assert.ok(err instanceof CandumpSyntaxError);
      assert.equal(err.column, '(1.0) can0 123#00'.length + 1);
    }
  });
});

describe('formatCandumpLine', () => {
  const frames: CanFrame[] = [
    { id: 0x123, extended: false, fd: false, data: Buffer.from('deadbeef', 'hex'), ts: 1436509052.249713, iface: 'vcan0' },
    { id: 0x18fef100, extended: true, fd: false, data: Buffer.from('0102', 'hex'), ts: 12.5, iface: 'can1' },
    { id: 0x7ff, extended: false, fd: false, rtr: true, dlc: 3, data: Buffer.alloc(0), ts: 1, iface: 'can0' },
    { id: 0x10, extended: false, fd: true, brs: true, data: Buffer.alloc(12, 0xa5), ts: 2, iface: 'can0' },
    { id: 0x40, extended: false, fd: false, error: true, data: Buffer.alloc(8), ts: 3, iface: 'can0' },
  ];
  test('writes what candump writes', () => {
    assert.equal(formatCandumpLine(frames[0]), '(1436509052.249713) vcan0 123#DEADBEEF');
    assert.equal(formatCandumpLine(frames[1]), '(12.500000) can1 18FEF100#0102');
    assert.equal(formatFrameToken(frames[2]), '7FF#R3');
    assert.equal(formatFrameToken(frames[3]), `010##1${'A5'.repeat(12)}`);
    assert.equal(formatFrameToken(frames[4]), '20000040#0000000000000000');
  });
  test('round trips through parseCandumpLine', () => {
    for (const f of frames) {
      const back = parseCandumpLine(formatCandumpLine(f), 1)!;
      assert.equal(back.id, f.id);
      assert.equal(back.extended, f.extended);
      assert.equal(back.fd, f.fd);
      assert.equal(Boolean(back.rtr), Boolean(f.rtr));
      assert.equal(Boolean(back.error), Boolean(f.error));
      assert.deepEqual(back.data, f.data);
      assert.ok(Math.abs(back.ts! - f.ts!) < 1e-6);
    }
  });
});

describe('frame filters', () => {
  const std = (id: number): CanFrame => ({ id, extended: false, fd: false, data: Buffer.alloc(0) });
  const ext = (id: number): CanFrame => ({ id, extended: true, fd: false, data: Buffer.alloc(0) });

  test('candump-style id:mask, id~mask and bare ids', () => {
    const fs = parseFilters('100:7F0, 0x200\n18FEF100:1FFFF00  7E8~7FF');
    assert.equal(fs.length, 4);
    assert.deepEqual(fs[0], { id: 0x100, mask: 0x7f0, extended: false, invert: false });
    assert.deepEqual(fs[1], { id: 0x200, mask: 0x7ff, extended: false, invert: false });
    assert.deepEqual(fs[2], { id: 0x18fef100, mask: 0x1ffff00, extended: true, invert: false });
    assert.equal(fs[3].invert, true);
    assert.equal(matchesFilter(std(0x10f), fs[0]), true);
    assert.equal(matchesFilter(std(0x110), fs[0]), false);
    assert.equal(matchesFilter(ext(0x10f), fs[0]), false, 'a standard filter does not pass extended frames');
    assert.equal(matchesFilter(ext(0x18fef1aa), fs[2]), true);
    assert.equal(matchesFilter(std(0x7e8), fs[3]), false);
    assert.equal(matchesFilter(std(0x7e9), fs[3]), true);
  });

  test('8 digits select extended frames, any filter passing is enough, none passes all', () => {
    const fs = parseFilters('00000123');
    assert.equal(fs[0].extended, true);
    assert.equal(matchesAny(ext(0x123), fs), true);
    assert.equal(matchesAny(std(0x123), fs), false);
    assert.equal(matchesAny(std(0x5), []), true);
    assert.equal(matchesAny(std(0x5), parseFilters('  ')), true);
    assert.equal(matchesAny(std(0x201), parseFilters('100:700,200:700')), true);
  });

  test('a bad filter names its position and text', () => {
    assert.throws(
      () => parseFilters('100:7F0, 12G:7FF'),
      (e: unknown) => e instanceof CanFilterError && e.index === 2 && /filter 2 \("12G:7FF"\): id "12G"/.test(e.message),
    );
    assert.throws(() => parseFilters('100:XYZ'), /mask "XYZ" is not a hexadecimal/);
    assert.throws(() => parseFilters('3FFFFFFF'), /above the largest extended id/);
  });
});

describe('toCanFrame', () => {
  test('accepts data as Buffer, array or hex string and defaults extended/fd', () => {
    assert.deepEqual([...toCanFrame({ id: 0x10, data: [1, 2, 3] }).data], [1, 2, 3]);
    assert.deepEqual([...toCanFrame({ id: 0x10, data: 'de ad.BE-ef' }).data], [0xde, 0xad, 0xbe, 0xef]);
    assert.deepEqual([...toCanFrame({ id: '0x10', data: Buffer.from([9]) }).data], [9]);
    assert.equal(toCanFrame({ id: 0x800, data: [] }).extended, true);
    assert.equal(toCanFrame({ id: 0x10, data: Buffer.alloc(12) }).fd, true);
    assert.deepEqual([...toCanFrame({ id: 1, data: { type: 'Buffer', data: [4, 5] } }).data], [4, 5]);
    const r = toCanFrame({ id: 1, rtr: true, dlc: 4 });
    assert.equal(r.rtr, true);
    assert.equal(r.dlc, 4);
  });

  const bad: Array<[unknown, string, RegExp]> = [
    [null, 'payload', /must be an object/],
    [{ id: 'x', data: [] }, 'id', /not an integer/],
    [{ id: 0x800, extended: false, data: [] }, 'id', /does not fit a standard 11-bit id/],
    [{ id: 0x20000000, data: [] }, 'id', /above the largest extended id/],
    [{ id: 1, data: [1, 2, 3, 4, 5, 6, 7, 8, 9], fd: false }, 'data', /at most 8 bytes/],
    [{ id: 1, data: Buffer.alloc(13) }, 'data', /CAN FD data is 13 bytes/],
    [{ id: 1, data: [256] }, 'data', /data\[0\] is 256/],
    [{ id: 1, data: 'abc' }, 'data', /not a hex string of whole bytes/],
    [{ id: 1, data: 5 }, 'data', /must be a Buffer/],
    [{ id: 1, rtr: true, dlc: 9 }, 'dlc', /dlc 9 is not 0..8/],
  ];
  for (const [input, field, why] of bad) {
    test(`rejects ${JSON.stringify(input)} naming "${field}"`, () => {
      assert.throws(
        () => toCanFrame(input),
        (e: unknown) => e instanceof CanFrameError && e.field === field && why.test(e.message),
      );
    });
  }

  test('toFrameData passes Buffers through untouched', () => {
    const b = Buffer.from([1, 2]);
    assert.equal(toFrameData(b), b);
  });
});
