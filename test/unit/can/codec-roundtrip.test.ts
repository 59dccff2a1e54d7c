// The codec: encode(decode(frame)) gives back the signal bits for random frames of every message
// of the fixture corpora; generated and interpreted decoders agree; multiplexing, labels, short
// frames, floats, 64-bit signals and encode errors on hand-made databases.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, test } from 'node:test';
import { DbcCodec, DbcEncodeError } from '../../../lib/can/codec';
import { parseDbc } from '../../../lib/can/dbc';
import { DBC_CORPORA, dbcFiles, fixturePath, fixturesMissing } from '../../helpers/can-fixtures';
import { randomBytes, seededRandom } from '../../helpers/can-random';

const missing = fixturesMissing();

function codecFor(text: string): DbcCodec {
  return new DbcCodec(parseDbc(text).db);
}

function sameValues(a: Record<string, unknown>, b: Record<string, unknown>): boolean {
  const ka = Object.keys(a);
  if (ka.length !== Object.keys(b).length) return false;
  return ka.every((k) => Object.prototype.hasOwnProperty.call(b, k) && (Object.is(a[k], b[k]) || a[k] === b[k]));
}

/** Mask of the frame bits that the decoded signals cover. */
function coveredBits(codec: DbcCodec, id: number, extended: boolean, names: string[], length: number): Buffer {
  const plan = codec.plan(id, extended)!;
  const mask = Buffer.alloc(length);
  for (const name of names) for (const s of plan.byName.get(name)!.layout.segments) mask[s.byte] |= s.mask << s.shift;
  return mask;
}

