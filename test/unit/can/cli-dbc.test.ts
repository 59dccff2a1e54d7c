// `edge-gateway dbc check|decode`, run in-process with in-memory streams.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import { after, before, describe, test } from 'node:test';
import { DbcCodec } from '../../../lib/can/codec';
import { parseDbc } from '../../../lib/can/dbc';
import { UsageError } from '../../../runtime/commands/io';
import { dbcCommand } from '../../../runtime/commands/dbc';
import { randomBytes, seededRandom } from '../../helpers/can-random';

const DBC = `VERSION "cli"
BU_: ECU Tester
BO_ 496 Engine: 8 ECU
 SG_ Temperature : 0|12@0- (0.01,250) [229.52|270.47] "degK" Tester
 SG_ AverageRadius : 6|6@0+ (0.1,0) [0|5] "m" Tester
 SG_ Enable : 7|1@0+ (1,0) [0|0] "" Tester
BO_ 2147484160 Counter64: 8 ECU
 SG_ Count : 0|64@1+ (1,0) [0|0] "" Tester
BO_ 513 Fd: 16 ECU
 SG_ Mode M : 0|8@1+ (1,0) [0|0] "" Tester
 SG_ A m1 : 64|16@1- (0.5,0) [0|0] "" Tester
 SG_ F m2 : 64|32@1- (1,0) [0|0] "" Tester
VAL_ 496 Enable 1 "On" 0 "Off" ;
BA_DEF_ BO_ "GenMsgCycleTime" INT 0 10000;
BA_ "GenMsgCycleTime" BO_ 496 100;
SIG_VALTYPE_ 513 F : 1;
`;

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

async function run(argv: string[], stdinText?: string): Promise<Run> {
  const stdin = new PassThrough();
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  const out: Buffer[] = [];
  const err: Buffer[] = [];
  stdout.on('data', (b: Buffer) => out.push(b));
  stderr.on('data', (b: Buffer) => err.push(b));
  stdin.end(stdinText ?? '');
  const code = await dbcCommand(argv, { stdin, stdout, stderr });
  return { code, stdout: Buffer.concat(out).toString(), stderr: Buffer.concat(err).toString() };
}

