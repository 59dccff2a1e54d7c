// The suite under load: two CPU-bound processes (node -e 'for(;;){}') run beside `npm test`,
// which runs three times in a row. A test that passes only on an idle machine fails here.
// `npm run test:stress -- <filter>...` forwards the filters (and --options) to npm test;
// STRESS_RUNS=<n> changes the number of runs. Exit status: 0 when every run passed.
import { spawn } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const args = process.argv.slice(2);
const runs = Number(process.env.STRESS_RUNS ?? 3);
if (!Number.isInteger(runs) || runs < 1) {
  console.error(`STRESS_RUNS must be a whole number >= 1, got ${JSON.stringify(process.env.STRESS_RUNS)}`);
  process.exit(2);
}

const hogs = [0, 1].map(() => spawn(process.execPath, ['-e', 'for(;;){}'], { stdio: 'ignore' }));
const stopHogs = () => {
  for (const hog of hogs) if (hog.exitCode === null && hog.signalCode === null) hog.kill('SIGKILL');
};
// the hogs must not outlive this script, however it ends
process.on('exit', stopHogs);
for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
  process.on(signal, () => {
    stopHogs();
    process.exit(130);
  });
}
console.log(`stress: ${hogs.length} CPU hogs (pids ${hogs.map((h) => h.pid).join(', ')}), ${runs} runs of: npm test${args.length ? ` -- ${args.join(' ')}` : ''}`);

/** Runs `npm test -- <args>`, resolving its exit status. */
function runSuite() {
  return new Promise((resolve) => {
    // npm_execpath: the npm that runs this script (npm run test:stress), else the one on PATH
    const npm = process.env.npm_execpath ? [process.execPath, [process.env.npm_execpath]] : ['npm', []];
    const child = spawn(npm[0], [...npm[1], 'test', ...(args.length ? ['--', ...args] : [])], { stdio: 'inherit', cwd: root });
    child.on('error', (err) => {
      console.error(`stress: cannot start the test run: ${err.message}`);
      resolve(1);
    });
    child.on('exit', (code, signal) => resolve(code ?? (signal ? 128 : 1)));
  });
}

const results = [];
for (let run = 1; run <= runs; run++) {
  console.log(`\nstress: run ${run}/${runs}`);
  const started = Date.now();
  const status = await runSuite();
  results.push({ run, status, seconds: (Date.now() - started) / 1000 });
}
stopHogs();

console.log('\nstress: results (2 CPU hogs running)');
console.log('| run | result | exit status | seconds |');
console.log('|---|---|---|---|');
for (const r of results) console.log(`| ${r.run} | ${r.status === 0 ? 'pass' : 'FAIL'} | ${r.status} | ${r.seconds.toFixed(1)} |`);
const failed = results.filter((r) => r.status !== 0).length;
console.log(failed === 0 ? `stress: all ${runs} runs passed` : `stress: ${failed} of ${runs} runs failed`);
process.exit(failed === 0 ? 0 : 1);
