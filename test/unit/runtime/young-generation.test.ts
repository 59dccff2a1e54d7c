// The runtime keeps V8's young generation at its initial size (runtime/young-generation.ts): a
// child Node process allocating briskly, with and without it, and the user's own choice winning.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { limitYoungGeneration } from '../../../runtime/young-generation';

const repo = join(__dirname, '..', '..', '..');
const MB = 1024 * 1024;

/** Runs a child that (optionally) limits, then allocates short- and some long-lived objects. */
function youngAfterAllocating(limit: boolean, nodeFlags: string[] = []): { limited: boolean; youngBytes: number } {
  const script = `
    const { limitYoungGeneration, youngGenerationBytes } = require(${JSON.stringify(join(repo, 'runtime', 'young-generation.ts'))});
    const choice = ${limit} ? limitYoungGeneration() : { limited: false };
    const kept = [];
    for (let round = 0; round < 300; round++) {
      const batch = [];
      for (let i = 0; i < 20000; i++) batch.push({ i, text: 'tag' + i });
      if (round % 30 === 0) kept.push(batch.slice(0, 1000));
    }
    console.log(JSON.stringify({ limited: choice.limited, youngBytes: youngGenerationBytes(), kept: kept.length }));`;
  const r = spawnSync(process.execPath, [...nodeFlags, '--import', 'tsx', '-e', script], { cwd: repo, encoding: 'utf8', timeout: 120000, env: { ...process.env, NODE_OPTIONS: '' } });
  assert.equal(r.status, 0, r.stderr);
  return JSON.parse(r.stdout.trim()) as { limited: boolean; youngBytes: number };
}

describe('young generation', () => {
  test('limited, it stays at its initial size under brisk allocation; V8 left alone grows it', () => {
    const limited = youngAfterAllocating(true);
    assert.equal(limited.limited, true);
    assert.ok(limited.youngBytes <= 4 * MB, `young generation ${limited.youngBytes / MB} MB`);
    const free = youngAfterAllocating(false);
    assert.ok(free.youngBytes > limited.youngBytes, `V8's default grows it: ${free.youngBytes / MB} MB vs ${limited.youngBytes / MB} MB`);
  });

  test("the user's own sizing (node flags or NODE_OPTIONS) is left alone, and said so", () => {
    assert.deepEqual(limitYoungGeneration(['--max-semi-space-size=8'], {}), { limited: false, reason: 'sized by the user (--max-semi-space-size)' });
    assert.deepEqual(limitYoungGeneration([], { NODE_OPTIONS: '--enable-source-maps --semi-space-growth-factor=2' }), {
      limited: false,
      reason: 'sized by the user (--semi-space-growth-factor)',
    });
    const sized = youngAfterAllocating(true, ['--max-semi-space-size=16']);
    assert.equal(sized.limited, false);
  });
});
