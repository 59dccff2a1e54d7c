// audit-in: every record the process's audit log keeps, as a message (payload = record), with the
// kind filter; a bad kind refused at deploy; closing unsubscribes (100 redeploys leave no listener).
import { test, describe, before, after, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import { helper, nodeModule } from '../helpers/nodered';
import { waitFor } from '../helpers/process';
import { clearCollected, collectorModule, errorsOf, lastStatus, received } from '../helpers/can-nodes';
import { sharedAuditLog, type AuditRecord } from '../../lib/audit/audit-log';

const modules = () => [nodeModule('audit-in'), collectorModule];

describe('audit-in node', () => {
  before(async () => {
    await helper.startServer();
  });
  after(async () => {
    await helper.stopServer();
  });
  afterEach(async () => {
    await helper.unload();
    clearCollected();
  });

  const flow = [
    { id: 'all', type: 'edgegw-audit-in', name: '', version: 1, kind: '', wires: [['everything']] },
    { id: 'deploys', type: 'edgegw-audit-in', name: '', version: 1, kind: 'deploy', wires: [['deploysOnly']] },
    { id: 'everything', type: 'test-collect' },
    { id: 'deploysOnly', type: 'test-collect' },
  ];

  test('emits each new record, the filtered node only its kind', async () => {
    await helper.load(modules(), flow);
    const log = sharedAuditLog();
    log.record({ actor: 'flow:f/node:n', device: 'plc', tag: 'speed', old: 1, new: 2, ok: true });
    log.record({ kind: 'deploy', actor: 'editor:plant', device: 'runtime', tag: 'flows', old: null, new: 'full', ok: true });
    await waitFor('records', () => received('everything').length === 2 && received('deploysOnly').length === 1);
    const all = received('everything');
    assert.deepEqual(
      all.map((m) => m.topic),
      ['audit/write', 'audit/deploy'],
    );
    assert.equal((all[0].payload as AuditRecord).tag, 'speed');
    assert.equal((received('deploysOnly')[0].payload as AuditRecord).actor, 'editor:plant');
    // the message's payload is a copy: changing it leaves the log's ring alone
    (all[1].payload as AuditRecord).actor = 'changed';
    assert.equal(log.recent().at(-1)?.actor, 'editor:plant');
    await waitFor('status', () => /^audit-in\.status\.records\(count=2\)$/.test(lastStatus(helper.getNode('all'))?.text ?? ''));
  });

  test('a kind that is not one is refused at deploy, naming the field', async () => {
    await helper.load(modules(), [{ id: 'bad', type: 'edgegw-audit-in', version: 1, kind: 'everything', wires: [[]] }]);
    await waitFor('error', () => errorsOf(helper.getNode('bad')).some((e) => /kind/.test(e)));
    assert.equal(lastStatus(helper.getNode('bad'))?.text, 'audit-in.status.badConfig');
  });

  test('the edgegw settings block sets the rotation of the audit file', async () => {
    const h = helper as unknown as { settings(s: unknown): void };
    h.settings({ edgegw: { auditRotation: { maxBytes: 8192, keep: 3 } } });
    try {
      await helper.load(modules(), flow);
      assert.deepEqual(sharedAuditLog().rotation, { maxBytes: 8192, keep: 3 });
    } finally {
      h.settings({});
    }
  });

  test('redeploys leave no subscriber behind', async () => {
    const log = sharedAuditLog();
    const listeners = () => (log as unknown as { listeners: Set<unknown> }).listeners.size;
    const before = listeners();
    for (let i = 0; i < 100; i++) {
      await helper.load(modules(), flow);
      await helper.unload();
    }
    assert.equal(listeners(), before);
  });
});
