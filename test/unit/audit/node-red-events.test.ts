import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AuditLog } from '../../../lib/audit/audit-log';
import { auditRecordOfNodeRedEvent, nodeRedAuditLogging } from '../../../lib/audit/node-red-events';
import { loggingSettings } from '../../../runtime/logging';

const AUDIT = 98;

describe("Node-RED's audit events", () => {
  test('deploys, logins and refusals become records; reads are not audited', () => {
    const user = { username: 'plant', permissions: '*' };
    assert.deepEqual(auditRecordOfNodeRedEvent({ level: AUDIT, event: 'flows.set', type: 'nodes', user, path: '/flows', ip: '127.0.0.1', timestamp: 5 }), {
      ts: 5,
      old: null,
      kind: 'deploy',
      actor: 'editor:plant',
      device: 'runtime',
      tag: 'flows',
      new: 'nodes',
      ok: true,
    });
    assert.equal(auditRecordOfNodeRedEvent({ level: AUDIT, event: 'flows.set', type: 'full' })?.actor, 'editor:anonymous');
    const failed = auditRecordOfNodeRedEvent({ level: AUDIT, event: 'flow.update', id: 'f1', error: 'unexpected_error', message: 'Error: boom', user });
    assert.equal(failed?.tag, 'f1');
    assert.equal(failed?.ok, false);
    assert.equal(failed?.error, 'unexpected_error: Error: boom');
    assert.equal(auditRecordOfNodeRedEvent({ level: AUDIT, event: 'auth.login', user, username: 'plant', scope: '*' })?.kind, 'login');
    const refused = auditRecordOfNodeRedEvent({ level: AUDIT, event: 'auth.login.fail.too-many-attempts', username: 'plant' });
    assert.equal(refused?.kind, 'auth-failed');
    assert.equal(refused?.error, 'login refused: too-many-attempts');
    assert.equal(auditRecordOfNodeRedEvent({ level: AUDIT, event: 'comms.auth.fail' })?.kind, 'auth-failed');
    assert.equal(auditRecordOfNodeRedEvent({ level: AUDIT, event: 'flows.get', user }), undefined);
    assert.equal(auditRecordOfNodeRedEvent({ level: 30, event: 'flows.set' }), undefined, 'not an audit message');
  });

  test('the logging entry records into the log and its file; the runtime adds it when asked', () => {
    const dir = mkdtempSync(join(tmpdir(), 'edgegw-nr-audit-'));
    try {
      const log = new AuditLog();
      const file = join(dir, 'audit.jsonl');
      const entry = nodeRedAuditLogging({ log, file, rotation: { maxBytes: 8192, keep: 2 } });
      assert.equal(entry.audit, true);
      assert.equal(entry.level, 'off');
      assert.deepEqual(log.rotation, { maxBytes: 8192, keep: 2 });
      const handle = entry.handler();
      handle({ level: AUDIT, event: 'flows.set', type: 'full', user: { username: 'ops' } });
      handle({ level: AUDIT, event: 'nodes.list.get' });
      assert.deepEqual(
        log.recent().map((r) => `${r.kind}:${r.actor}`),
        ['deploy:editor:ops'],
      );
      assert.equal(JSON.parse(readFileSync(file, 'utf8').trim()).kind, 'deploy');

      assert.equal('edgegwAudit' in loggingSettings('text', 'info', () => undefined), false);
      for (const format of ['text', 'json'] as const) {
        const s = loggingSettings(format, 'info', () => undefined, { log: new AuditLog() }) as Record<string, { audit?: boolean }>;
        assert.equal(s.edgegwAudit.audit, true);
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
