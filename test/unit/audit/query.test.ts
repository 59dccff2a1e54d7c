import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { appendFileSync, mkdirSync, mkdtempSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AuditLog } from '../../../lib/audit/audit-log';
import { AuditQueryError, queryAudit } from '../../../lib/audit/query';

function withDir(fn: (dir: string) => Promise<void>) {
  return async () => {
    const dir = mkdtempSync(join(tmpdir(), 'edgegw-audit-q-'));
    try {
      await fn(dir);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  };
}

function fill(log: AuditLog, n: number): void {
  for (let i = 0; i < n; i++) {
    const kind = i % 3 === 0 ? 'deploy' : i % 3 === 1 ? 'login' : undefined;
    log.record({ ...(kind ? { kind } : {}), actor: 'editor:admin', device: kind ? 'runtime' : 'plc', tag: `r${i}`, old: null, new: i, ok: true, ts: 10_000 + i * 10 });
  }
}

describe('queryAudit', () => {
  test(
    'a time range across rotated files and the current one, in order',
    withDir(async (dir) => {
      const log = new AuditLog({ file: join(dir, 'audit.jsonl'), ringSize: 5, rotation: { maxBytes: 4096, keep: 20 } });
      fill(log, 600);
      const { records, truncated } = await queryAudit({ from: 10_000 + 100 * 10, to: 10_000 + 449 * 10, limit: 10000 }, log);
      assert.equal(truncated, false);
      assert.deepEqual(
        records.map((r) => r.tag),
        Array.from({ length: 350 }, (_, i) => `r${100 + i}`),
      );
    }),
  );

  test(
    'kind filter (a record without kind is a write) and limit keeps the latest',
    withDir(async (dir) => {
      const log = new AuditLog({ file: join(dir, 'audit.jsonl'), rotation: { maxBytes: 4096, keep: 20 } });
      fill(log, 300);
      const writes = await queryAudit({ kind: 'write' }, log);
      assert.equal(writes.records.length, 100);
      assert.ok(writes.records.every((r) => r.kind === undefined));
      const two = await queryAudit({ kind: ['deploy', 'login'], limit: 5 }, log);
      assert.equal(two.truncated, true);
      assert.deepEqual(
        two.records.map((r) => r.tag),
        ['r292', 'r294', 'r295', 'r297', 'r298'],
      );
    }),
  );

  test(
    'files wholly outside the range are skipped by their ends; a file torn or removed does not fail the query',
    withDir(async (dir) => {
      const file = join(dir, 'audit.jsonl');
      const log = new AuditLog({ file, rotation: { maxBytes: 4096, keep: 20 } });
      fill(log, 300);
      // garbage in an old file that the range does not reach: skipped without being read
      appendFileSync(`${file}.5`, 'not json at all\n');
      const late = await queryAudit({ from: 10_000 + 290 * 10 }, log);
      assert.equal(late.unreadableLines, 0);
      assert.equal(late.records.length, 10);
      // a torn last line in the current file is counted, not fatal
      appendFileSync(file, '{"ts": 99999, "actor"');
      const all = await queryAudit({ limit: 10000 }, log);
      assert.ok(all.unreadableLines >= 2);
      unlinkSync(`${file}.1`);
      const fewer = await queryAudit({ limit: 10000 }, log);
      assert.ok(fewer.records.length < all.records.length);
    }),
  );

  test(
    'records whose append failed come from the ring',
    withDir(async (dir) => {
      const file = join(dir, 'audit.jsonl');
      const log = new AuditLog({ file });
      log.record({ actor: 'a', device: 'd', tag: 'in-file', old: 0, new: 1, ok: true, ts: 1 });
      // the file's place taken by a folder: appends fail, the record stays in memory
      rmSync(file);
      mkdirSync(file);
      assert.throws(() => log.record({ actor: 'a', device: 'd', tag: 'memory-only', old: 0, new: 1, ok: true, ts: 2 }));
      rmSync(file, { recursive: true });
      writeFileSync(file, JSON.stringify({ ts: 1, actor: 'a', device: 'd', tag: 'in-file', old: 0, new: 1, ok: true }) + '\n');
      const { records } = await queryAudit({}, log);
      assert.deepEqual(
        records.map((r) => r.tag),
        ['in-file', 'memory-only'],
      );
    }),
  );

  test('memory only: from the ring', async () => {
    const log = new AuditLog({ ringSize: 50 });
    fill(log, 100);
    const { records } = await queryAudit({ from: 10_000 + 90 * 10 }, log);
    assert.equal(records.length, 10);
  });

  test('a bad query names the field', async () => {
    const log = new AuditLog();
    await assert.rejects(queryAudit({ from: 5, to: 1 }, log), (e: unknown) => e instanceof AuditQueryError && e.field === 'from');
    await assert.rejects(queryAudit({ limit: 0 }, log), (e: unknown) => e instanceof AuditQueryError && e.field === 'limit');
    await assert.rejects(queryAudit({ kind: 'nope' as never }, log), (e: unknown) => e instanceof AuditQueryError && e.field === 'kind');
  });
});
