import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DirectoryError, ensureDirectory } from '../../../lib/system/fs/directory';

const REPO = join(__dirname, '..', '..', '..');

describe('ensureDirectory', () => {
  test('creates every missing level and accepts an existing directory', () => {
    const base = mkdtempSync(join(tmpdir(), 'edgegw-dir-'));
    try {
      const deep = join(base, 'a', 'b', 'c');
      assert.equal(ensureDirectory(deep, { writable: true }), deep);
      assert.ok(statSync(deep).isDirectory());
      assert.equal(ensureDirectory(deep), deep, 'an existing directory is fine');
    } finally {
      rmSync(base, { recursive: true, force: true });
    }
  });

  test('a file in the path is ENOTDIR naming that file', () => {
    const base = mkdtempSync(join(tmpdir(), 'edgegw-dir-'));
    try {
      const file = join(base, 'plain-file');
      writeFileSync(file, 'x');
      assert.throws(
        () => ensureDirectory(join(file, 'ud', 'deeper')),
        (e: DirectoryError) => e instanceof DirectoryError && e.problem === 'not-a-directory' && e.at === file && e.message.includes(`${file} is a file, not a directory`),
      );
      assert.throws(
        () => ensureDirectory(file),
        (e: DirectoryError) => e instanceof DirectoryError && /exists and is not a directory/.test(e.message),
      );
    } finally {
      rmSync(base, { recursive: true, force: true });
    }
  });

  // Node's mkdirSync(recursive) spins forever here; run in a child so a regression fails the
  // test instead of hanging the suite.
  test('a path under /proc fails at once with the level that cannot be made (no spin)', () => {
    const script = `
      const { ensureDirectory } = require(${JSON.stringify(join(REPO, 'lib', 'system', 'fs', 'directory.ts'))});
      try { ensureDirectory('/proc/nonexistent/ud'); console.log('created?!'); }
      catch (e) { console.log(JSON.stringify({ name: e.name, at: e.at, code: e.code, message: e.message })); }`;
    const r = spawnSync(process.execPath, ['--import', 'tsx', '-e', script], { cwd: REPO, encoding: 'utf8', timeout: 60000 });
    assert.equal(r.signal, null, `the child did not finish within 60 s (spinning?): ${r.stderr}`);
    const out = JSON.parse(r.stdout.trim());
    assert.equal(out.name, 'DirectoryError');
    assert.equal(out.at, '/proc/nonexistent');
    assert.equal(out.code, 'ENOENT');
    assert.match(out.message, /^\/proc\/nonexistent\/ud: cannot create the directory \(at \/proc\/nonexistent\)/);
  });
});
