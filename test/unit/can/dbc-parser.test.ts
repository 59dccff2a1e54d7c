// The DBC parser on small hand-written files: every section of the format, the encodings, and
// the errors and warnings it gives for bad input.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { DbcSyntaxError, parseDbc } from '../../../lib/can/dbc';

const HEADER = 'VERSION "1.2"\n\nNS_ :\n\tNS_DESC_\n\tCM_\n\tBA_DEF_\n\tSG_MUL_VAL_\n\nBS_:\n\nBU_: ECU1 ECU2 Gateway\n';

function parse(body: string, filename = 'test.dbc') {
  return parseDbc(HEADER + body, { filename });
}

function syntaxError(text: string): DbcSyntaxError {
  try {
    parseDbc(text, { filename: 'bad.dbc' });
  } catch (err) {
    assert.ok(err instanceof DbcSyntaxError, `expected DbcSyntaxError, got ${String(err)}`);
    return err;
  }
  assert.fail('expected a DbcSyntaxError');
}

describe('DBC parser: structure', () => {
  test('VERSION, NS_, BS_ and BU_', () => {
    const { db, warnings } = parseDbc('VERSION "v7"\nNS_ :\n\tCM_\n\tBA_\nBS_: 500 : 12,34\nBU_: A B\n');
    assert.equal(db.version, 'v7');
    assert.deepEqual(db.newSymbols, ['CM_', 'BA_']);
    assert.deepEqual(db.busTiming, { baudrate: 500, btr1: 12, btr2: 34 });
    assert.deepEqual(
      db.nodes.map((n) => n.name),
      ['A', 'B'],
    );
    assert.deepEqual(warnings, []);
  });

  test('BU_ with one node a line', () => {
    const { db, warnings } = parseDbc('BU_:\n\tNEO\n\tMCU, GTW\nBO_ 1 M: 8 NEO\n');
    assert.deepEqual(
      db.nodes.map((n) => n.name),
      ['NEO', 'MCU', 'GTW'],
    );
    assert.deepEqual(warnings, []);
  });

  test('BO_ with standard and extended ids, senders and BO_TX_BU_', () => {
    const { db } = parse(
      'BO_ 291 Std: 8 ECU1\n SG_ A : 0|8@1+ (1,0) [0|255] "" ECU2\n\n' + 'BO_ 2566844926 Ext: 8 Vector__XXX\n SG_ B : 0|8@1+ (1,0) [0|255] "" Vector__XXX\n\n' + 'BO_TX_BU_ 291 : ECU2,Gateway;\n',
    );
    const [std, ext] = db.messages;
    assert.deepEqual([std.id, std.extended, std.name, std.length], [291, false, 'Std', 8]);
    assert.deepEqual(std.senders, ['ECU1', 'ECU2', 'Gateway']);
    assert.deepEqual([ext.id, ext.extended], [2566844926 - 0x80000000, true]);
    assert.deepEqual(ext.senders, []);
    assert.deepEqual(ext.signals[0].receivers, []);
  });

  test('SG_ fields: start bit, length, byte order, sign, factor, offset, range, unit, receivers', () => {
    const { db } = parse('BO_ 1 M: 8 ECU1\n SG_ Speed : 7|16@0- (0.01,-40.5) [-40.5|615.85] "km/h" ECU2,Gateway\n SG_ Flag : 16|1@1+ (1,0) [0|1] "" ECU2\n');
    const [speed, flag] = db.messages[0].signals;
    assert.deepEqual(
      { ...speed, attributes: undefined },
      {
        name: 'Speed',
        startBit: 7,
        length: 16,
        byteOrder: 'big_endian',
        signed: true,
        valueType: 'integer',
        factor: 0.01,
        offset: -40.5,
        min: -40.5,
        max: 615.85,
        unit: 'km/h',
        receivers: ['ECU2', 'Gateway'],
        multiplexer: false,
        attributes: undefined,
        line: 13,
      },
    );
    assert.equal(flag.byteOrder, 'little_endian');
    assert.equal(flag.signed, false);
  });

  test('CAN FD: lengths up to 64 bytes, VFrameFormat (ENUM and INT), GenMsgCycleTime', () => {
    const { db, warnings } = parse(
      'BO_ 1 Fd: 64 ECU1\n SG_ Last : 504|8@1+ (1,0) [0|0] "" ECU2\n\nBO_ 2 Classic: 8 ECU1\n\nBO_ 3 FdShort: 8 ECU1\n\n' +
        'BA_DEF_ BO_ "VFrameFormat" ENUM "StandardCAN","ExtendedCAN","reserved","J1939PG","reserved","reserved","reserved","reserved","reserved","reserved","reserved","reserved","reserved","reserved","StandardCAN_FD","ExtendedCAN_FD";\n' +
        'BA_DEF_ BO_ "GenMsgCycleTime" INT 0 10000;\n' +
        'BA_DEF_DEF_ "VFrameFormat" "StandardCAN";\nBA_DEF_DEF_ "GenMsgCycleTime" 0;\n' +
        'BA_ "VFrameFormat" BO_ 1 14;\nBA_ "VFrameFormat" BO_ 3 14;\nBA_ "GenMsgCycleTime" BO_ 2 100;\n',
    );
    assert.deepEqual(warnings, []);
    const [fd, classic, fdShort] = db.messages;
    assert.equal(fd.length, 64);
    assert.equal(fd.fd, true);
    assert.equal(fd.attributes.VFrameFormat, 'StandardCAN_FD');
    assert.equal(classic.fd, false);
    assert.equal(classic.cycleTime, 100);
    assert.equal(fd.cycleTime, undefined, 'GenMsgCycleTime 0 means not cyclic');
    assert.equal(fdShort.fd, true);

    const intFormat = parse('BO_ 5 A: 8 ECU1\n\nBA_DEF_ BO_ "VFrameFormat" INT 0 15;\nBA_DEF_DEF_ "VFrameFormat" 0;\nBA_ "VFrameFormat" BO_ 5 15;\n');
    assert.equal(intFormat.db.messages[0].fd, true);
  });

  test('multiplexing: M and mN', () => {
    const { db } = parse(
      'BO_ 1 M: 8 ECU1\n SG_ Sw M : 0|8@1+ (1,0) [0|0] "" ECU2\n SG_ A m0 : 8|8@1+ (1,0) [0|0] "" ECU2\n SG_ B m1 : 8|16@1+ (1,0) [0|0] "" ECU2\n SG_ C : 56|8@1+ (1,0) [0|0] "" ECU2\n',
    );
    const [sw, a, b, c] = db.messages[0].signals;
    assert.equal(sw.multiplexer, true);
    assert.equal(sw.multiplexerSignal, undefined);
    assert.deepEqual([a.multiplexerSignal, a.multiplexerValues], ['Sw', [0]]);
    assert.deepEqual([b.multiplexerSignal, b.multiplexerValues], ['Sw', [1]]);
    assert.equal(c.multiplexerValues, undefined);
  });

  test('extended multiplexing: mNM and SG_MUL_VAL_ ranges (which override mN)', () => {
    const { db, warnings } = parse(
      'BO_ 2 M: 8 ECU1\n SG_ S0 M : 0|4@1+ (1,0) [0|0] "" ECU2\n SG_ S1 m0M : 4|4@1+ (1,0) [0|0] "" ECU2\n' +
        ' SG_ S2 m0 : 8|8@1+ (1,0) [0|0] "" ECU2\n SG_ S3 m2 : 8|8@1+ (1,0) [0|0] "" ECU2\n\n' +
        'SG_MUL_VAL_ 2 S1 S0 0-0;\nSG_MUL_VAL_ 2 S2 S1 0-0, 3-5;\nSG_MUL_VAL_ 2 S3 S1 2-2;\n',
    );
    assert.deepEqual(warnings, []);
    const [s0, s1, s2, s3] = db.messages[0].signals;
    assert.equal(s0.multiplexer, true);
    assert.deepEqual([s1.multiplexer, s1.multiplexerSignal, s1.multiplexerValues], [true, 'S0', [0]]);
    assert.deepEqual(
      [s2.multiplexerSignal, s2.multiplexerValues, s2.multiplexerRanges],
      [
        'S1',
        [0, 3, 4, 5],
        [
          [0, 0],
          [3, 5],
        ],
      ],
    );
    assert.deepEqual([s3.multiplexerSignal, s3.multiplexerValues], ['S1', [2]]);
  });

  test('VAL_, VAL_TABLE_, SIG_VALTYPE_ and CM_', () => {
    const { db, warnings } = parse(
      'VAL_TABLE_ OnOff 1 "On" 0 "Off" ;\n\nBO_ 1 M: 8 ECU1\n SG_ Mode : 0|8@1+ (1,0) [0|0] "" ECU2\n SG_ F : 8|32@1- (1,0) [0|0] "" ECU2\n\nBO_ 2 N: 8 ECU1\n SG_ D : 0|64@1- (1,0) [0|0] "" ECU2\n\n' +
        'CM_ "the bus";\nCM_ BU_ ECU1 "engine \\"ECU\\"";\nCM_ BO_ 1 "a message\nover two lines";\nCM_ SG_ 1 Mode "the mode";\n' +
        'VAL_ 1 Mode 2 "Sport" 1 "Eco" 0 "Off" ;\nSIG_VALTYPE_ 1 F : 1;\nSIG_VALTYPE_ 2 D : 2;\n',
    );
    assert.deepEqual(warnings, []);
    assert.deepEqual(
      [...db.valueTables.get('OnOff')!],
      [
        [1, 'On'],
        [0, 'Off'],
      ],
    );
    const [mode, f] = db.messages[0].signals;
    assert.deepEqual(
      [...mode.valueTable!],
      [
        [2, 'Sport'],
        [1, 'Eco'],
        [0, 'Off'],
      ],
    );
    assert.equal(mode.comment, 'the mode');
    assert.equal(f.valueType, 'float32');
    assert.equal(db.messages[1].signals[0].valueType, 'float64');
    assert.equal(db.messages[0].comment, 'a message\nover two lines');
    assert.equal(db.nodes[0].comment, 'engine "ECU"');
    assert.equal(db.comment, 'the bus');
  });

  test('BA_DEF_, BA_DEF_DEF_ and BA_: defaults, ENUM labels, every object kind', () => {
    const { db, warnings } = parse(
      'BO_ 1 M: 8 ECU1\n SG_ S : 0|8@1+ (1,0) [0|0] "" ECU2\n\n' +
        'BA_DEF_ "DBName" STRING ;\nBA_DEF_ BU_ "NodeAddr" HEX 0 255;\nBA_DEF_ BO_ "GenMsgSendType" ENUM "Cyclic","OnEvent";\n' +
        'BA_DEF_ SG_ "GenSigStartValue" FLOAT 0 1e11;\nBA_DEF_ BO_ "Prio" INT 0 7;\n' +
        'BA_DEF_DEF_ "DBName" "";\nBA_DEF_DEF_ "NodeAddr" 254;\nBA_DEF_DEF_ "GenMsgSendType" "Cyclic";\nBA_DEF_DEF_ "GenSigStartValue" 0;\nBA_DEF_DEF_ "Prio" 3;\n' +
        'BA_ "DBName" "powertrain";\nBA_ "NodeAddr" BU_ ECU2 16;\nBA_ "GenMsgSendType" BO_ 1 1;\nBA_ "GenSigStartValue" SG_ 1 S 12.5;\n',
    );
    assert.deepEqual(warnings, []);
    assert.equal(db.attributes.DBName, 'powertrain');
    assert.equal(db.nodes[0].attributes.NodeAddr, 254);
    assert.equal(db.nodes[1].attributes.NodeAddr, 16);
    assert.deepEqual(db.messages[0].attributes, { GenMsgSendType: 'OnEvent', Prio: 3 });
    assert.equal(db.messages[0].signals[0].attributes.GenSigStartValue, 12.5);
    const def = db.attributeDefinitions.find((d) => d.name === 'GenMsgSendType')!;
    assert.deepEqual(def, { name: 'GenMsgSendType', objectType: 'message', type: 'ENUM', enumValues: ['Cyclic', 'OnEvent'], default: 'Cyclic' });
  });

  test('SIG_GROUP_', () => {
    const { db } = parse('BO_ 1 M: 8 ECU1\n SG_ A : 0|8@1+ (1,0) [0|0] "" ECU2\n SG_ B : 8|8@1+ (1,0) [0|0] "" ECU2\n\nSIG_GROUP_ 1 Both 1 : A B;\n');
    assert.deepEqual(db.signalGroups, [{ messageId: 1, extended: false, name: 'Both', repetitions: 1, signals: ['A', 'B'] }]);
  });

  test('long names (SystemSignalLongSymbol and friends) replace the short ones everywhere', () => {
    const { db } = parse(
      'BO_ 1 ShortMsg: 8 ECU1\n SG_ Sw M : 0|8@1+ (1,0) [0|0] "" ECU2\n SG_ Short m1 : 8|8@1+ (1,0) [0|0] "" ECU2\n\n' +
        'BA_DEF_ SG_ "SystemSignalLongSymbol" STRING ;\nBA_DEF_ BO_ "SystemMessageLongSymbol" STRING ;\nBA_DEF_ BU_ "SystemNodeLongSymbol" STRING ;\n' +
        'BA_DEF_DEF_ "SystemSignalLongSymbol" "";\n' +
        'BA_ "SystemSignalLongSymbol" SG_ 1 Sw "TheSwitchWithAVeryLongNameIndeed";\nBA_ "SystemSignalLongSymbol" SG_ 1 Short "TheSignalWithAVeryLongNameIndeed";\n' +
        'BA_ "SystemMessageLongSymbol" BO_ 1 "TheMessageWithAVeryLongNameIndeed";\nBA_ "SystemNodeLongSymbol" BU_ ECU2 "TheReceiverWithAVeryLongName";\n',
    );
    const m = db.messages[0];
    assert.equal(m.name, 'TheMessageWithAVeryLongNameIndeed');
    assert.deepEqual(
      m.signals.map((s) => s.name),
      ['TheSwitchWithAVeryLongNameIndeed', 'TheSignalWithAVeryLongNameIndeed'],
    );
    assert.equal(m.signals[1].multiplexerSignal, 'TheSwitchWithAVeryLongNameIndeed');
    assert.deepEqual(m.signals[1].receivers, ['TheReceiverWithAVeryLongName']);
    assert.equal(db.nodes[1].name, 'TheReceiverWithAVeryLongName');
  });

  test('// comments and CRLF line ends', () => {
    const { db } = parseDbc('// a comment\r\nVERSION "x" // more\r\nBU_: A\r\nBO_ 1 M: 1 A\r\n SG_ S : 0|8@1+ (1,0) [0|0] "" A\r\n');
    assert.equal(db.messages[0].signals[0].name, 'S');
    assert.equal(db.version, 'x');
  });
});

