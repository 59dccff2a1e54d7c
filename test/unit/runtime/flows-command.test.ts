// `edge-gateway flows migrate`: a flows file saved before the type prefix, checked, written
// elsewhere and rewritten in place; a file that is not a flows array is refused by name.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { flowsCommand } from '../../../runtime/commands/flows';
import { UsageError } from '../../../runtime/commands/io';

const ROOT = join(__dirname, '..', '..', '..');
const OLD = join(ROOT, 'test', 'fixtures', 'flows-before-prefix', 'watchdog.json');
const CURRENT = join(ROOT, 'examples', 'watchdog.json');
const json = (file: string) => JSON.parse(readFileSync(file, 'utf8')) as unknown;

async function run(argv: string[]): Promise<{ code: number; out: string }> {
  const stdout = new PassThrough();
  let out = '';
  stdout.on('data', (d: Buffer) => (out += d.toString()));
  const code = await flowsCommand(argv, { stdin: new PassThrough(), stdout, stderr: new PassThrough() });
  return { code, out };
}

test('flows migrate: --check, --out and in place', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'edgegw-flowscmd-'));
  try {
    const file = join(dir, 'flows.json');
    copyFileSync(OLD, file);

    const check = await run(['migrate', '--check', file]);
    assert.equal(check.code, 1);
    assert.match(check.out, /types renamed: watchdog -> edgegw-watchdog \(1\)/);
    assert.deepEqual(json(file), json(OLD), '--check writes nothing');

    const out = join(dir, 'out.json');
    assert.equal((await run(['migrate', '--out', out, file])).code, 0);
    assert.deepEqual(json(out), json(CURRENT));
    assert.deepEqual(json(file), json(OLD), '--out leaves the file as it is');

    const inPlace = await run(['migrate', file]);
    assert.equal(inPlace.code, 0);
    assert.deepEqual(json(file), json(CURRENT));
    assert.deepEqual(json(`${file}.before-migration`), json(OLD));

    const again = await run(['migrate', '--check', file]);
    assert.equal(again.code, 0);
    assert.match(again.out, /no former type names; 0 node config\(s\)/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('flows migrate refuses what is not a flows file, naming it', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'edgegw-flowscmd-'));
  try {
    const file = join(dir, 'settings.json');
    writeFileSync(file, '{"a": 1}');
    await assert.rejects(run(['migrate', file]), (e: unknown) => e instanceof UsageError && e.message.includes(file) && /not an array of nodes/.test(e.message));
    await assert.rejects(run(['migrate']), UsageError);
    await assert.rejects(run(['convert', file]), /unknown flows action "convert"/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
