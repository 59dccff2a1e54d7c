import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AuditFileError, AuditLog, auditJson, sharedAuditLog } from '../../../lib/audit/audit-log';

describe('AuditLog', () => {
  test('keeps the latest records in a ring', () => {
    const log = new AuditLog({ ringSize: 3 });
    for (let i = 0; i < 5; i++) log.record({ actor: 'a', device: 'd', tag: `t${i}`, old: i, new: i + 1, ok: true, ts: 1000 + i });
    assert.deepEqual(
      log.recent().map((r) => r.tag),
      ['t2', 't3', 't4'],
    );
    assert.deepEqual(
      log.recent(1).map((r) => r.tag),
      ['t4'],
    );
    log.clear();
    assert.equal(log.recent().length, 0);
  });

  test('appends JSON lines (bigint as a decimal string) to a file, creating its folder', () => {
    const dir = mkdtempSync(join(tmpdir(), 'edgegw-audit-'));
    try {
      const file = join(dir, 'sub', 'audit.jsonl');
      const log = new AuditLog({ file });
      log.record({ actor: 'cli:ops', device: 'm', tag: 'big', old: null, new: 2n ** 64n - 1n, ok: true, ts: 1 });
      log.record({ actor: 'cli:ops', device: 'm', tag: 'x', old: 1, new: 2, ok: false, error: 'timeout', ts: 2 });
      const lines = readFileSync(file, 'utf8')
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l));
      assert.deepEqual(lines[0], { ts: 1, actor: 'cli:ops', device: 'm', tag: 'big', old: null, new: '18446744073709551615', ok: true });
      assert.deepEqual(lines[1], { ts: 2, actor: 'cli:ops', device: 'm', tag: 'x', old: 1, new: 2, ok: false, error: 'timeout' });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('a file that cannot be written is reported, and the record is still kept', () => {
    const dir = mkdtempSync(join(tmpdir(), 'edgegw-audit-'));
    try {
      writeFileSync(join(dir, 'blocker'), 'a file where a folder should be');
      const log = new AuditLog({ file: join(dir, 'blocker', 'audit.jsonl') });
      assert.throws(
        () => log.record({ actor: 'a', device: 'd', tag: 't', old: 0, new: 1, ok: true }),
        (e: Error) => e instanceof AuditFileError && e.message.includes('blocker'),
      );
      assert.equal(log.recent().length, 1);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('one shared log per process; Buffers are written as hex', () => {
    assert.equal(sharedAuditLog(), sharedAuditLog());
    assert.match(auditJson({ ts: 0, actor: 'a', device: 'd', tag: 't', old: null, new: Buffer.from([1, 255]), ok: true }), /"new":"01ff"/);
  });
});

describe('AuditLog folder creation', () => {
  // Before: mkdirSync(recursive) on every record, which spins forever under /proc.
  test('a file under /proc: the record stays in memory and the append fails at once with AuditFileError', () => {
    const repo = join(__dirname, '..', '..', '..');
    const script = `
      const { AuditLog } = require(${JSON.stringify(join(repo, 'lib', 'audit', 'audit-log.ts'))});
      const log = new AuditLog({ file: '/proc/nonexistent/audit.jsonl' });
      const out = [];
      for (let i = 0; i < 3; i++) {
        try { log.record({ actor: 'cli:t', device: 'd', tag: 't', old: 0, new: i, ok: true }); out.push('ok'); }
        catch (e) { out.push(e.name + ': ' + e.message); }
      }
      console.log(JSON.stringify({ out, kept: log.recent().length }));`;
    const r = spawnSync(process.execPath, ['--import', 'tsx', '-e', script], { cwd: repo, encoding: 'utf8', timeout: 60000 });
    assert.equal(r.signal, null, `the child did not finish within 60 s (spinning?): ${r.stderr}`);
    const res = JSON.parse(r.stdout.trim());
    assert.equal(res.kept, 3, 'every record is kept in memory');
    for (const line of res.out) assert.match(line, /^AuditFileError: audit log \/proc\/nonexistent\/audit.jsonl: \/proc\/nonexistent: cannot create the directory/);
  });

  test('the folder is made again when it disappears between records', () => {
    const dir = mkdtempSync(join(tmpdir(), 'edgegw-audit-'));
    try {
      const file = join(dir, 'logs', 'audit.jsonl');
      const log = new AuditLog({ file });
      log.record({ actor: 'a', device: 'd', tag: 't', old: 0, new: 1, ok: true, ts: 1 });
      rmSync(join(dir, 'logs'), { recursive: true });
      log.record({ actor: 'a', device: 'd', tag: 't', old: 1, new: 2, ok: true, ts: 2 });
      assert.equal(readFileSync(file, 'utf8').trim().split('\n').length, 1);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
