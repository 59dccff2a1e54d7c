// A scan's payload made by a literal compiled for its names (lib/tags/contract.ts, ScanPayloads): the same keys in
// the same order, the same values and the same prototype as the payload scanMessage builds key by
// key, whatever names the scans carry and however they change from one scan to the next.
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { ScanPayloads, scanMessage, type TagSample, type TagValue } from '../../../lib/tags/contract';

const sample = (name: string, value: TagValue): TagSample => ({ device: 'd', name, value, quality: 'good', ts: 1 });

function sameAsBuilt(payloads: ScanPayloads, samples: TagSample[]): void {
  const built = scanMessage('d', samples);
  const copied = scanMessage('d', samples, payloads);
  assert.equal(copied.tags, samples);
  assert.equal(copied.topic, built.topic);
  assert.deepEqual(Object.keys(copied.payload), Object.keys(built.payload));
  for (const k of Object.keys(built.payload)) assert.ok(Object.is(copied.payload[k], built.payload[k]), k);
  assert.equal(Object.getPrototypeOf(copied.payload), Object.getPrototypeOf(built.payload));
  assert.equal(JSON.stringify(copied.payload), JSON.stringify(built.payload));
}

describe('scan payloads from a generated literal', () => {
  test("a poll group's scans: every payload its own object, with this scan's values", () => {
    const payloads = new ScanPayloads();
    const names = Array.from({ length: 1000 }, (_, i) => `h_f32_${i}`);
    const seen: Array<Record<string, TagValue>> = [];
    for (let scan = 0; scan < 5; scan++) {
      const samples = names.map((n, i) => sample(n, i % 7 === 0 ? null : scan * 1000 + i + 0.5));
      sameAsBuilt(payloads, samples);
      const p = scanMessage('d', samples, payloads).payload;
      assert.ok(!seen.includes(p));
      seen.push(p);
    }
    // a reader changing one payload changes no other
    seen[4].h_f32_1 = 'changed';
    assert.equal(
      scanMessage(
        'd',
        names.map((n) => sample(n, 1)),
        payloads,
      ).payload.h_f32_1,
      1,
    );
    assert.equal(seen[3].h_f32_1, 3001.5);
  });

  test('where code generation is disallowed, the payloads are built key by key, the same', () => {
    const dir = mkdtempSync(join(tmpdir(), 'edgegw-scan-payloads-'));
    try {
      const script = join(dir, 'no-codegen.ts');
      const contract = JSON.stringify(join(__dirname, '..', '..', '..', 'lib', 'tags', 'contract'));
      writeFileSync(
        script,
        [
          `import { ScanPayloads, scanMessage } from ${contract};`,
          `let refused = false;`,
          `try { new Function('return 1'); } catch { refused = true; }`,
          `const payloads = new ScanPayloads();`,
          `const samples = Array.from({ length: 200 }, (_, i) => ({ device: 'd', name: 't' + i, value: i * 1.5, quality: 'good' as const, ts: 1 }));`,
          `const same = [0, 1, 2].every(() => JSON.stringify(scanMessage('d', samples, payloads).payload) === JSON.stringify(scanMessage('d', samples).payload));`,
          `console.log(JSON.stringify({ refused, same }));`,
        ].join('\n'),
      );
      const r = spawnSync(process.execPath, ['--disallow-code-generation-from-strings', '--import', 'tsx', script], { encoding: 'utf8' });
      assert.equal(r.status, 0, r.stderr);
      assert.deepEqual(JSON.parse(r.stdout.trim().split('\n').pop()!), { refused: true, same: true });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('any sequence of scans, names changing, repeated, integer-like or __proto__, equals the payload built key by key (property)', () => {
    const name = fc.oneof(fc.constantFrom('a', 'b', '0', '7', '42', '__proto__', 'constructor', 'toString', 'x y', 'é'), fc.stringMatching(/^[a-z]{1,3}$/));
    const value = fc.oneof(fc.integer(), fc.double(), fc.boolean(), fc.constant(null), fc.string({ maxLength: 3 }));
    // scans from a few name lists, long enough to take the template (64 samples and more) or not
    const names = fc.oneof(fc.array(name, { minLength: 60, maxLength: 130 }), fc.array(name, { maxLength: 10 }));
    fc.assert(
      fc.property(
        fc.array(names, { minLength: 1, maxLength: 3 }),
        fc.array(fc.tuple(fc.nat(), fc.array(value, { minLength: 130, maxLength: 130 })), { minLength: 1, maxLength: 8 }),
        (lists, scans) => {
          const payloads = new ScanPayloads();
          for (const [which, values] of scans) {
            const list = lists[which % lists.length];
            sameAsBuilt(
              payloads,
              list.map((n, i) => sample(n, values[i])),
            );
          }
        },
      ),
      { numRuns: 200 },
    );
  });
});
