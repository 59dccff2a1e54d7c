import { shortestFloat32 } from '../../../lib/tags/readable';
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { applyScale, compileCodec, decodeTag, encodeTag, scaleRounding, TagValueError } from '../../../lib/modbus/codec';
import { WORD_ORDERS, type TagDef, type TagType, type WordOrder } from '../../../lib/modbus/types';
import { needPeers } from '../../helpers/peers';
import { havePython, pythonDecode, pythonEncode } from '../../helpers/modbus-typed-peer';

function tag(type: TagType, order: WordOrder = 'ABCD', extra: Partial<TagDef> = {}): TagDef {
  return { name: 't', area: 'holding', address: 0, type, order, scale: 1, offset: 0, access: 'rw', ...extra };
}

// Hand-computed: bytes of the big-endian value, then the order rule of issue 3.
const HAND: Array<{ type: TagType; value: number | bigint | string | boolean; regs: Record<WordOrder, number[]> }> = [
  { type: 'uint16', value: 0xabcd, regs: { ABCD: [0xabcd], CDAB: [0xabcd], BADC: [0xcdab], DCBA: [0xcdab] } },
  { type: 'int16', value: -1234, regs: { ABCD: [0xfb2e], CDAB: [0xfb2e], BADC: [0x2efb], DCBA: [0x2efb] } },
  { type: 'uint32', value: 0x12345678, regs: { ABCD: [0x1234, 0x5678], CDAB: [0x5678, 0x1234], BADC: [0x3412, 0x7856], DCBA: [0x7856, 0x3412] } },
  { type: 'int32', value: -2, regs: { ABCD: [0xffff, 0xfffe], CDAB: [0xfffe, 0xffff], BADC: [0xffff, 0xfeff], DCBA: [0xfeff, 0xffff] } },
  // 123.456f = 0x42F6E979
  // a float32 register pair reads as its shortest decimal (lib/tags/readable.ts): 123.456, not
  // 123.45600128173828; the same registers are written back
  { type: 'float32', value: 123.456, regs: { ABCD: [0x42f6, 0xe979], CDAB: [0xe979, 0x42f6], BADC: [0xf642, 0x79e9], DCBA: [0x79e9, 0xf642] } },
  // 1.5 = 0x3FF8000000000000
  { type: 'float64', value: 1.5, regs: { ABCD: [0x3ff8, 0, 0, 0], CDAB: [0, 0, 0, 0x3ff8], BADC: [0xf83f, 0, 0, 0], DCBA: [0, 0, 0, 0xf83f] } },
  {
    type: 'uint64',
    value: 0x0102030405060708n,
    regs: {
      ABCD: [0x0102, 0x0304, 0x0506, 0x0708],
      CDAB: [0x0708, 0x0506, 0x0304, 0x0102],
      BADC: [0x0201, 0x0403, 0x0605, 0x0807],
      DCBA: [0x0807, 0x0605, 0x0403, 0x0201],
    },
  },
  {
    type: 'int64',
    value: -2,
    regs: { ABCD: [0xffff, 0xffff, 0xffff, 0xfffe], CDAB: [0xfffe, 0xffff, 0xffff, 0xffff], BADC: [0xffff, 0xffff, 0xffff, 0xfeff], DCBA: [0xfeff, 0xffff, 0xffff, 0xffff] },
  },
  { type: 'string:3', value: 'ABCDE', regs: { ABCD: [0x4142, 0x4344, 0x4500], CDAB: [0x4142, 0x4344, 0x4500], BADC: [0x4241, 0x4443, 0x0045], DCBA: [0x4241, 0x4443, 0x0045] } },
  { type: 'bool', value: true, regs: { ABCD: [1], CDAB: [1], BADC: [1], DCBA: [1] } },
];

describe('codec: hand-computed vectors, every type and order', () => {
  for (const v of HAND) {
    for (const order of WORD_ORDERS) {
      test(`${v.type} ${order}`, () => {
        const t = tag(v.type, order);
        assert.deepEqual(decodeTag(t, v.regs[order]), v.value);
        assert.deepEqual(encodeTag(t, v.value), v.regs[order]);
      });
    }
  }
});

