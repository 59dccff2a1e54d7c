// The device registry in the running gateway, the way an operator uses it: `admin add-device`
// gives a login the embedded broker checks (a wrong password refused), an unknown device that
// announces itself on devices/+/hello is pending in the editor's admin route and in
// `devices list --pending`, and `devices accept` (another process) reaches the running gateway.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli, startGatewayProcess } from '../helpers/gateway';
import { waitFor } from '../helpers/process';

function mosquittoPub(port: number, args: string[]): Promise<{ code: number; stderr: string }> {
  return new Promise((resolve) => {
    execFile('mosquitto_pub', ['-h', '127.0.0.1', '-p', String(port), '-q', '1', ...args], { timeout: 10_000 }, (err, _stdout, stderr) => {
      resolve({ code: err ? (typeof (err as { code?: unknown }).code === 'number' ? (err as { code: number }).code : 1) : 0, stderr });
    });
  });
}

const loginOf = (stdout: string) => ({ username: /^username: (.+)$/m.exec(stdout)?.[1] ?? '', password: /^password: (.+)$/m.exec(stdout)?.[1] ?? '' });

interface View {
  device_id: string;
  status: string;
  login: boolean;
  profile?: string;
  protocol?: string;
}

test('add-device logins, pending devices accepted by the CLI, in the running gateway', async () => {
  const userDir = mkdtempSync(join(tmpdir(), 'edgegw-devices-rt-'));
  const added = await runCli(['admin', 'add-device', 'plug', '--profile', 'tasmota-energy', '--user-dir', userDir]);
  assert.equal(added.code, 0, added.stderr);
  const plug = loginOf(added.stdout);
  assert.equal(plug.username, 'plug');
  assert.ok(plug.password.length >= 32);
  assert.match(added.stderr, /shown once/);

  const gw = await startGatewayProcess({ userDir });
  try {
    const wrong = await mosquittoPub(gw.brokerPort, ['-u', 'plug', '-P', 'not-the-password', '-t', 'tele/plug/SENSOR', '-m', '{}']);
    assert.notEqual(wrong.code, 0, 'a wrong password is refused');
    const right = await mosquittoPub(gw.brokerPort, ['-u', 'plug', '-P', plug.password, '-t', 'tele/plug/SENSOR', '-m', '{"ENERGY":{"Power":12}}']);
    assert.equal(right.code, 0, right.stderr);

    // a login added while the gateway runs works without a restart
    const later = loginOf((await runCli(['admin', 'add-device', 'shelly1', '--user-dir', userDir])).stdout);
    const shelly = await mosquittoPub(gw.brokerPort, ['-u', later.username, '-P', later.password, '-t', 'shelly1/status/switch:0', '-m', '{"output":true}']);
    assert.equal(shelly.code, 0, shelly.stderr);

    const hello = await mosquittoPub(gw.brokerPort, ['-t', 'devices/esp32-7/hello', '-m', '{"profile":"ds18b20-esp32"}']);
    assert.equal(hello.code, 0, hello.stderr);
    await waitFor('the pending device in the admin route', async () => ((await (await fetch(`${gw.base}/edgegw/devices/pending`)).json()) as View[]).some((d) => d.device_id === 'esp32-7'), 10_000);
    const listed = await runCli(['devices', 'list', '--pending', '--user-dir', userDir]);
    assert.equal(listed.code, 0, listed.stderr);
    assert.match(listed.stdout, /^esp32-7\s+mqtt\s+pending\s+ds18b20-esp32\s+127\.0\.0\.1/m);

    const accepted = await runCli(['devices', 'accept', 'esp32-7', '--user-dir', userDir]);
    assert.equal(accepted.code, 0, accepted.stderr);
    assert.match(accepted.stdout, /device "esp32-7" accepted \(status active\)/);
    await waitFor('the gateway reads the accept', async () => ((await (await fetch(`${gw.base}/edgegw/devices/pending`)).json()) as View[]).length === 0, 10_000);

    // the default flows' devices register themselves: the Modbus ones, and the simulated plug
    // finds the record `admin add-device plug` made (one plug, not a plug-2)
    await waitFor(
      "the default flows' devices in the registry",
      async () => {
        const ids = ((await (await fetch(`${gw.base}/edgegw/devices`)).json()) as View[]).map((d) => d.device_id);
        return ids.includes('boiler') && ids.includes('meter');
      },
      20_000,
    );
    const every = (await (await fetch(`${gw.base}/edgegw/devices`)).json()) as View[];
    assert.deepEqual(
      every
        .filter((d) => ['boiler', 'meter', 'plug'].includes(d.device_id) || d.device_id.startsWith('plug-'))
        .map((d) => [d.device_id, d.protocol])
        .sort(),
      [
        ['boiler', 'modbus'],
        ['meter', 'modbus'],
        ['plug', 'mqtt'],
      ],
    );
    // the default flows' own devices aside: the Modbus ones and the gateway itself (system-tags)
    const all = every.filter((d) => d.protocol !== 'modbus' && d.protocol !== 'system');
    assert.deepEqual(
      all.map((d) => [d.device_id, d.status === 'pending' ? 'pending' : 'accepted', d.login]),
      [
        ['plug', 'accepted', true],
        ['shelly1', 'accepted', true],
        ['esp32-7', 'accepted', false],
      ],
    );
    assert.ok(!JSON.stringify(all).includes('"hash"') && !JSON.stringify(all).includes(plug.password), 'no secret in the answer');
    const unknown = await fetch(`${gw.base}/edgegw/devices/nobody/accept`, { method: 'POST' });
    assert.equal(unknown.status, 404);
    assert.match(((await unknown.json()) as { error: string }).error, /no device "nobody"/);
    const again = await runCli(['devices', 'accept', 'nobody', '--user-dir', userDir]);
    assert.equal(again.code, 2);
    assert.match(again.stderr, /no device "nobody" in the registry/);
    assert.ok(!gw.peer.output().includes(plug.password) && !gw.peer.output().includes(later.password), 'no password in the log');
    assert.match(gw.peer.output(), /refused the login "plug" from 127\.0\.0\.1: bad username or password/);
  } finally {
    await gw.stop();
    gw.cleanup();
  }
});
