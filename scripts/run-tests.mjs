// Runs every test/**/*.test.ts with Node's own test runner (TypeScript through tsx).
// `npm test -- <filter>` runs only the files whose path contains <filter>.
import { spawnSync } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { join, dirname, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const filters = process.argv.slice(2).filter((a) => !a.startsWith('--'));
const extra = process.argv.slice(2).filter((a) => a.startsWith('--'));

function walk(dir, out) {
  for (const entry of readdirSync(dir)) {
    const p = join(dir, entry);
    if (statSync(p).isDirectory()) walk(p, out);
    else if (p.endsWith('.test.ts')) out.push(relative(root, p));
  }
  return out;
}

let build = spawnSync(process.execPath, [join(root, 'scripts', 'build.mjs')], { stdio: 'inherit', cwd: root });
if (build.status !== 0) process.exit(build.status ?? 1);

// Type-check tests and benchmarks too (the build compiles only what ships).
const tsc = spawnSync(process.execPath, [join(root, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', join(root, 'tsconfig.test.json')], { stdio: 'inherit', cwd: root });
if (tsc.status !== 0) {
  console.error('type check failed');
  process.exit(tsc.status ?? 1);
}

const files = walk(join(root, 'test'), [])
  .sort()
  .filter((f) => filters.length === 0 || filters.some((x) => f.includes(x)));
if (files.length === 0) {
  console.error('no test files matched', filters);
  process.exit(1);
}
// --test-timeout bounds each test FILE as well as each test: the palette-install file runs two npm
// installs (minutes each on a loaded 2-core machine, 300 s was seen to be too short), so the bound
// is 15 min; a hung test still ends the run well inside CI's limit.
const res = spawnSync(process.execPath, ['--import', 'tsx', '--test', '--test-concurrency=2', '--test-timeout=900000', ...extra, ...files], {
  stdio: 'inherit',
  cwd: root,
});
process.exit(res.status ?? 1);
