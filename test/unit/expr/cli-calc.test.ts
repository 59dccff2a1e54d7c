// `edge-gateway calc eval`: in-process with in-memory streams, and once through the real
// command (dist/runtime/cli.js) for the exit code a shell sees.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { calcCommand, parseSetValue } from '../../../runtime/commands/calc';
import { UsageError } from '../../../runtime/commands/io';

async function run(argv: string[]) {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  const out: Buffer[] = [];
  const err: Buffer[] = [];
  stdout.on('data', (b: Buffer) => out.push(b));
  stderr.on('data', (b: Buffer) => err.push(b));
  const code = await calcCommand(argv, { stdin: new PassThrough(), stdout, stderr });
  return { code, stdout: Buffer.concat(out).toString(), stderr: Buffer.concat(err).toString() };
}

describe('edge-gateway calc eval', () => {
  test('prints the result as JSON and exits 0', async () => {
    const r = await run(['eval', '--set', 'voltage=230', '--set', 'current=10', '--set', 'pf=0.5', 'voltage * current * pf / 1000']);
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(JSON.parse(r.stdout), { value: 1.15, quality: 'good' });
  });

  test('device paths, booleans and units', async () => {
    let r = await run(['eval', '--set', 'meter1.on=true', '--set', 'meter1.e=2500', '--unit', 'meter1.e=Wh', 'meter1.on ? (meter1.e to kWh) : 0']);
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(JSON.parse(r.stdout), { value: 2.5, quality: 'good' });
    r = await run(['eval', '--set', 'meter1.e=2500', '--unit', 'meter1.e=Wh', 'meter1.e to kWh']);
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(JSON.parse(r.stdout), { value: 2.5, quality: 'good' });
    r = await run(['eval', '--set', 'on=true', 'on and true']);
    assert.deepEqual(JSON.parse(r.stdout), { value: true, quality: 'good' });
  });

  test('a rejected or malformed expression: the place on stderr, exit 2', async () => {
    let r = await run(['eval', 'cos.constructor("return process")']);
    assert.equal(r.code, 2);
    assert.equal(r.stdout, '');
    assert.match(r.stderr, /^edge-gateway calc: line 1, column \d+: only named functions can be called/);
    r = await run(['eval', '--set', 'x=1', 'x + evaluate(x)']);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /line 1, column 5: function evaluate is not allowed in the sandbox/);
    r = await run(['eval', 'x +* 2']);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /syntax error/);
  });

  test('a bad result prints JSON and the reason, exit 1', async () => {
    let r = await run(['eval', '--set', 'x=0', '1 / x']);
    assert.equal(r.code, 1);
    assert.deepEqual(JSON.parse(r.stdout), { value: null, quality: 'bad', error: 'result is Infinity (division by zero?)' });
    assert.match(r.stderr, /bad: result is Infinity/);
    r = await run(['eval', 'voltage * 2']);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /uncertain: missing input: voltage/);
  });

  test('--set values are parsed strictly', async () => {
    for (const bad of ['0x10', ' 21', '21 ', '', '1_000', 'Infinity', 'NaN', '+1', '.5', '01', '1e', 'TRUE']) {
      assert.equal(parseSetValue(bad), undefined, JSON.stringify(bad));
      await assert.rejects(run(['eval', '--set', `x=${bad}`, 'x']), (e: Error) => e instanceof UsageError && e.message.includes('not a decimal number'));
    }
    for (const [text, value] of [
      ['21', 21],
      ['-0.5', -0.5],
      ['2e3', 2000],
      ['0', 0],
      ['true', true],
      ['false', false],
    ] as const)
      assert.equal(parseSetValue(text), value);
  });

  test('usage errors', async () => {
    await assert.rejects(run([]), UsageError);
    await assert.rejects(run(['frobnicate']), /unknown calc action/);
    await assert.rejects(run(['eval']), /exactly one EXPRESSION/);
    await assert.rejects(run(['eval', 'a', 'b']), /exactly one EXPRESSION/);
    await assert.rejects(run(['eval', '--set', 'x', 'x']), /expected NAME=VALUE/);
    await assert.rejects(run(['eval', '--set', '1x=2', 'x']), /not a tag name/);
    await assert.rejects(run(['eval', '--bogus', 'x']), /unknown option --bogus/);
    await assert.rejects(run(['eval', '--unit', 'x=kW', 'x']), /give its value with --set/);
    const help = await run(['--help']);
    assert.equal(help.code, 0);
    assert.match(help.stdout, /edge-gateway calc eval/);
  });

  test('the real command exits 0, 1 and 2', () => {
    const cli = join(__dirname, '..', '..', '..', 'dist', 'runtime', 'cli.js');
    const ok = spawnSync(process.execPath, [cli, 'calc', 'eval', '--set', 'a=2', 'a ^ 10'], { encoding: 'utf8' });
    assert.equal(ok.status, 0, ok.stderr);
    assert.deepEqual(JSON.parse(ok.stdout), { value: 1024, quality: 'good' });
    const bad = spawnSync(process.execPath, [cli, 'calc', 'eval', '--set', 'a=0', 'a / a'], { encoding: 'utf8' });
    assert.equal(bad.status, 1);
    const rejected = spawnSync(process.execPath, [cli, 'calc', 'eval', 'import(x)'], { encoding: 'utf8' });
    assert.equal(rejected.status, 2);
    assert.match(rejected.stderr, /function import is not allowed/);
    const usage = spawnSync(process.execPath, [cli, 'calc', 'eval', '--set', 'x=0x10', 'x'], { encoding: 'utf8' });
    assert.equal(usage.status, 2);
    assert.match(usage.stderr, /--set x="0x10": not a decimal number/);
  });
});