describe('codec round trip over the fixture corpora', { skip: missing ?? undefined }, () => {
  test('encode(decode(frame)) reproduces the signal bits; generated and interpreted decoders agree', (t) => {
    const random = seededRandom(20240611);
    let frames = 0;
    let signals = 0;
    for (const corpus of DBC_CORPORA) {
      for (const file of dbcFiles(corpus)) {
        const { db } = parseDbc(readFileSync(file));
        const codec = new DbcCodec(db);
        const reference = new DbcCodec(db, { compile: false });
        for (const m of db.messages) {
          if (m.length === 0 || codec.message(m.id, m.extended) !== m) continue;
          for (let i = 0; i < 6; i++) {
            const frame = randomBytes(random, m.length);
            const decoded = codec.decode(m.id, m.extended, frame)!;
            const where = `${path.basename(file)} ${m.name} ${frame.toString('hex')}`;
            assert.ok(sameValues(decoded.signals, reference.decode(m.id, m.extended, frame)!.signals), `${where}: generated != interpreted`);
            const labelled = codec.decode(m.id, m.extended, frame, { labels: true })!.signals;
            assert.ok(sameValues(labelled, reference.decode(m.id, m.extended, frame, { labels: true })!.signals), `${where}: labels differ`);

            const encoded = codec.encode(m.id, decoded.signals, m.extended);
            assert.equal(encoded.id, m.id);
            assert.equal(encoded.extended, m.extended);
            assert.equal(encoded.data.length, m.length);
            const names = Object.keys(decoded.signals);
            const mask = coveredBits(codec, m.id, m.extended, names, m.length);
            for (let b = 0; b < m.length; b++) {
              assert.equal(encoded.data[b] & mask[b], frame[b] & mask[b], `${where}: byte ${b} after encode ${encoded.data.toString('hex')}`);
            }
            assert.ok(sameValues(codec.decode(m.id, m.extended, encoded.data)!.signals, decoded.signals), `${where}: decode(encode) differs`);
            // Labels go back to the same raw values (where a label names one value only).
            if (m.signals.every((s) => !s.valueTable || new Set(s.valueTable.values()).size === s.valueTable.size)) {
              assert.deepEqual(codec.encode(m.id, labelled, m.extended).data, encoded.data, `${where}: encoding labels`);
            }
            frames++;
            signals += names.length;
          }
        }
      }
    }
    t.diagnostic(`${frames} random frames, ${signals} signal values round-tripped`);
    assert.ok(frames > 20000);
  });

  test('the multiplexed messages of multiplex_2.dbc (extended multiplexing) decode only the selected signals', () => {
    const codec = new DbcCodec(parseDbc(readFileSync(fixturePath('multiplex_2.dbc'))).db);
    const id = 2348875518 - 0x80000000; // "Extended": S0 -> S1 -> {S2,S3 | S4}, S0 -> S5, S6 -> {S7 | S8}
    const decode = (hex: string) => codec.decode(id, true, Buffer.from(hex, 'hex'))!.signals;
    assert.deepEqual(decode('0005341201aabbcc'), { S0: 0, S1: 0, S2: 5, S3: 0x1234, S6: 1, S7: 0xccbbaa - 0x1000000 });
    assert.deepEqual(decode('2005341202fe0000'), { S0: 0, S1: 2, S4: 0x123405, S6: 2, S8: -2 });
    assert.deepEqual(decode('31000000070000ff'), { S0: 1, S5: 3, S6: 7 });
    assert.deepEqual(decode('0300000000000000'), { S0: 3, S6: 0 });
    // "Shared": SG_MUL_VAL_ ranges 2-5 and 1-1,3-3 override the mN of the SG_ lines.
    const shared = (hex: string) => codec.decode(2349006590 - 0x80000000, true, Buffer.from(hex, 'hex'))!.signals;
    assert.deepEqual(shared('04ff'), { S0: 4, S2: -1 });
    assert.deepEqual(shared('31ff'), { S0: 1, S1: 3 });
    assert.deepEqual(shared('33ff'), { S0: 3, S1: 3, S2: -1 }, 'switch value 3 selects both');
    assert.deepEqual(shared('06ff'), { S0: 6 });
    // Encoding follows the same selection.
    assert.equal(codec.encode('Extended', { S0: 0, S1: 2, S4: -1, S6: 2, S8: 3 }).data.toString('hex'), '20ffffff02030000');
    assert.throws(() => codec.encode('Extended', { S0: 1, S2: 1 }), /switch S0 is 0 but this signal needs 0|its switch S1 is itself not selected/);
  });

  test('independent multiplexers (issue_184) select their own signals', () => {
    const codec = new DbcCodec(parseDbc(readFileSync(fixturePath('issue_184_extended_mux_independent_multiplexors.dbc'))).db);
    const decode = (hex: string) => codec.decode(2, true, Buffer.from(hex, 'hex'))!.signals;
    assert.deepEqual(decode('0011020300000000'), { MUX_A: 0, muxed_A_0: 0x11, MUX_B: 2, muxed_B_2: 3 });
    assert.deepEqual(decode('01ff01fe00000000'), { MUX_A: 1, muxed_A_1: -1, MUX_B: 1, muxed_B_1: -2 });
  });
});

