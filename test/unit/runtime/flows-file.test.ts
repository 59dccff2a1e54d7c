// The flows file check that runs before Node-RED reads flows.json (real files in a temp dir).
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { checkFlowsFile, ensureLoadableFlows } from '../../../runtime/flows-file';
import { StartupError } from '../../../runtime/resolve';

const GOOD = JSON.stringify([
  { id: 't1', type: 'tab', label: 'Flow 1' },
  { id: 'n1', type: 'inject', z: 't1', wires: [] },
]);

function withDir(fn: (dir: string) => void): void {
  const dir = mkdtempSync(join(tmpdir(), 'edgegw-flows-'));
  try {
    fn(dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const DAMAGED: Array<[string, string | Buffer, RegExp]> = [
  ['truncated', GOOD.slice(0, 40), /^is not valid JSON at line 1, column \d+ \(truncated\?\)/],
  ['empty', '', /^is empty$/],
  ['whitespace only', '\n  \n', /^is empty$/],
  ['binary', Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0x00, 0xff, 0xfe]), /^holds binary data/],
  ['NUL bytes in ASCII', 'abc\u0000\u0000def', /^holds binary data \(NUL bytes\)/],
  ['an object', '{"flows": []}', /^holds a JSON object, not an array of nodes$/],
  ['null', 'null', /^holds null, not an array of nodes$/],
  ['an array of non-nodes', '[1, 2]', /^entry 0 is not a node/],
  ['a node without type', '[{"id":"a","type":"tab"},{"id":"b"}]', /^entry 1 is not a node/],
];

describe('checkFlowsFile', () => {
  test('a valid flows file, and an empty array (all flows deleted), are fine', () => {
    withDir((dir) => {
      writeFileSync(join(dir, 'flows.json'), GOOD);
      assert.deepEqual(checkFlowsFile(join(dir, 'flows.json')), { ok: true, nodes: 2 });
      writeFileSync(join(dir, 'flows.json'), '\uFEFF[]');
      assert.deepEqual(checkFlowsFile(join(dir, 'flows.json')), { ok: true, nodes: 0 });
    });
  });
  for (const [what, content, reason] of DAMAGED) {
    test(`damaged: ${what}`, () => {
      withDir((dir) => {
        writeFileSync(join(dir, 'flows.json'), content);
        const r = checkFlowsFile(join(dir, 'flows.json'));
        assert.equal(r.ok, false);
        assert.match((r as { reason: string }).reason, reason);
      });
    });
  }
});

describe('ensureLoadableFlows', () => {
  test('damaged with a good backup: the backup becomes flows.json, the damaged file is kept', () => {
    withDir((dir) => {
      writeFileSync(join(dir, 'flows.json'), '{"not":"an array"}');
      writeFileSync(join(dir, '.flows.json.backup'), GOOD);
      const r = ensureLoadableFlows(dir, 'flows.json', () => new Date('2026-01-02T03:04:05.006Z'));
      assert.ok(r);
      assert.equal(r.file, join(dir, 'flows.json'));
      assert.equal(r.backup, join(dir, '.flows.json.backup'));
      assert.equal(r.keptAs, join(dir, 'flows.json.damaged-2026-01-02T03-04-05-006Z'));
      assert.match(r.reason, /holds a JSON object/);
      assert.equal(readFileSync(join(dir, 'flows.json'), 'utf8'), GOOD);
      assert.equal(readFileSync(r.keptAs, 'utf8'), '{"not":"an array"}', 'nothing the user had is lost');
    });
  });

  test('damaged and no backup: StartupError, exit code 2, naming the file and the backup', () => {
    withDir((dir) => {
      writeFileSync(join(dir, 'flows.json'), '');
      assert.throws(
        () => ensureLoadableFlows(dir, 'flows.json'),
        (e: StartupError) =>
          e instanceof StartupError && e.exitCode === 2 && e.message.includes(`${join(dir, 'flows.json')} is empty`) && e.message.includes(`${join(dir, '.flows.json.backup')} does not exist`),
      );
      assert.deepEqual(readdirSync(dir), ['flows.json'], 'nothing renamed or written');
    });
  });

  test('damaged and a damaged backup: refused, naming both reasons', () => {
    withDir((dir) => {
      writeFileSync(join(dir, 'flows.json'), GOOD.slice(0, 10));
      writeFileSync(join(dir, '.flows.json.backup'), Buffer.from([0, 1, 2, 3]));
      assert.throws(
        () => ensureLoadableFlows(dir, 'flows.json'),
        (e: StartupError) => e.exitCode === 2 && /is not valid JSON/.test(e.message) && /backup .* holds binary data/.test(e.message),
      );
    });
  });

  test('a good file, or none, is left alone', () => {
    withDir((dir) => {
      assert.equal(ensureLoadableFlows(dir, 'flows.json'), undefined);
      assert.equal(existsSync(join(dir, 'flows.json')), false);
      writeFileSync(join(dir, 'flows.json'), GOOD);
      assert.equal(ensureLoadableFlows(dir, 'flows.json'), undefined);
    });
  });
});
