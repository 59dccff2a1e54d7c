import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AuditLog, AuditRotationError, type AuditRecord } from '../../../lib/audit/audit-log';
import { auditFilesOldestFirst, auditRotationOf, AuditRotationConfigError } from '../../../lib/audit/rotation';

function withDir(fn: (dir: string) => void | Promise<void>) {
  return async () => {
    const dir = mkdtempSync(join(tmpdir(), 'edgegw-audit-rot-'));
    try {
      await fn(dir);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  };
}

function linesOf(file: string): AuditRecord[] {
  if (!existsSync(file)) return [];
  return readFileSync(file, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as AuditRecord);
}

describe('audit log rotation', () => {
  test(
    'rotates by size, keeps N files, loses no record and keeps their order',
    withDir((dir) => {
      const file = join(dir, 'audit.jsonl');
      const log = new AuditLog({ file, rotation: { maxBytes: 4096, keep: 3 } });
      const n = 200; // about 100 bytes each: several rotations, fewer than keep+1 files hold them all
      for (let i = 0; i < n; i++) log.record({ actor: 'flow:f/node:n', device: 'plc', tag: `t${i}`, old: i, new: i + 1, ok: true, ts: 1000 + i });
      const files = auditFilesOldestFirst(file, 3);
      for (const f of files) if (existsSync(f)) assert.ok(statSync(f).size <= 4096, `${f} is ${statSync(f).size} bytes`);
      assert.ok(existsSync(`${file}.1`) && existsSync(`${file}.2`) && existsSync(`${file}.3`));
      assert.ok(!existsSync(`${file}.4`), 'only keep=3 rotated files');
      const all = files.flatMap(linesOf);
      // the oldest files beyond keep are gone; what remains is one contiguous, ordered tail
      const tags = all.map((r) => Number(r.tag.slice(1)));
      assert.equal(tags[tags.length - 1], n - 1);
      for (let i = 1; i < tags.length; i++) assert.equal(tags[i], tags[i - 1] + 1, `record ${tags[i - 1] + 1} missing or out of order`);
    }),
  );

  test(
    'with enough files kept, every record ever written is in exactly one file',
    withDir((dir) => {
      const file = join(dir, 'audit.jsonl');
      const log = new AuditLog({ file, rotation: { maxBytes: 4096, keep: 50 } });
      for (let i = 0; i < 500; i++) log.record({ kind: i % 2 ? 'login' : 'write', actor: 'a', device: 'editor', tag: `u${i}`, old: null, new: null, ok: true, ts: i });
      const all = auditFilesOldestFirst(file, 50).flatMap(linesOf);
      assert.deepEqual(
        all.map((r) => r.ts),
        Array.from({ length: 500 }, (_, i) => i),
      );
    }),
  );

  test(
    'a rotation that fails still appends the record, and says so',
    withDir((dir) => {
      const file = join(dir, 'audit.jsonl');
      const log = new AuditLog({ file, rotation: { maxBytes: 4096, keep: 2 } });
      let i = 0;
      while (!existsSync(`${file}.1`)) log.record({ actor: 'a', device: 'd', tag: `t${i}`, old: 0, new: 0, ok: true, ts: i++ });
      const before = i;
      while (statSync(file).size < 4000) log.record({ actor: 'a', device: 'd', tag: `t${i}`, old: 0, new: 0, ok: true, ts: i++ });
      // the oldest rotated file's place taken by a folder with content: it cannot be deleted (root neither)
      mkdirSync(`${file}.2`);
      writeFileSync(join(`${file}.2`, 'keep'), 'x');
      assert.throws(() => log.record({ actor: 'a', device: 'd', tag: 'late', old: 0, new: 0, ok: true, ts: i }), AuditRotationError);
      const all = [`${file}.1`, file].flatMap(linesOf);
      assert.equal(all[all.length - 1].tag, 'late');
      assert.ok(all.length >= i - before);
    }),
  );

  test('settings: defaults, and a bad value names its field', () => {
    assert.deepEqual(auditRotationOf(undefined), { maxBytes: 10 * 1024 * 1024, keep: 5 });
    assert.deepEqual(auditRotationOf({ keep: 2 }), { maxBytes: 10 * 1024 * 1024, keep: 2 });
    assert.throws(
      () => auditRotationOf({ maxBytes: 10 }),
      (e: unknown) => e instanceof AuditRotationConfigError && e.field === 'maxBytes',
    );
    assert.throws(
      () => auditRotationOf({ keep: -1 }),
      (e: unknown) => e instanceof AuditRotationConfigError && e.field === 'keep',
    );
  });

  test('subscribers get every record, file or not', () => {
    const log = new AuditLog();
    const seen: string[] = [];
    const off = log.subscribe((r) => seen.push(r.tag));
    log.record({ actor: 'a', device: 'd', tag: 'one', old: 0, new: 1, ok: true });
    off();
    log.record({ actor: 'a', device: 'd', tag: 'two', old: 0, new: 1, ok: true });
    assert.deepEqual(seen, ['one']);
  });
});
