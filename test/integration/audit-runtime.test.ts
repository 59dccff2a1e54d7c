// Node-RED's own audit events in a real edge-gateway runtime: with an admin user, a refused
// login, a login and a deploy through the admin API (POST /flows) land in the audit log's file
// with the user, and queryAudit finds them by kind.
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { startGatewayProcess, userDirWithAdmin } from '../helpers/gateway';
import { waitFor } from '../helpers/process';
import { AuditLog, type AuditRecord } from '../../lib/audit/audit-log';
import { queryAudit } from '../../lib/audit/query';

function records(file: string): AuditRecord[] {
  if (!existsSync(file)) return [];
  return readFileSync(file, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as AuditRecord);
}

describe('audit trail of the runtime (Node-RED audit events)', () => {
  test('a refused login, a login and a deploy are audited with the user', async () => {
    const userDir = await userDirWithAdmin('edgegw-audit-rt-');
    const gw = await startGatewayProcess({ userDir, args: ['--no-broker'] });
    const file = join(userDir, 'audit.jsonl');
    try {
      const login = (password: string) =>
        fetch(`${gw.base}/auth/token`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ client_id: 'node-red-admin', grant_type: 'password', scope: '*', username: 'plant', password }),
        });
      assert.equal((await login('wrong password')).status, 403);
      const tok = await login('correct horse battery');
      assert.equal(tok.status, 200);
      const { access_token } = (await tok.json()) as { access_token: string };
      const auth = { authorization: `Bearer ${access_token}` };
      const flows = (await (await fetch(`${gw.base}/flows`, { headers: auth })).json()) as unknown[];
      const deployed = await fetch(`${gw.base}/flows`, {
        method: 'POST',
        headers: { ...auth, 'content-type': 'application/json', 'Node-RED-Deployment-Type': 'full' },
        body: JSON.stringify(flows),
      });
      assert.equal(deployed.status, 204, await deployed.text());

      const deploy = await waitFor('deploy record', () => records(file).find((r) => r.kind === 'deploy'), 15000);
      assert.equal(deploy.actor, 'editor:plant');
      assert.equal(deploy.device, 'runtime');
      assert.equal(deploy.new, 'full');
      assert.equal(deploy.ok, true);
      const all = records(file);
      const refused = all.find((r) => r.kind === 'auth-failed');
      assert.equal(refused?.tag, 'plant');
      assert.match(refused?.error ?? '', /credentials/);
      assert.ok(!JSON.stringify(all).includes('wrong password'), 'no password in the audit log');
      const loggedIn = all.find((r) => r.kind === 'login');
      assert.equal(loggedIn?.actor, 'editor:plant');
      // the order they happened in
      assert.deepEqual(
        all.filter((r) => r.kind).map((r) => r.kind),
        ['auth-failed', 'login', 'deploy'],
      );

      const found = await queryAudit({ kind: 'deploy', from: Date.now() - 60_000 }, new AuditLog({ file }));
      assert.equal(found.records.length, 1);
      assert.equal(found.records[0].actor, 'editor:plant');
    } finally {
      await gw.stop();
      rmSync(userDir, { recursive: true, force: true });
    }
  });
});