describe('edge-gateway dbc', () => {
  let dir: string;
  let dbcFile: string;
  let codec: DbcCodec;
  before(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'edgegw-dbc-cli-'));
    dbcFile = path.join(dir, 'cli.dbc');
    writeFileSync(dbcFile, DBC);
    codec = new DbcCodec(parseDbc(DBC).db);
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  test('check prints messages, signals and warnings', async () => {
    const withWarning = path.join(dir, 'warn.dbc');
    writeFileSync(withWarning, `${DBC}CM_ BO_ 77 "no such message";\nEV_ X: 0 [0|1] "" 0 1 DUMMY_NODE_VECTOR0 Vector__XXX;\n`);
    const r = await run(['check', withWarning]);
    assert.equal(r.code, 0, r.stderr);
    const lines = r.stdout.split('\n');
    assert.equal(lines[0], `${withWarning}: 3 messages, 7 signals, 2 nodes, 2 warnings`);
    assert.ok(lines.includes('  0x1F0 Engine: 8 bytes, from ECU, every 100 ms'), r.stdout);
    assert.ok(lines.includes('  0x00000200 Counter64: 8 bytes, extended, from ECU'), r.stdout);
    assert.ok(lines.includes('  0x201 Fd: 16 bytes, CAN FD, from ECU'), r.stdout);
    assert.ok(lines.includes('    Temperature  0|12@0-  (0.01,250)  [229.52|270.47] "degK"'), r.stdout);
    assert.ok(lines.includes('    Enable  7|1@0+  (1,0)  [0|0]  {2 labels}'), r.stdout);
    assert.ok(lines.includes('    Mode  0|8@1+  (1,0)  [0|0]  [multiplexer]'), r.stdout);
    assert.ok(lines.includes('    F  64|32@1- float32  (1,0)  [0|0]  [when Mode = 2]'), r.stdout);
    assert.ok(lines.includes(`  ${withWarning}:17: CM_: no message with id 77; ignored`), r.stdout);
    assert.ok(lines.includes(`  ${withWarning}:18: EV_ (environment variables) not used: 1 statement skipped`), r.stdout);
  });

  test('check reports a syntax error as FILE:LINE:COLUMN and exits 1', async () => {
    const bad = path.join(dir, 'bad.dbc');
    writeFileSync(bad, 'VERSION ""\nBU_: A\nBO_ 1 M: 8 A\n SG_ S : 0|8@1+ (1,0) [0|0 "" A\n');
    const r = await run(['check', bad]);
    assert.equal(r.code, 1);
    assert.equal(r.stdout, '');
    assert.equal(r.stderr, `${bad}:4:28: expected "]" after the maximum of signal S near ""\n`);
  });

  test('a file that cannot be read exits 2 and says why', async () => {
    const r = await run(['check', path.join(dir, 'missing.dbc')]);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /cannot read .*missing\.dbc: file not found \(ENOENT\)/);
    const d = await run(['decode', dbcFile, path.join(dir, 'missing.log')]);
    assert.equal(d.code, 2);
    assert.match(d.stderr, /cannot read .*missing\.log: ENOENT/);
  });

  test('usage errors', async () => {
    await assert.rejects(run([]), UsageError);
    await assert.rejects(run(['frobnicate']), /unknown dbc action "frobnicate"/);
    await assert.rejects(run(['check']), /exactly one FILE\.dbc/);
    await assert.rejects(run(['decode', dbcFile, 'a', 'b']), UsageError);
    await assert.rejects(run(['decode', dbcFile, '--labels']), /unknown option --labels/);
    const help = await run(['--help']);
    assert.equal(help.code, 0);
    assert.match(help.stdout, /edge-gateway dbc decode FILE\.dbc \[LOG\]/);
  });

  test('decode turns a candump log into JSON lines; unknown frames skipped, malformed lines named', async () => {
    const engine = codec.encode('Engine', { Temperature: 251.5, AverageRadius: 3.2, Enable: 1 }).data.toString('hex').toUpperCase();
    const big = Buffer.alloc(8);
    big.writeBigUInt64LE(0xfedcba9876543210n);
    const fdA = codec.encode('Fd', { Mode: 1, A: -12.5 }).data.toString('hex').toUpperCase();
    const fdF = codec.encode('Fd', { Mode: 2, F: Number.NaN }).data.toString('hex').toUpperCase();
    const log = [
      '# recorded on the bench',
      `(1436509052.249713) can0 1F0#${engine}`,
      '(1436509052.250000) can0 7FF#0102',
      '(1436509052.250100) can0 1F0#ZZ',
      `(1436509052.250200) can0 00000200#${big.toString('hex')}`,
      '',
      `(1436509052.250300) can1 201##1${fdA}`,
      `201##0${fdF}`,
      '(1436509052.250400) can0 1F0#R',
      'garbage',
    ].join('\n');
    const logFile = path.join(dir, 'bench.log');
    writeFileSync(logFile, `${log}\n`);
    const r = await run(['decode', dbcFile, logFile]);
    assert.equal(r.code, 1, 'malformed lines make the exit code 1');
    const lines = r.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    assert.deepEqual(lines, [
      { ts: 1436509052.249713, id: 0x1f0, extended: false, message: 'Engine', signals: { Temperature: 251.5, AverageRadius: 3.2, Enable: 1 } },
      { ts: 1436509052.2502, id: 0x200, extended: true, message: 'Counter64', signals: { Count: '18364758544493064720' } },
      { ts: 1436509052.2503, id: 0x201, extended: false, message: 'Fd', signals: { Mode: 1, A: -12.5 } },
      { ts: null, id: 0x201, extended: false, message: 'Fd', signals: { Mode: 2, F: 'NaN' } },
    ]);
    const errors = r.stderr.trim().split('\n');
    assert.equal(errors.length, 3, r.stderr);
    assert.match(errors[0], new RegExp(`^${logFile.replace(/[.]/g, '\\.')}:4: candump line 4, column \\d+: `));
    assert.match(errors[1], /:10: candump line 10, column \d+: .*"garbage"/);
    assert.equal(errors[2], `edge-gateway dbc: 2 malformed lines of 10 in ${logFile} skipped`);
  });

  test('decode reads stdin (no LOG, or "-"), thousands of frames, exact counts and values', async () => {
    const random = seededRandom(99);
    const frames: string[] = [];
    const expected: string[] = [];
    for (let i = 0; i < 5000; i++) {
      const data = randomBytes(random, 8);
      const known = i % 5 !== 0;
      const id = known ? 0x1f0 : 0x123;
      frames.push(`(${(1700000000 + i / 1000).toFixed(6)}) vcan0 ${id.toString(16).toUpperCase().padStart(3, '0')}#${data.toString('hex')}`);
      if (known) expected.push(JSON.stringify(codec.decode(id, false, data)!.signals));
    }
    for (const argv of [
      ['decode', dbcFile],
      ['decode', dbcFile, '-'],
    ]) {
      const r = await run(argv, `${frames.join('\r\n')}\r\n`);
      assert.equal(r.code, 0, r.stderr);
      assert.equal(r.stderr, '');
      const lines = r.stdout
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l));
      assert.equal(lines.length, 4000);
      assert.deepEqual(
        lines.map((l) => JSON.stringify(l.signals)),
        expected,
      );
      assert.equal(lines[0].ts, 1700000000.001, 'frame 0 has an unknown id');
    }
  });
});