describe('codec: details', () => {
  test('64-bit: number when safe, bigint beyond 2^53', () => {
    assert.equal(decodeTag(tag('uint64'), [0x1f, 0xffff, 0xffff, 0xffff]), Number.MAX_SAFE_INTEGER);
    assert.equal(decodeTag(tag('uint64'), [0x20, 0, 0, 1]), 9007199254740993n);
    assert.equal(decodeTag(tag('int64'), [0x8000, 0, 0, 0]), -(2n ** 63n));
    assert.equal(decodeTag(tag('uint64'), [0xffff, 0xffff, 0xffff, 0xffff]), 2n ** 64n - 1n);
    assert.deepEqual(encodeTag(tag('uint64'), 2n ** 64n - 1n), [0xffff, 0xffff, 0xffff, 0xffff]);
    // with a scale the result is a plain number
    assert.equal(decodeTag(tag('uint64', 'ABCD', { scale: 0.001 }), [0, 0, 0, 1500]), 1.5);
  });

  test('scale and offset: value = raw*scale + offset, and the inverse for writes', () => {
    const t = tag('int16', 'ABCD', { scale: 0.1, offset: -40 });
    assert.equal(decodeTag(t, [650]), 650 * 0.1 - 40);
    assert.deepEqual(encodeTag(t, 25), [650]);
    assert.deepEqual(encodeTag(t, 23.4), [634]); // rounds 633.9999... to the nearest raw value
    const u = tag('uint16', 'ABCD', { scale: 0.01 });
    assert.throws(
      () => encodeTag(u, 655.36),
      (e: Error) => e instanceof TagValueError && /out of range for uint16 \(0\.\.65535\) after inverse scaling \(raw 65536\)/.test(e.message),
    );
    assert.throws(() => encodeTag(u, -0.01), /out of range for uint16/);
    assert.deepEqual(encodeTag(u, 655.35), [65535]);
  });

  test('range checks for every integer type', () => {
    const limits: Array<[TagType, number | bigint, number | bigint]> = [
      ['int16', -32768, 32767],
      ['uint16', 0, 65535],
      ['int32', -2147483648, 2147483647],
      ['uint32', 0, 4294967295],
      ['int64', -(2n ** 63n), 2n ** 63n - 1n],
      ['uint64', 0n, 2n ** 64n - 1n],
    ];
    for (const [type, min, max] of limits) {
      const t = tag(type);
      assert.doesNotThrow(() => encodeTag(t, min), `${type} min`);
      assert.doesNotThrow(() => encodeTag(t, max), `${type} max`);
      const below = typeof min === 'bigint' ? min - 1n : min - 1;
      const above = typeof max === 'bigint' ? max + 1n : max + 1;
      assert.throws(() => encodeTag(t, below), /out of range/, `${type} below`);
      assert.throws(() => encodeTag(t, above), /out of range/, `${type} above`);
    }
    assert.throws(() => encodeTag(tag('float32'), 1e39), /out of range for float32/);
    assert.throws(() => encodeTag(tag('float64'), Infinity), /not a finite number/);
    assert.throws(() => encodeTag(tag('float32'), NaN), /not a finite number/);
  });

  test('wrong JS types are rejected with the tag name', () => {
    assert.throws(() => encodeTag(tag('uint16'), [12]), /tag 't': expected a number for uint16, got an array/);
    assert.throws(() => encodeTag(tag('float32'), true), /expected a number/);
    assert.throws(() => encodeTag(tag('bool'), 'on'), /expected a boolean/);
    assert.throws(() => encodeTag(tag('bool'), 2), /expected a boolean/);
    assert.throws(() => encodeTag(tag('string:2'), 12), /expected a string for string:2/);
    assert.throws(() => encodeTag(tag('string:2'), 'ABCDE'), /5 characters does not fit string:2 \(at most 4\)/);
    assert.throws(() => encodeTag(tag('string:2'), 'Ä'), /not ASCII/);
    assert.deepEqual(encodeTag(tag('bool'), 0), [0]);
  });

  test('numbers given as text are read strictly: decimal only', () => {
    assert.deepEqual(encodeTag(tag('uint16'), '12'), [12]);
    assert.deepEqual(encodeTag(tag('int16'), '-1.5e1'), [0xfff1]);
    assert.throws(() => encodeTag(tag('uint16'), '0x10'), /tag 't': "0x10" is not a decimal number \(hex, octal and binary are not accepted\)/);
    assert.throws(() => encodeTag(tag('uint16'), ' 21'), /tag 't': " 21" is not a decimal number \(spaces around it\)/);
    assert.throws(() => encodeTag(tag('uint16'), ''), /"" is not a decimal number/);
    assert.throws(() => encodeTag(tag('float32'), 'Infinity'), /"Infinity" is not a decimal number/);
    assert.throws(() => encodeTag(tag('uint16'), '1_000'), /is not a decimal number/);
    assert.deepEqual(encodeTag(tag('uint64'), '18446744073709551615'), [0xffff, 0xffff, 0xffff, 0xffff]);
  });

  test('strings stop at NUL and are space-trimmed', () => {
    assert.equal(decodeTag(tag('string:4'), [0x2041, 0x4220, 0x0043, 0x4444]), 'AB');
    assert.equal(decodeTag(tag('string:2'), [0x4849, 0x2020]), 'HI');
    assert.equal(decodeTag(tag('string:2'), [0, 0x4141]), '');
  });

  test('bit:N reads and read-modify-writes one bit of a register', () => {
    assert.equal(decodeTag(tag('bit:3'), [0x0008]), true);
    assert.equal(decodeTag(tag('bit:15'), [0x7fff]), false);
    assert.equal(decodeTag(tag('bit:15'), [0x8000]), true);
    assert.deepEqual(encodeTag(tag('bit:0'), true, 0x1230), [0x1231]);
    assert.deepEqual(encodeTag(tag('bit:4'), false, 0xffff), [0xffef]);
    // BADC: the register's bytes are swapped, so bit 0 is the low bit of the first byte sent
    assert.equal(decodeTag(tag('bit:0', 'BADC'), [0x0100]), true);
    assert.deepEqual(encodeTag(tag('bit:0', 'BADC'), true, 0), [0x0100]);
    assert.throws(() => encodeTag(tag('bit:1'), true), /current content/);
  });

  test('coil and discrete tags are booleans', () => {
    const c = compileCodec({ ...tag('bool'), area: 'coil' });
    assert.equal(c.decode([false, true], 1), true);
    assert.deepEqual(c.encode(false), [false]);
  });
});