describe('codec on hand-made databases', () => {
  const DBC = `VERSION ""
BU_: A B
BO_ 256 Values: 8 A
 SG_ Intel12 : 0|12@1+ (0.5,-10) [0|0] "" B
 SG_ Motorola12 : 23|12@0- (1,0) [0|0] "" B
 SG_ Gear : 12|4@1+ (1,0) [0|0] "" B
 SG_ Temp : 32|8@1- (0.25,40) [0|0] "degC" B
 SG_ Wide : 40|24@1+ (1,0) [0|0] "" B
BO_ 257 Floats: 16 A
 SG_ F32 : 0|32@1- (1,0) [0|0] "" B
 SG_ F64 : 39|64@0- (2,1) [0|0] "" B
BO_ 2147483906 Big: 8 A
 SG_ U64 : 0|64@1+ (1,0) [0|0] "" B
BO_ 259 Signed64: 16 A
 SG_ S64 : 0|64@1- (1,0) [0|0] "" B
 SG_ M40 : 71|40@0- (1,0) [0|0] "" B
 SG_ Scaled : 112|16@1+ (1000000000000,5) [0|0] "" B
BO_ 260 Names: 2 A
 SG_ __proto__ : 0|4@1+ (1,0) [0|0] "" B
 SG_ constructor : 4|4@1+ (1,0) [0|0] "" B
 SG_ toString : 8|8@1+ (1,0) [0|0] "" B
BA_DEF_ SG_ "GenSigStartValue" INT 0 100;
BA_ "GenSigStartValue" SG_ 256 Gear 7;
VAL_ 256 Gear 0 "Park" 1 "Reverse" 2 "Neutral" 3 "Drive" ;
SIG_VALTYPE_ 257 F32 : 1;
SIG_VALTYPE_ 257 F64 : 2;
`;
  const codec = codecFor(DBC);

  test('Intel and Motorola bit positions, signs, factor and offset', () => {
    // Intel12: byte 0 + low nibble of byte 1; Gear: high nibble of byte 1; Motorola12: MSB at bit 23,
    // so byte 2 then the high nibble of byte 3; Temp: byte 4 signed; Wide: bytes 5..7 little endian.
    const data = Buffer.from([0x21, 0xc3, 0xab, 0xc0, 0xf6, 0x56, 0x34, 0x12]);
    assert.deepEqual(codec.decode(256, false, data)!.signals, {
      Intel12: 0x321 * 0.5 - 10,
      Motorola12: 0xabc - 0x1000,
      Gear: 0xc,
      Temp: -10 * 0.25 + 40,
      Wide: 0x123456,
    });
    assert.deepEqual(codec.encode(256, codec.decode(256, false, data)!.signals).data, data);
  });

  test('value-table labels when asked, and labels accepted by encode', () => {
    const data = codec.encode('Values', { Intel12: 0, Motorola12: 0, Gear: 'Drive', Temp: 40, Wide: 1 }).data;
    assert.equal(codec.decode(256, false, data)!.signals.Gear, 3);
    assert.equal(codec.decode(256, false, data, { labels: true })!.signals.Gear, 'Drive');
    const unlabelled = codec.encode('Values', { Gear: 9 }).data;
    assert.equal(codec.decode(256, false, unlabelled, { labels: true })!.signals.Gear, 9);
  });

  test('signals left out of encode take GenSigStartValue (raw) or 0', () => {
    const { signals } = codec.decode(256, false, codec.encode(256, {}).data)!;
    assert.deepEqual(signals, { Intel12: -10, Motorola12: 0, Gear: 7, Temp: 40, Wide: 0 });
  });

  test('IEEE float32 and float64 signals (SIG_VALTYPE_), with scaling', () => {
    const data = codec.encode('Floats', { F32: -1.5, F64: 1 + 2 * Math.PI }).data;
    assert.equal(data.readFloatLE(0), -1.5);
    // Motorola float64 from bit 39 (MSB of byte 4): big-endian in bytes 4..11, raw = (value - 1) / 2.
    assert.equal(data.readDoubleBE(4), Math.PI);
    const { signals } = codec.decode(257, false, data)!;
    assert.equal(signals.F32, -1.5);
    assert.equal(signals.F64, 2 * Math.PI + 1);
    const nan = Buffer.alloc(16);
    nan.writeFloatLE(Number.NaN, 0);
    assert.ok(Number.isNaN(codec.decode(257, false, nan)!.signals.F32));
  });

  test('64-bit signals: numbers while exact, BigInt beyond 2^53; signed; 40-bit Motorola; big integer scaling', () => {
    const small = Buffer.alloc(8);
    small.writeBigUInt64LE(12345n);
    assert.equal(codec.decode(258, true, small)!.signals.U64, 12345);
    const big = Buffer.alloc(8);
    big.writeBigUInt64LE(0xfedcba9876543210n);
    assert.equal(codec.decode(258, true, big)!.signals.U64, 0xfedcba9876543210n);
    assert.deepEqual(codec.encode('Big', { U64: 0xfedcba9876543210n }).data, big);
    assert.deepEqual(codec.encode('Big', { U64: '18364758544493064720' }).data, big, 'integer strings are exact');
    assert.equal(codec.decode(258, false, big), undefined, 'an extended id does not match a standard frame');

    const frame = Buffer.alloc(16);
    frame.writeBigInt64LE(-(2n ** 62n) - 3n, 0);
    frame.writeUIntBE(0x80_0000_0001, 8, 5); // M40: MSB at bit 71 = bit 7 of byte 8, big endian over bytes 8..12
    frame.writeUInt16LE(9100, 14);
    const { signals } = codec.decode(259, false, frame)!;
    assert.equal(signals.S64, -(2n ** 62n) - 3n);
    assert.equal(signals.M40, -(2 ** 39) + 1);
    assert.equal(signals.Scaled, 9100n * 1000000000000n + 5n, 'exact: factor 1e12 takes the result past 2^53');
    assert.deepEqual(codec.encode(259, signals).data, frame);
  });

  test('short frames decode the signals that fit; long frames ignore the extra bytes', () => {
    assert.deepEqual(Object.keys(codec.decode(256, false, Buffer.from([1, 2, 3]))!.signals), ['Intel12', 'Gear']);
    assert.deepEqual(Object.keys(codec.decode(256, false, Buffer.from([1, 2, 3, 4]))!.signals), ['Intel12', 'Motorola12', 'Gear']);
    assert.deepEqual(codec.decode(256, false, Buffer.alloc(0))!.signals, {});
    const long = Buffer.alloc(64, 0xff);
    assert.equal(codec.decode(256, false, long)!.signals.Wide, 0xffffff);
  });

  test('signal names that are not identifiers for JavaScript objects stay plain own properties', () => {
    const { signals } = codec.decode(260, false, Buffer.from([0x21, 0x05]))!;
    assert.equal(Object.getPrototypeOf(signals), Object.prototype);
    assert.deepEqual(Object.entries(signals), [
      ['__proto__', 1],
      ['constructor', 2],
      ['toString', 5],
    ]);
    const interpreted = new DbcCodec(parseDbc(DBC).db, { compile: false }).decode(260, false, Buffer.from([0x21]))!.signals;
    assert.deepEqual(Object.entries(interpreted), [
      ['__proto__', 1],
      ['constructor', 2],
    ]);
  });

  test('encode errors name the message and signal', () => {
    const expectError = (fn: () => unknown, re: RegExp) => assert.throws(fn, (err: unknown) => err instanceof DbcEncodeError && re.test(err.message));
    expectError(() => codec.encode('Nope', {}), /no message "Nope"/);
    expectError(() => codec.encode(999, {}), /no message id 999 \(0x3e7\)/);
    expectError(() => codec.encode('Values', { Speed: 1 }), /Values\.Speed: message Values has no such signal \(it has: Intel12, Motorola12, Gear, Temp, Wide\)/);
    expectError(() => codec.encode('Values', { Gear: 16 }), /Values\.Gear: raw value 16 is outside the 4-bit unsigned range 0\.\.15/);
    expectError(() => codec.encode('Values', { Motorola12: -2049 }), /signed range -2048\.\.2047/);
    expectError(() => codec.encode('Values', { Gear: 'Sport' }), /"Sport" is not a number nor one of its labels \("Park", "Reverse", "Neutral", "Drive"\)/);
    expectError(() => codec.encode('Values', { Temp: Number.NaN }), /NaN is not a finite number/);
    expectError(() => codec.encode('Values', null as never), /signals must be an object/);
  });
});

