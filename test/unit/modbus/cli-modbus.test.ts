// `edge-gateway modbus read|write` against pymodbus: in-process through modbusCommand, and one
// spawned run of the built CLI.
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { jsonWithBigints, modbusCommand, parseModbusArgs, valueFromText } from '../../../runtime/commands/modbus';
import { freePort } from '../../helpers/process';
import { needPeers, PEER } from '../../helpers/peers';
import { ptyPair, type PtyPair } from '../../helpers/socat';
import { startTypedPeer, type TypedPeer } from '../../helpers/modbus-typed-peer';

const ROOT = join(__dirname, '..', '..', '..');

async function run(argv: string[]): Promise<{ code: number; out: string; err: string }> {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  let out = '';
  let err = '';
  stdout.on('data', (d) => (out += d));
  stderr.on('data', (d) => (err += d));
  const code = await modbusCommand(argv, { stdin: new PassThrough(), stdout, stderr });
  return { code, out, err };
}

const TABLE = `name,area,address,type,order,scale,offset,unit,access,group
voltage,input,0,float32,,,,V,r,fast
energy,input,2,uint64,CDAB,,,Wh,r,slow
temp,holding,0,int16,,0.1,,°C,rw,
mode,holding,1,uint16,,,,,rw,
label,holding,2,string:4,,,,,rw,
pump,coil,0,bool,,,,,rw,
hole,holding,10,uint16,,,,,r,
`;

describe('modbus CLI: arguments', () => {
  test('usage errors are named', async () => {
    assert.throws(() => parseModbusArgs(['read', '--unit', '1', '--tags', 'x.csv']), /give a connection/);
    assert.throws(() => parseModbusArgs(['read', '--tcp', 'nohost', '--unit', '1', '--tags', 'x']), /--tcp needs HOST:PORT/);
    assert.throws(() => parseModbusArgs(['read', '--tcp', 'h:1', '--rtu', '/dev/x', '--unit', '1', '--tags', 'x']), /give one connection, not --tcp and --rtu/);
    assert.throws(() => parseModbusArgs(['read', '--tcp', 'h:1', '--unit', '300', '--tags', 'x']), /--unit must be 0\.\.255/);
    assert.throws(() => parseModbusArgs(['read', '--rtu', '/dev/x', '--parity', 'mark', '--unit', '1', '--tags', 'x']), /--parity must be none, even or odd/);
    assert.throws(() => parseModbusArgs(['write', '--tcp', 'h:1', '--unit', '1', '--tags', 'x']), /at least one --set/);
    assert.throws(() => parseModbusArgs(['frob']), /unknown modbus action "frob"/);
    const o = parseModbusArgs(['write', '--rtu', '/dev/ttyUSB0', '--baud', '19200', '--parity', 'even', '--stop', '2', '--unit', '3', '--tags', 't.csv', '--set', 'a=1', '--set=b=x=y']);
    assert.deepEqual(o.transport, { kind: 'rtu', path: '/dev/ttyUSB0', baudRate: 19200, parity: 'even', dataBits: 8, stopBits: 2 });
    assert.deepEqual(o.sets, [
      ['a', '1'],
      ['b', 'x=y'],
    ]);
    const r = await run(['read', '--tcp', '127.0.0.1:1', '--unit', '1', '--tags', '/nonexistent.csv']);
    assert.equal(r.code, 2);
    assert.match(r.err, /cannot read tag table \/nonexistent\.csv/);
  });

  test('values from --set take the tag type; bigints print exactly', () => {
    const t = (type: string) => ({ name: 'x', area: 'holding' as const, address: 0, type: type as 'uint16', order: 'ABCD' as const, scale: 1, offset: 0, access: 'rw' as const });
    assert.equal(valueFromText(t('bool'), 'on'), true);
    assert.equal(valueFromText(t('bit:3'), '0'), false);
    assert.equal(valueFromText(t('uint64'), '18446744073709551615'), 18446744073709551615n);
    assert.equal(valueFromText(t('float32'), '1e3'), 1000);
    assert.equal(valueFromText(t('string:2'), ' ab'), ' ab');
    assert.equal(valueFromText(t('uint16'), 'abc'), 'abc', 'left to the writer, which names the tag');
    assert.equal(jsonWithBigints({ a: 2n ** 64n - 1n, b: 1.5, c: null }), '{\n  "a": 18446744073709551615,\n  "b": 1.5,\n  "c": null\n}');
  });
});

