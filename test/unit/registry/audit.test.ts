// An operator's registry decisions in the one audit log: accept, reject, remove and a broker login
// added, each with who decided (the editor's user, cli:<login name>) and what changed, and never
// the password; remove retires the device, drops its login and keeps its id.
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { PassThrough } from 'node:stream';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AuditLog, type AuditRecord } from '../../../lib/audit/audit-log';
import { DeviceRegistryError, openDeviceRegistry } from '../../../lib/registry';
import { addDeviceCommand, devicesCommand } from '../../../runtime/commands/devices';
import { cliActor } from '../../../runtime/commands/io';

const fresh = () => mkdtempSync(join(tmpdir(), 'edgegw-registry-audit-'));
const pick = (r: AuditRecord) => [r.kind, r.actor, r.device, r.tag, r.old, r.new, r.ok];

function cliIO() {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  let out = '';
  let err = '';
  stdout.on('data', (d: Buffer) => (out += d.toString()));
  stderr.on('data', (d: Buffer) => (err += d.toString()));
  return { io: { stdin: new PassThrough(), stdout, stderr }, out: () => out, err: () => err };
}

const auditFile = (dir: string): AuditRecord[] =>
  readFileSync(join(dir, 'audit.jsonl'), 'utf8')
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as AuditRecord);

describe('registry decisions are audited', () => {
  test('accept, reject, remove and a login added: who and what, never the password; a no-op is not a decision', async () => {
    const audit = new AuditLog();
    const { registry } = await openDeviceRegistry(fresh(), { audit });
    try {
      registry.announce('esp32-7', { address: '10.0.0.7' });
      registry.accept('esp32-7', 'editor:admin');
      registry.accept('esp32-7', 'editor:admin');
      registry.reject('esp32-7', 'cli:ops');
      const { password } = await registry.addCredentials('plug', { profile: 'tasmota-energy' }, 'cli:ops');
      await registry.addCredentials('plug', {}, 'cli:ops');
      registry.remove('plug', 'editor:admin');
      registry.accept('plug');
      assert.deepEqual(audit.recent().map(pick), [
        ['device', 'editor:admin', 'esp32-7', 'status', 'pending', { action: 'accept', status: 'active' }, true],
        ['device', 'cli:ops', 'esp32-7', 'status', 'active', { action: 'reject', status: 'rejected' }, true],
        ['device', 'cli:ops', 'plug', 'login', null, { action: 'add-device', status: 'active', login: true, username: 'plug' }, true],
        ['device', 'cli:ops', 'plug', 'login', { status: 'active', login: true }, { action: 'add-device', status: 'active', login: true, username: 'plug' }, true],
        ['device', 'editor:admin', 'plug', 'status', 'active', { action: 'remove', status: 'retired' }, true],
        ['device', 'runtime', 'plug', 'status', 'retired', { action: 'accept', status: 'active' }, true],
      ]);
      assert.ok(!JSON.stringify(audit.recent()).includes(password), 'no password in the audit log');
      assert.throws(() => registry.remove('nobody', 'cli:ops'), DeviceRegistryError);
      assert.equal(audit.recent().length, 6, 'a refused decision is not audited as made');
    } finally {
      await registry.close();
    }
  });

  test('remove retires the device, drops its login (the broker refuses it) and keeps its id from being given again', async () => {
    const dir = fresh();
    const { registry } = await openDeviceRegistry(dir);
    let password = '';
    try {
      password = (await registry.addCredentials('plug')).password;
      const removed = registry.remove('plug', 'cli:ops');
      assert.equal(removed.status, 'retired');
      assert.equal(removed.credential, undefined);
      assert.equal(await registry.authenticate('plug', password), undefined);
      assert.equal(registry.isAccepted('plug'), false);
      assert.equal(registry.announce('plug'), 'retired', 'its announcements do not make it pending again');
      assert.equal(registry.register({ nodeId: 'n-new', name: 'Other plug' }, { protocol: 'mqtt', preferredId: 'plug' }), 'plug-2', 'the retired id is never given to another device');
    } finally {
      await registry.close();
    }
    const reopened = (await openDeviceRegistry(dir)).registry;
    try {
      assert.deepEqual([reopened.get('plug')?.status, reopened.get('plug')?.credential], ['retired', undefined], 'kept across a restart');
      assert.equal(reopened.hasCredentials(), false);
    } finally {
      await reopened.close();
    }
  });

  test('a failing audit file is told, never undoes the decision', async () => {
    const warnings: string[] = [];
    // the audit file's folder is a file: every append fails
    const dir = fresh();
    writeFileSync(join(dir, 'blocker'), '');
    const audit = new AuditLog({ file: join(dir, 'blocker', 'audit.jsonl') });
    const { registry } = await openDeviceRegistry(fresh(), { audit, warn: (m) => warnings.push(m) });
    try {
      registry.announce('esp32-7');
      assert.equal(registry.accept('esp32-7', 'cli:ops').status, 'active');
      assert.equal(registry.isAccepted('esp32-7'), true);
      assert.match(warnings.join('\n'), /esp32-7 changed \(status\), but not audited: audit log .*blocker/);
    } finally {
      await registry.close();
    }
  });

  test('the CLI audits to <user-dir>/audit.jsonl as cli:<login name>', async () => {
    const dir = fresh();
    const add = cliIO();
    assert.equal(await addDeviceCommand(['plug', '--user-dir', dir], add.io), 0);
    const password = /^password: (.+)$/m.exec(add.out())?.[1] ?? '';
    const seed = (await openDeviceRegistry(dir)).registry;
    seed.announce('esp32-7');
    await seed.close();
    for (const action of ['accept', 'reject', 'remove']) {
      const run = cliIO();
      assert.equal(await devicesCommand([action, 'esp32-7', '--user-dir', dir], run.io), 0, run.err());
    }
    const remove = cliIO();
    assert.equal(await devicesCommand(['remove', 'plug', '--user-dir', dir], remove.io), 0, remove.err());
    assert.match(remove.out(), /device "plug" removed \(status retired\)/);
    const actor = cliActor();
    assert.match(actor, /^cli:./);
    assert.deepEqual(auditFile(dir).map(pick), [
      ['device', actor, 'plug', 'login', null, { action: 'add-device', status: 'active', login: true, username: 'plug' }, true],
      ['device', actor, 'esp32-7', 'status', 'pending', { action: 'accept', status: 'active' }, true],
      ['device', actor, 'esp32-7', 'status', 'active', { action: 'reject', status: 'rejected' }, true],
      ['device', actor, 'esp32-7', 'status', 'rejected', { action: 'remove', status: 'retired' }, true],
      ['device', actor, 'plug', 'status', 'active', { action: 'remove', status: 'retired' }, true],
    ]);
    assert.ok(!readFileSync(join(dir, 'audit.jsonl'), 'utf8').includes(password));
  });
});