describe('DBC parser: encodings', () => {
  const body = 'BU_: N\nBO_ 1 M: 8 N\n SG_ T : 0|8@1+ (1,0) [0|0] "°C" N\nCM_ SG_ 1 T "Température – “x” €";\n';

  test('UTF-8 bytes are read as UTF-8 (BOM dropped)', () => {
    const { db, warnings } = parseDbc(Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(body, 'utf8')]));
    assert.equal(db.messages[0].signals[0].unit, '°C');
    assert.equal(db.messages[0].signals[0].comment, 'Température – “x” €');
    assert.deepEqual(warnings, []);
  });

  test('cp1252 bytes are decoded with the cp1252 table, with a warning', () => {
    // Encode by hand: ° é are Latin-1; – “ ” € come from cp1252's 0x80..0x9F block.
    const cp1252: Record<string, number> = { '°': 0xb0, é: 0xe9, '–': 0x96, '“': 0x93, '”': 0x94, '€': 0x80 };
    const bytes = Buffer.from([...body].map((ch) => cp1252[ch] ?? ch.charCodeAt(0)));
    const { db, warnings } = parseDbc(bytes);
    assert.equal(db.messages[0].signals[0].unit, '°C');
    assert.equal(db.messages[0].signals[0].comment, 'Température – “x” €');
    assert.equal(warnings.length, 1);
    assert.match(warnings[0].message, /cp1252/);
  });

  test('every cp1252 byte maps to the code point Windows gives it', () => {
    const all = Buffer.from(Array.from({ length: 256 }, (_, i) => i).filter((b) => b !== 0x22 && b !== 0x5c && b !== 0x0a && b !== 0x0d && b !== 0));
    const { db } = parseDbc(Buffer.concat([Buffer.from('CM_ "'), all, Buffer.from('";')]));
    const text = db.comment!;
    const expect = (byte: number, cp: number) => assert.equal(text.codePointAt(all.indexOf(byte)), cp, `byte 0x${byte.toString(16)}`);
    expect(0x41, 0x41);
    expect(0x80, 0x20ac);
    expect(0x8a, 0x0160);
    expect(0x9f, 0x0178);
    expect(0x81, 0x81);
    expect(0xa0, 0xa0);
    expect(0xff, 0xff);
  });
});