describe('modbus CLI against pymodbus', needPeers(PEER.pymodbus()), () => {
  let peer: TypedPeer;
  let dir: string;
  let csv: string;
  let conn: string[];
  before(async () => {
    peer = await startTypedPeer({ transport: 'tcp', units: { 4: { holding: [[0, 6]], input: 100, coil: 10 } } });
    dir = mkdtempSync(join(tmpdir(), 'edgegw-cli-'));
    csv = join(dir, 'tags.csv');
    writeFileSync(csv, TABLE);
    conn = ['--tcp', `127.0.0.1:${peer.port}`, '--unit', '4', '--tags', csv];
    await peer.encode(4, 'input', 0, 'float32', 'ABCD', 230.5);
    await peer.encode(4, 'input', 2, 'uint64', 'CDAB', '12345678901234567890');
    await peer.set(4, 'holding', 0, [215, 3]);
    await peer.encode(4, 'holding', 2, 'string:4', 'ABCD', 'PUMP');
    await peer.set(4, 'coil', 0, [true]);
  });
  after(async () => {
    await peer?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  test('read prints scaled values; a failing tag is null, named on stderr, and the exit code is 1', async () => {
    const r = await run(['read', ...conn, '--max-gap', '20']);
    assert.equal(r.code, 1);
    assert.equal(r.out, '{\n  "voltage": 230.5,\n  "energy": 12345678901234567890,\n  "temp": 21.5,\n  "mode": 3,\n  "label": "PUMP",\n  "pump": true,\n  "hole": null\n}\n');
    assert.match(r.err, /^edge-gateway modbus: tag 'hole': Modbus exception 2 \(illegal data address\) for unit 4 holding 10\.\.10\n$/);
  });

  test('read of selected tags succeeds with exit code 0', async () => {
    const r = await run(['read', ...conn, '--tag', 'temp', '--tag', 'label']);
    assert.equal(r.code, 0, r.err);
    assert.deepEqual(JSON.parse(r.out), { temp: 21.5, label: 'PUMP' });
  });

  test('write validates, writes, reports the old values and appends the audit', async () => {
    const audit = join(dir, 'audit.jsonl');
    const bad = await run(['write', ...conn, '--set', 'temp=5000', '--set', 'voltage=1']);
    assert.equal(bad.code, 2);
    assert.match(bad.err, /nothing written, 2 problems: tag 'temp': value 5000 out of range for int16 .*; tag 'voltage': read-only/);
    assert.deepEqual(await peer.get(4, 'holding', 0, 2), [215, 3]);

    const ok = await run(['write', ...conn, '--set', 'temp=-7.5', '--set', 'mode=9', '--set', 'label=AB', '--set', 'pump=off', '--audit', audit]);
    assert.equal(ok.code, 0, ok.err);
    assert.deepEqual(JSON.parse(ok.out), { written: { temp: -7.5, mode: 9, label: 'AB', pump: false }, old: { temp: 21.5, mode: 3, label: 'PUMP', pump: true } });
    assert.deepEqual(await peer.get(4, 'holding', 0, 2), [0xffb5, 9]);
    assert.equal((await peer.decode(4, 'holding', 2, 'string:4', 'ABCD')).value, 'AB');
    assert.deepEqual(await peer.get(4, 'coil', 0, 1), [false]);
    const records = readFileSync(audit, 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    assert.equal(records.length, 4);
    assert.ok(records.every((x) => x.ok && x.actor.startsWith('cli:') && x.device === 'unit4'));
    assert.deepEqual(
      records.find((x) => x.tag === 'temp'),
      { ...records.find((x) => x.tag === 'temp'), old: 21.5, new: -7.5 },
    );
  });

  test('numbers are parsed strictly (0x10, " 21" refused) and reserved tag names are refused', async () => {
    const hex = await run(['write', ...conn, '--set', 'mode=0x10']);
    assert.equal(hex.code, 2);
    assert.match(hex.err, /tag 'mode': "0x10" is not a decimal number \(hex, octal and binary are not accepted\)/);
    const spaced = await run(['write', ...conn, '--set', 'temp= 21']);
    assert.equal(spaced.code, 2);
    assert.match(spaced.err, /tag 'temp': " 21" is not a decimal number \(spaces around it\)/);
    const proto = await run(['write', ...conn, '--set', '__proto__=5']);
    assert.equal(proto.code, 2);
    assert.match(proto.err, /tag '__proto__': unknown tag/);
    assert.deepEqual(await peer.get(4, 'holding', 0, 2), [0xffb5, 9], 'nothing written');
    const reserved = join(dir, 'reserved.csv');
    writeFileSync(reserved, TABLE + '__proto__,holding,5,uint16,,,,,rw,\n');
    const r = await run(['read', '--tcp', `127.0.0.1:${peer.port}`, '--unit', '4', '--tags', reserved]);
    assert.equal(r.code, 2);
    assert.match(r.err, /line 9, tag '__proto__', field 'name': '__proto__' is reserved/);
    assert.equal(r.out, '');
  });

  test('no server: exit code 1 and the address named', async () => {
    const port = await freePort();
    const r = await run(['read', '--tcp', `127.0.0.1:${port}`, '--unit', '1', '--tags', csv]);
    assert.equal(r.code, 1);
    assert.match(r.err, new RegExp(`cannot connect to 127\\.0\\.0\\.1:${port}: .*ECONNREFUSED`));
  });

  test('silent unit: exit code 1 naming the tags and the block', async () => {
    const r = await run(['read', '--tcp', `127.0.0.1:${peer.port}`, '--unit', '9', '--tags', csv, '--tag', 'voltage', '--timeout', '300']);
    assert.equal(r.code, 1);
    assert.match(r.err, /tag 'voltage': no response within 300 ms for unit 9 input 0\.\.1/);
  });

  test('templates: list, and one as CSV in Modicon notation', async () => {
    const list = await run(['templates']);
    assert.equal(list.code, 0);
    assert.match(list.out, /eastron-sdm630\tEastron SDM630/);
    const one = await run(['templates', 'eastron-sdm120', '--notation', 'modicon']);
    assert.match(one.out, /\nvoltage,input,30001,float32,ABCD,1,0,V,r,fast,Line to neutral volts\n/);
  });

  const built = join(ROOT, 'dist', 'runtime', 'cli.js');
  const haveBuild = existsSync(built) && existsSync(join(ROOT, 'dist', 'runtime', 'commands', 'modbus.js'));
  test('spawned: node dist/runtime/cli.js modbus read', haveBuild ? {} : { skip: 'dist/runtime/cli.js (with commands/modbus.js) not built: npm run build' }, async () => {
    const child = spawn(process.execPath, [built, 'modbus', 'read', ...conn, '--tag', 'voltage', '--tag', 'energy'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (err += d));
    const code = await new Promise<number | null>((r) => child.on('exit', r));
    assert.equal(code, 0, err);
    assert.equal(out, '{\n  "voltage": 230.5,\n  "energy": 12345678901234567890\n}\n');
  });
});

describe('modbus CLI over RTU on a pty', needPeers(PEER.pymodbus(), PEER.socat()), () => {
  let pty: PtyPair;
  let peer: TypedPeer;
  before(async () => {
    pty = await ptyPair();
    peer = await startTypedPeer({ transport: 'rtu', path: pty.b, baud: 19200, units: { 5: { holding: 50 } } });
  });
  after(async () => {
    await peer?.stop();
    await pty?.stop();
  });
  test('read --rtu', async () => {
    await peer.encode(5, 'holding', 4, 'int32', 'DCBA', -123456);
    const dir = mkdtempSync(join(tmpdir(), 'edgegw-cli-'));
    try {
      writeFileSync(join(dir, 't.csv'), 'name,area,address,type,order\nx,holding,5,int32,DCBA\n');
      const r = await run(['read', '--rtu', pty.a, '--baud', '19200', '--parity', 'none', '--stop', '1', '--unit', '5', '--tags', join(dir, 't.csv'), '--notation', 'one']);
      assert.equal(r.code, 0, r.err);
      assert.deepEqual(JSON.parse(r.out), { x: -123456 });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