// A second opinion: Python's struct (see test/helpers/modbus-typed-peer.ts) encodes values of
// every numeric type in every order; our codec must decode them and encode the same registers.
const PY_VALUES: Record<string, Array<number | string>> = {
  int16: [-32768, -1234, 0, 1, 32767],
  uint16: [0, 1, 0xabcd, 65535],
  int32: [-2147483648, -123456789, 0, 2147483647],
  uint32: [0, 305419896, 4294967295],
  int64: ['-9223372036854775808', '-2', '9007199254740993', '9223372036854775807'],
  uint64: ['0', '72623859790382856', '18446744073709551615'],
  float32: [123.456, -0.5, 3.4028234663852886e38, 1e-45, 0],
  float64: [Math.PI, -1e308, 5e-324, 0.1],
};

describe('codec against Python struct', () => {
  test('every numeric type x every order, both directions', needPeers(havePython()), () => {
    const vectors: Array<{ type: string; order: WordOrder; value: number | string }> = [];
    for (const [type, values] of Object.entries(PY_VALUES)) for (const order of WORD_ORDERS) for (const value of values) vectors.push({ type, order, value });
    vectors.push({ type: 'string:4', order: 'ABCD', value: 'SDM630' }, { type: 'string:4', order: 'BADC', value: 'SDM630' }, { type: 'string:4', order: 'DCBA', value: 'abc' });
    const regs = pythonEncode(vectors);
    const decodedByPython = pythonDecode(vectors.map((v, i) => ({ type: v.type, order: v.order, regs: regs[i] })));
    vectors.forEach((v, i) => {
      const t = tag(v.type as TagType, v.order);
      const expected = typeof v.value === 'string' && /^-?\d+$/.test(v.value) ? BigInt(v.value) : v.value;
      const ours = decodeTag(t, regs[i]);
      const want = v.type === 'float32' ? shortestFloat32(Math.fround(expected as number)) : expected;
      // 64-bit values come back as numbers when safe: compare them as bigints
      const got = typeof want === 'bigint' && typeof ours === 'number' ? BigInt(ours) : ours;
      assert.equal(got, want, `${v.type} ${v.order} ${v.value}: decode of ${regs[i].join(',')}`);
      const input = v.type === 'int64' || v.type === 'uint64' ? BigInt(v.value) : v.value;
      assert.deepEqual(encodeTag(t, input), regs[i], `${v.type} ${v.order} ${v.value}: encode`);
      assert.equal(String(decodedByPython[i]), String(v.type === 'float32' ? Math.fround(v.value as number) : v.value), `python round trip ${v.type} ${v.order}`);
    });
  });
});

describe('scaled integers carry no binary noise', () => {
  test('raw * scale + offset is rounded to the decimals of scale and offset, for integer types only', () => {
    assert.equal(651 * 0.1, 65.10000000000001, 'the noise this removes');
    assert.equal(applyScale(651, 0.1, 0, scaleRounding('int16', 0.1, 0)), 65.1);
    assert.equal(applyScale(653, 0.1, 0, scaleRounding('int16', 0.1, 0)), 65.3);
    assert.equal(applyScale(357, 0.01, 0, scaleRounding('uint16', 0.01, 0)), 3.57);
    assert.equal(applyScale(-1, 0.5, -40.25, scaleRounding('int16', 0.5, -40.25)), -40.75);
    assert.equal(applyScale(7, 1e-7, 0, scaleRounding('int32', 1e-7, 0)), 7e-7);
    assert.equal(scaleRounding('float32', 0.1, 0), 0, 'float values are left as they are');
    assert.equal(scaleRounding('uint16', 1 / 3, 0), 0, 'scales with endless decimals are left as they are');
  });
});
