// Fuzzing the DBC parser: random mutations of the fixture files (seeded, so every run tests the
// same inputs) must parse or fail with a DbcSyntaxError, nothing else, and never hang. Parsed
// databases are also decoded and encoded once per message.
import assert from 'node:assert/strict';
import { readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { Worker } from 'node:worker_threads';
import { decodeDbcText } from '../../../lib/can/dbc';
import { DBC_CORPORA, dbcFiles, fixturesMissing } from '../../helpers/can-fixtures';
import type { FuzzJob, FuzzReport } from '../../helpers/can-fuzz-worker';

const missing = fixturesMissing();
const ITERATIONS = 3000;
/** Silence from the worker for this long means a parse hangs (a parse takes milliseconds). */
const HANG_MS = 60_000;

test('mutated fixture files parse or fail with DbcSyntaxError, and never hang', { skip: missing ?? undefined }, async (t) => {
  // Files up to 64 KiB keep the run short; the grammar is the same in the large ones.
  const files = DBC_CORPORA.flatMap((c) => dbcFiles(c)).filter((f) => statSync(f).size <= 64 * 1024);
  assert.ok(files.length > 50);
  const job: FuzzJob = { seed: 0xdbc, iterations: ITERATIONS, texts: files.map((f) => decodeDbcText(readFileSync(f)).text) };

  // The worker is TypeScript: register tsx's CommonJS hook in it before loading it.
  const workerFile = path.join(__dirname, '../../helpers/can-fuzz-worker.ts');
  const worker = new Worker(`require('tsx/cjs'); require(${JSON.stringify(workerFile)});`, { eval: true, workerData: job });
  const counts = { parsed: 0, rejected: 0, decoded: 0 };
  const bad: Array<Extract<FuzzReport, { kind: 'bad' }>> = [];
  let current = -1;
  await new Promise<void>((resolve, reject) => {
    let timer = setTimeout(onHang, HANG_MS);
    function onHang() {
      void worker.terminate();
      reject(new Error(`parse of fuzz iteration ${current} (seed ${job.seed}) did not finish within ${HANG_MS} ms`));
    }
    worker.on('message', (r: FuzzReport) => {
      clearTimeout(timer);
      timer = setTimeout(onHang, HANG_MS);
      if (r.kind === 'start') current = r.iteration;
      else if (r.kind === 'result') {
        counts[r.outcome]++;
        counts.decoded += r.decoded;
      } else if (r.kind === 'bad') bad.push(r);
      else {
        clearTimeout(timer);
        resolve();
      }
    });
    worker.on('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
    worker.on('exit', (code) => {
      clearTimeout(timer);
      if (code !== 0) reject(new Error(`fuzz worker exited with code ${code} at iteration ${current}`));
    });
  });
  await worker.terminate();
  t.diagnostic(`${ITERATIONS} mutations: ${counts.parsed} parsed (${counts.decoded} frames decoded), ${counts.rejected} rejected with DbcSyntaxError`);
  assert.deepEqual(
    bad.map((b) => `iteration ${b.iteration}: ${b.error}`),
    [],
  );
  assert.equal(counts.parsed + counts.rejected, ITERATIONS);
  assert.ok(counts.parsed > 0 && counts.rejected > 0, 'the mutations should produce both outcomes');
});