describe('DBC parser: errors and warnings', () => {
  test('a syntax error names file, line, column and the offending text', () => {
    const err = syntaxError('VERSION ""\nBU_: A\nBO_ 12 Msg: 8 A\n SG_ Sig : 0|8@2+ (1,0) [0|0] "" A\n');
    assert.equal(err.line, 4);
    assert.equal(err.column, 16);
    assert.equal(err.text, '2');
    assert.equal(err.file, 'bad.dbc');
    assert.match(err.message, /^bad\.dbc:4:16: expected byte order 0 \(Motorola\) or 1 \(Intel\) after "@" in signal Sig near "2"$/);
  });

  test('more syntax errors, each with its place', () => {
    const cases: Array<[string, number, number, RegExp]> = [
      ['BO_ x M: 8 A\n', 1, 5, /message id in BO_ \(a number\)/],
      ['BO_ 1 M 8 A\n', 1, 9, /expected ":" after the message name M/],
      ['BO_ 1 M: 8 A\n SG_ S : 0|8@1+ (1,0 [0|0] "" A\n', 2, 22, /expected "\)" after the offset of signal S/],
      ['BO_ 1 M: 8 A\n SG_ S : 0|8@1+ (1,0) [0|0] A\n', 2, 29, /expected the unit of signal S \(a quoted string\)/],
      ['BO_ 1 M: 8 A\n SG_ S x : 0|8@1+ (1,0) [0|0] "" A\n', 2, 8, /multiplexer indicator/],
      ['CM_ SG_ 1 "text";\n', 1, 11, /expected a signal name/],
      ['CM_ "unterminated;\nBU_: A\n', 1, 5, /unterminated string/],
      ['BA_DEF_ BO_ "X" COLOUR 1 2;\n', 1, 17, /type of attribute X/],
      ['VAL_ 1 S 1 "a" 2 ;\n', 1, 18, /label of value 2 in VAL_/],
      ['SG_MUL_VAL_ 1 A B 5-2;\n', 1, 21, /reversed/],
      ['BU_: A\n$\n', 2, 1, /unexpected character "\$"/],
      ['BU_: A\n42 BO_\n', 2, 1, /expected a keyword/],
      ['BO_ 1 M: 8 A\n SG_ S : 0|8@1+ (1,0) [0|0] "" A\nCM_ BO_ 1 "x" BA_ "y";\n', 3, 15, /expected ";" at the end of CM_/],
    ];
    for (const [text, line, column, message] of cases) {
      const err = syntaxError(text);
      assert.deepEqual([err.line, err.column], [line, column], `${JSON.stringify(text)}: ${err.message}`);
      assert.match(err.message, message);
    }
  });

  test('unknown and unused sections are skipped with warnings; parsing goes on', () => {
    const { db, warnings } = parse(
      'EV_ Env1: 0 [0|1] "" 0 1 DUMMY_NODE_VECTOR0 Vector__XXX;\nEV_ Env2: 0 [0|1] "" 0 2 DUMMY_NODE_VECTOR0 Vector__XXX;\n' +
        'FOO_ some thing 1 2 3;\nBAR_ no semicolon here\nBO_ 1 M: 8 ECU1\n SG_ S : 0|8@1+ (1,0) [0|0] "" ECU2\n' +
        'BA_DEF_REL_ BU_SG_REL_ "X" INT 0 1;\n',
    );
    assert.equal(db.messages[0].signals[0].name, 'S');
    const texts = warnings.map((w) => `${w.line}: ${w.message}`);
    assert.ok(texts.includes('12: EV_ (environment variables) not used: 2 statements skipped'), texts.join('\n'));
    assert.ok(texts.includes('14: unknown section "FOO_" skipped'), texts.join('\n'));
    assert.ok(texts.includes('15: unknown section "BAR_" skipped'), texts.join('\n'));
    assert.ok(
      texts.some((t) => t.startsWith('18: BA_DEF_REL_')),
      texts.join('\n'),
    );
  });

  test('references to unknown objects and odd definitions are warnings', () => {
    const { warnings } = parse(
      'BO_ 1 M: 2 ECU1\n SG_ S : 12|8@1+ (1,0) [0|0] "" ECU2\n SG_ S : 0|8@1+ (1,0) [0|0] "" ECU2\n SG_ Z : 0|0@1+ (1,0) [0|0] "" ECU2\n SG_ F : 0|8@1+ (1,0) [0|0] "" ECU2\n' +
        'CM_ BO_ 9 "nobody";\nVAL_ 1 Nope 1 "x" ;\nSIG_VALTYPE_ 1 F : 1;\nBA_ "Undefined" BO_ 1 3;\nSG_MUL_VAL_ 1 S Missing 1-1;\n',
    );
    const texts = warnings.map((w) => w.message).join('\n');
    assert.match(texts, /signal "S" of message M needs 3 bytes but the message is 2 bytes long/);
    assert.match(texts, /message M has two signals named "S"/);
    assert.match(texts, /signal "Z" of message M is 0 bits long/);
    assert.match(texts, /CM_: no message with id 9/);
    assert.match(texts, /VAL_: message M has no signal "Nope"/);
    assert.match(texts, /SIG_VALTYPE_ 1 of signal "F" needs a 32-bit signal/);
    assert.match(texts, /attribute "Undefined" has no BA_DEF_/);
    assert.match(texts, /switch "Missing" of signal "S" is not a signal of message M/);
  });

  test('a missing ";" before the next statement is tolerated with a warning', () => {
    const { db, warnings } = parse('BO_ 1 M: 8 ECU1\n SG_ S : 0|8@1+ (1,0) [0|0] "" ECU2\nCM_ SG_ 1 S "no semicolon"\nVAL_ 1 S 1 "One" ;\n');
    assert.equal(db.messages[0].signals[0].comment, 'no semicolon');
    assert.equal(db.messages[0].signals[0].valueTable?.get(1), 'One');
    assert.match(warnings[0].message, /missing ";" at the end of CM_/);
  });

  test('an empty file and a file of only sections we skip are valid', () => {
    assert.equal(parseDbc('').db.messages.length, 0);
    assert.equal(parseDbc(Buffer.alloc(0)).db.messages.length, 0);
    assert.equal(parseDbc('NS_DESC_ ;\nCAT_DEF_ 1 x 1;\n').warnings.length, 2);
  });
});

describe('DBC parser: names that are also JavaScript property names', () => {
  test('toString, constructor and __proto__ are plain names', () => {
    const { db, warnings } = parseDbc(
      'BU_: constructor\nBO_ 1 toString: 8 constructor\n SG_ __proto__ : 0|8@1+ (1,0) [0|0] "" constructor\n' + 'BA_DEF_ BO_ "__proto__" INT 0 9;\nBA_ "__proto__" BO_ 1 4;\ntoString 1 2;\n',
    );
    assert.equal(db.messages[0].name, 'toString');
    assert.equal(db.messages[0].signals[0].name, '__proto__');
    assert.equal(Object.getPrototypeOf(db.messages[0].attributes), Object.prototype);
    assert.deepEqual(Object.entries(db.messages[0].attributes), [['__proto__', 4]]);
    assert.deepEqual(
      warnings.map((w) => w.message),
      ['unknown section "toString" skipped'],
    );
    const err = syntaxError('BA_DEF_ toString "x" INT 0 1;\n');
    assert.match(err.message, /expected BU_, BO_, SG_, EV_ or the attribute name in BA_DEF_ near "toString"/);
  });
});
