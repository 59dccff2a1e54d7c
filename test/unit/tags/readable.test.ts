// Readable values: scaled integers rounded to the precision their scaling implies, float32 values
// as their shortest decimal; never a different number than the exact one, only less noise.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { decimalsOf, roundToDecimals, scaledDecimals, shortestFloat32 } from '../../../lib/tags/readable';

test('decimal places of factors and offsets as written', () => {
  assert.equal(decimalsOf(0.1), 1);
  assert.equal(decimalsOf(0.0625), 4);
  assert.equal(decimalsOf(1e-7), 7);
  assert.equal(decimalsOf(2.5e-8), 9);
  assert.equal(decimalsOf(-40), 0);
  assert.equal(scaledDecimals(0.1, -40), 1);
  assert.equal(scaledDecimals(0.01, 0.5), 2);
  assert.equal(scaledDecimals(1e-20, 0), 15);
});

test('the noise the issue showed is gone', () => {
  assert.equal(518 * 0.1, 51.800000000000004);
  assert.equal(roundToDecimals(518 * 0.1, 1), 51.8);
  assert.equal(roundToDecimals(301 * 0.01, 2), 3.01);
  assert.equal(shortestFloat32(Math.fround(24.1)), 24.1);
  assert.equal(Math.fround(24.1), 24.100000381469727);
  assert.equal(roundToDecimals(-1 * 0.1 + 0.1, 1), 0);
  assert.ok(!Object.is(roundToDecimals(-0.01 * 1, 1), -0), 'no -0');
});

test('a rounded scaled integer is the exact decimal raw * factor + offset (property)', () => {
  const factors = [0.1, 0.01, 0.001, 0.5, 0.25, 0.125, 0.05, 0.0001];
  fc.assert(
    fc.property(fc.integer({ min: -(2 ** 31), max: 2 ** 31 }), fc.constantFrom(...factors), fc.constantFrom(0, -40, 0.5, -273.15), (raw, factor, offset) => {
      const d = scaledDecimals(factor, offset);
      const got = roundToDecimals(raw * factor + offset, d);
      // the exact decimal, computed in BigInt fixed point
      const scale = 10n ** BigInt(d);
      const exact = BigInt(raw) * BigInt(Math.round(factor * 10 ** d)) + BigInt(Math.round(offset * 10 ** d));
      const sign = exact < 0n ? '-' : '';
      const abs = exact < 0n ? -exact : exact;
      const text = `${sign}${abs / scale}.${(abs % scale).toString().padStart(d, '0')}`;
      assert.equal(got, Number(text), `${raw} * ${factor} + ${offset}`);
    }),
    { numRuns: 2000 },
  );
});

test('the shortest float32 decimal is the same float32 and never longer (property)', () => {
  fc.assert(
    fc.property(fc.float({ noNaN: true, noDefaultInfinity: true }), (f) => {
      const v = Math.fround(f);
      const r = shortestFloat32(v);
      assert.equal(Math.fround(r), v);
      assert.ok(String(r).length <= String(v).length, `${r} vs ${v}`);
    }),
    { numRuns: 5000 },
  );
  // a double that is no float32 is left as it is
  assert.equal(shortestFloat32(0.1), 0.1);
  assert.equal(shortestFloat32(Math.PI), Math.PI);
});

test('large values are left alone where a double has no fraction left', () => {
  assert.equal(roundToDecimals(2 ** 60 + 0.5, 3), 2 ** 60);
  assert.equal(roundToDecimals(Infinity, 2), Infinity);
  assert.ok(Number.isNaN(roundToDecimals(NaN, 2)));
});

/** The definition shortestFloat32 shortcuts: the first of toPrecision(1..9) that reads back as v. */
function shortestFloat32ByDefinition(v: number): number {
  if (!Number.isFinite(v) || Number.isInteger(v) || Math.fround(v) !== v) return v;
  for (let digits = 1; digits <= 9; digits++) {
    const candidate = Number(v.toPrecision(digits));
    if (Math.fround(candidate) === v) return candidate;
  }
  return v;
}

test('the shortest float32 decimal tried from 6 digits equals the one tried from 1 digit (property, every bit pattern kind)', () => {
  const view = new DataView(new ArrayBuffer(4));
  const fromBits = (bits: number) => (view.setUint32(0, bits >>> 0), view.getFloat32(0));
  const same = (v: number) => assert.ok(Object.is(shortestFloat32(v), shortestFloat32ByDefinition(v)), `${v}: ${shortestFloat32(v)} vs ${shortestFloat32ByDefinition(v)}`);
  // any bit pattern: normals, subnormals, both signs
  fc.assert(
    fc.property(fc.integer({ min: 0, max: 2 ** 32 - 1 }), (bits) => same(fromBits(bits))),
    { numRuns: 20000 },
  );
  // short decimals (where 6 digits suffice) and the floats next to them
  fc.assert(
    fc.property(fc.integer({ min: -999999, max: 999999 }), fc.integer({ min: -12, max: 12 }), fc.integer({ min: -2, max: 2 }), (mantissa, exp, step) => {
      view.setFloat32(0, mantissa * 10 ** exp);
      same(fromBits(view.getUint32(0) + step));
    }),
    { numRuns: 20000 },
  );
  // powers of two (their float32 neighbours are closer below than above) and the smallest normals
  for (let exponent = 1; exponent < 255; exponent++) for (let step = -3; step <= 3; step++) same(fromBits((exponent << 23) + step));
  assert.equal(shortestFloat32(Math.fround(0.3)), 0.3);
  assert.equal(shortestFloat32(Math.fround(230.41234)), 230.41234);
});

test('tiny float32 values (smallest normal to 1e-4), estimated then decided exactly, equal the definition (property)', () => {
  const view = new DataView(new ArrayBuffer(4));
  const fromBits = (bits: number) => (view.setUint32(0, bits >>> 0), view.getFloat32(0));
  const same = (v: number) => assert.ok(Object.is(shortestFloat32(v), shortestFloat32ByDefinition(v)), `${v}: ${shortestFloat32(v)} vs ${shortestFloat32ByDefinition(v)}`);
  view.setFloat32(0, 1e-4);
  const below1e4 = view.getUint32(0);
  fc.assert(
    fc.property(fc.integer({ min: 0x00800000, max: below1e4 }), fc.boolean(), (bits, negative) => same(fromBits(bits) * (negative ? -1 : 1))),
    { numRuns: 30000 },
  );
  // short decimals in that range and their neighbours: candidates right at the interval's edges
  fc.assert(
    fc.property(fc.integer({ min: 1, max: 999999999 }), fc.integer({ min: -46, max: -5 }), fc.integer({ min: -2, max: 2 }), (mantissa, exp, step) => {
      view.setFloat32(0, Number(`${mantissa}e${exp}`));
      const bits = view.getUint32(0) + step;
      if (bits >= 0x00800000 && bits < below1e4) same(fromBits(bits));
    }),
    { numRuns: 30000 },
  );
  // next to powers of ten, where the decade of the digits is decided
  for (let exp = -37; exp <= -4; exp++) {
    view.setFloat32(0, Number(`1e${exp}`));
    const bits = view.getUint32(0);
    for (let step = -3; step <= 3; step++) same(fromBits(bits + step));
  }
  // the registers of a counting device: a high word well below the 1e-4 one, a low word counting
  for (let high = 0x0080; high < 0x3800; high += 0x1f3) for (let low = 0; low < 0x10000; low += 0x0fff) same(fromBits(high * 0x10000 + low));
});
