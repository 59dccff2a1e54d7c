// runtime/thread-pool.ts: libuv's pool gets 2 threads unless the user chose a size; counted in a
// child process from /proc/self/task (Linux), on the build (npm test builds dist/ first).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { sizeThreadPool } from '../../../runtime/thread-pool';

const repo = join(__dirname, '..', '..', '..');

/** Threads of a child after its first async file read (which starts libuv's pool). */
function threadsAfterPoolStart(size: boolean, env: Record<string, string> = {}): number {
  const script = `
    const { sizeThreadPool } = require(${JSON.stringify(join(repo, 'dist', 'runtime', 'thread-pool.js'))});
    if (${size}) sizeThreadPool();
    require('node:fs').readFile(__filename === '[eval]' ? process.execPath : __filename, () => {
      setTimeout(() => console.log(require('node:fs').readdirSync('/proc/self/task').length), 200);
    });`;
  const childEnv: NodeJS.ProcessEnv = { ...process.env, ...env };
  if (!('UV_THREADPOOL_SIZE' in env)) delete childEnv.UV_THREADPOOL_SIZE;
  // plain node on the built file: tsx's loader would start the pool before the script runs
  const r = spawnSync(process.execPath, ['-e', script], { cwd: repo, encoding: 'utf8', timeout: 60000, env: childEnv });
  assert.equal(r.status, 0, r.stderr);
  return Number(r.stdout.trim());
}

test('the pool gets 2 threads instead of 4; a size the user set is kept', { skip: existsSync('/proc/self/task') ? false : 'needs /proc (Linux)' }, () => {
  const sized = threadsAfterPoolStart(true);
  const libuvDefault = threadsAfterPoolStart(false);
  assert.equal(libuvDefault - sized, 2, `threads: ${sized} sized, ${libuvDefault} with libuv's default of 4`);
  assert.equal(threadsAfterPoolStart(true, { UV_THREADPOOL_SIZE: '4' }), libuvDefault, "the user's UV_THREADPOOL_SIZE is kept");
  const env: NodeJS.ProcessEnv = {};
  assert.deepEqual(sizeThreadPool(env), { size: 2, ownChoice: false });
  assert.equal(env.UV_THREADPOOL_SIZE, '2');
  assert.deepEqual(sizeThreadPool({ UV_THREADPOOL_SIZE: '8' }), { size: 8, ownChoice: true });
});