describe('codec with multiplexing on a hand-made database', () => {
  const codec = codecFor(`BU_: A
BO_ 1 Mux: 8 A
 SG_ Sel M : 0|8@1+ (1,0) [0|0] "" A
 SG_ Always : 56|8@1+ (1,0) [0|0] "" A
 SG_ OnlyOne m1 : 8|16@1+ (0.1,0) [0|0] "" A
 SG_ OnlyTwo m2 : 8|8@1- (1,0) [0|0] "" A
 SG_ Orphan m3 : 24|8@1+ (1,0) [0|0] "" A
BO_ 2 NoSwitch: 8 A
 SG_ Lost m1 : 0|8@1+ (1,0) [0|0] "" A
 SG_ Kept : 8|8@1+ (1,0) [0|0] "" A
`);

  test('only the signals the switch selects are present', () => {
    assert.deepEqual(codec.decode(1, false, Buffer.from('01d2040000000009', 'hex'))!.signals, { Sel: 1, Always: 9, OnlyOne: 123.4 });
    assert.deepEqual(codec.decode(1, false, Buffer.from('02ff000000000009', 'hex'))!.signals, { Sel: 2, Always: 9, OnlyTwo: -1 });
    assert.deepEqual(codec.decode(1, false, Buffer.from('0500000000000009', 'hex'))!.signals, { Sel: 5, Always: 9 });
    assert.deepEqual(codec.decode(1, false, Buffer.from('0300007f00000009', 'hex'))!.signals, { Sel: 3, Always: 9, Orphan: 127 });
  });

  test('an mN signal in a message without a switch is never decoded', () => {
    assert.deepEqual(codec.decode(2, false, Buffer.from('0102', 'hex'))!.signals, { Kept: 2 });
    assert.throws(() => codec.encode('NoSwitch', { Lost: 1 }), /NoSwitch\.Lost: the signal cannot be encoded \(no multiplexer switch selects it\)/);
  });

  test('encode writes the switch and the selected signals; others are refused', () => {
    assert.equal(codec.encode('Mux', { Sel: 1, OnlyOne: 123.4, Always: 9 }).data.toString('hex'), '01d2040000000009');
    assert.throws(() => codec.encode('Mux', { Sel: 1, OnlyTwo: 3 }), /Mux\.OnlyTwo: switch Sel is 1 but this signal needs 2/);
  });

  test('signals multiplexed in a loop are never decoded, with a warning', () => {
    const { db, warnings } = parseDbc(
      'BU_: A\nBO_ 5 Loop: 8 A\n SG_ Root M : 0|8@1+ (1,0) [0|0] "" A\n SG_ X m0M : 8|8@1+ (1,0) [0|0] "" A\n SG_ Y m0M : 16|8@1+ (1,0) [0|0] "" A\n' +
        ' SG_ Z m0 : 24|8@1+ (1,0) [0|0] "" A\nSG_MUL_VAL_ 5 X Y 0-0;\nSG_MUL_VAL_ 5 Y X 0-0;\nSG_MUL_VAL_ 5 Z Y 0-0;\n',
    );
    assert.match(warnings.map((w) => w.message).join('\n'), /multiplexed in a loop \(X -> Y -> X\)/);
    const loopCodec = new DbcCodec(db);
    assert.deepEqual(loopCodec.decode(5, false, Buffer.alloc(8))!.signals, { Root: 0 });
    assert.deepEqual(
      loopCodec.plan('Loop')!.skipped.map((s) => s.signal.name),
      ['X', 'Y', 'Z'],
    );
  });

  test('unknown ids decode to undefined', () => {
    assert.equal(codec.decode(3, false, Buffer.alloc(8)), undefined);
    assert.equal(codec.decode(1, true, Buffer.alloc(8)), undefined);
    assert.equal(codec.message('Mux')?.id, 1);
    assert.equal(codec.message(2)?.name, 'NoSwitch');
  });
});
