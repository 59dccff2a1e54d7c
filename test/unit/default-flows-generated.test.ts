// The committed default flows and the pipeline example are what the generator in
// scripts/default-flows/ writes, byte for byte: an edit to either side alone fails here.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Script } from 'node:vm';
import { GENERATED_FILES, REPO_ROOT, writeDefaultFlows } from '../../scripts/default-flows/generate';

test('the generator writes the committed flows/gateway.json and examples/gateway-pipeline.json', () => {
  const out = mkdtempSync(join(tmpdir(), 'edgegw-default-flows-'));
  try {
    const written = writeDefaultFlows(out);
    assert.deepEqual(
      written,
      GENERATED_FILES.map((f) => join(out, f)),
    );
    for (const file of GENERATED_FILES) {
      const generated = readFileSync(join(out, file), 'utf8');
      const committed = readFileSync(join(REPO_ROOT, file), 'utf8');
      // a JSON comparison first, so a difference names the node rather than a character offset
      assert.deepEqual(JSON.parse(committed), JSON.parse(generated), `${file} differs from what scripts/default-flows/ generates: run npm run flows:generate`);
      assert.ok(committed === generated, `${file} is formatted differently from what scripts/default-flows/ generates: run npm run flows:generate`);
    }
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
});

test("every function node's code compiles the way Node-RED compiles it", () => {
  const flows = JSON.parse(readFileSync(join(REPO_ROOT, 'flows', 'gateway.json'), 'utf8')) as Array<{ type: string; id: string; func?: string }>;
  const functions = flows.filter((n) => n.type === 'function');
  assert.ok(functions.length >= 10, `${functions.length} function nodes`);
  for (const n of functions) {
    // the body of an async function of msg (nodes/core/function/10-function.js), run in a sandbox
    assert.doesNotThrow(() => new Script(`(async function (msg, __send__, __done__) {\n${String(n.func)}\n})`, { filename: n.id }), `${n.id} compiles`);
  }
});
