// The real `edge-gateway` process under hostile input (issue 7, runtime half): an oversize MQTT
// packet on the embedded broker, damaged flows files, user directories and audit files that
// cannot exist, a reader that closes the pipe, credentials in URLs, and a quiet first start.
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { connect as netConnect } from 'node:net';
import { copyFileSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import mqtt from 'mqtt';
import { CLI, REPO_ROOT, runCli, startGatewayProcess } from '../helpers/gateway';
import { freePort, waitFor } from '../helpers/process';

const DEFAULT_FLOWS = join(REPO_ROOT, 'flows', 'gateway.json');

function tempDir(prefix: string): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

async function heartbeatArrives(brokerPort: number, timeoutMs = 30000): Promise<void> {
  const client = await mqtt.connectAsync(`mqtt://127.0.0.1:${brokerPort}`, { reconnectPeriod: 0 });
  try {
    await new Promise<void>((resolve, reject) => {
      const t = setTimeout(() => reject(new Error('no heartbeat published')), timeoutMs);
      client.on('message', () => {
        clearTimeout(t);
        resolve();
      });
      void client.subscribeAsync('edge-gateway/+/heartbeat');
    });
  } finally {
    await client.endAsync(true);
  }
}

describe('damaged flows file', () => {
  const damaged: Array<[string, string | Buffer, RegExp]> = [
    ['empty', '', /is empty/],
    ['truncated', '[{"id":"t1","type":"tab","lab', /is not valid JSON at line 1, column \d+ \(truncated\?\)/],
    ['binary', Buffer.from([0x1f, 0x8b, 0x08, 0x00, 0x00, 0xff, 0xfe, 0x00]), /holds binary data/],
    ['an object, not an array', '{"id":"t1","type":"tab"}', /holds a JSON object, not an array of nodes/],
  ];
  for (const [what, content, reason] of damaged) {
    test(`${what}, no backup: refuses to start, exit 2, one message naming the file and the backup`, async () => {
      const userDir = tempDir('edgegw-hostile-');
      try {
        writeFileSync(join(userDir, 'flows.json'), content);
        const r = await runCli(['--user-dir', userDir, '--port', '0', '--broker-port', '0', '--sim-port', '0'], { timeoutMs: 60000 });
        assert.equal(r.code, 2, r.stderr + r.stdout);
        assert.match(r.stderr, reason);
        assert.ok(r.stderr.includes(`the flows file ${join(userDir, 'flows.json')}`), r.stderr);
        assert.ok(r.stderr.includes(`its backup ${join(userDir, '.flows.json.backup')} does not exist`), r.stderr);
        assert.ok(!/\n\s+at /.test(r.stderr), 'no stack trace');
      } finally {
        rmSync(userDir, { recursive: true, force: true });
      }
    });
  }

  test('an object with a good backup: starts from the backup, says so loudly, /health degraded until a deploy; /metrics 200', async () => {
    const userDir = tempDir('edgegw-hostile-');
    writeFileSync(join(userDir, 'flows.json'), '{"not":"an array"}');
    copyFileSync(DEFAULT_FLOWS, join(userDir, '.flows.json.backup'));
    const gw = await startGatewayProcess({ userDir });
    try {
      assert.match(gw.peer.output(), /FLOWS FILE DAMAGED: .*flows\.json holds a JSON object, not an array of nodes\. Started from the backup .*\.flows\.json\.backup/);
      const h = await fetch(`${gw.base}/health`);
      assert.equal(h.status, 200);
      const body = (await h.json()) as any;
      assert.equal(body.status, 'degraded');
      assert.equal(body.flows.started, true);
      assert.equal(body.flows.recoveredFromBackup.backup, join(userDir, '.flows.json.backup'));
      assert.ok(readdirSync(userDir).includes(body.flows.recoveredFromBackup.damagedCopy.split('/').pop()), 'the damaged file is kept');
      assert.ok(body.reasons.some((r: string) => /running from its backup/.test(r)));
      const metrics = await fetch(`${gw.base}/metrics`);
      assert.equal(metrics.status, 200);
      assert.match(await metrics.text(), /^edgegw_flows_from_backup 1$/m);
      await heartbeatArrives(gw.brokerPort);

      // a deploy writes a fresh flows file: the warning is over
      const flows = await (await fetch(`${gw.base}/flows`)).json();
      const deployed = await fetch(`${gw.base}/flows`, { method: 'POST', headers: { 'content-type': 'application/json', 'Node-RED-Deployment-Type': 'full' }, body: JSON.stringify(flows) });
      assert.ok(deployed.ok, `deploy answered ${deployed.status}: ${await deployed.text()}`);
      await waitFor(
        '/health without the backup reason',
        async () => {
          const b = (await (await fetch(`${gw.base}/health`)).json()) as any;
          return b.flows.started === true && b.flows.recoveredFromBackup === undefined && !(b.reasons ?? []).some((r: string) => /backup/.test(r));
        },
        30000,
        200,
      );
    } finally {
      await gw.stop();
      rmSync(userDir, { recursive: true, force: true });
    }
  });
});

describe('embedded broker and the process under attack', () => {
  test('a 250 MB PUBLISH is refused from its header and its client disconnected; the broker keeps serving', async () => {
    const gw = await startGatewayProcess({ args: ['--broker-max-packet', '1MB'] });
    try {
      const raw = netConnect(gw.brokerPort, '127.0.0.1');
      raw.on('error', () => undefined);
      const closed = new Promise<void>((r) => raw.on('close', () => r()));
      raw.write(Buffer.from([0x10, 12, 0, 4, 0x4d, 0x51, 0x54, 0x54, 4, 2, 0, 60, 0, 0])); // CONNECT
      // PUBLISH announcing 250 MB; then a first megabyte of it, which must not be buffered
      raw.write(Buffer.from([0x30, 0xfb, 0xff, 0xff, 0x77]));
      raw.write(Buffer.alloc(1024 * 1024, 0x41), () => undefined);
      await closed;
      await waitFor(
        'the refusal in the log',
        () => /embedded MQTT broker: closed the connection from 127\.0\.0\.1:\d+: it sent a packet of \d+ bytes \(largest accepted: 1048576\)/.test(gw.peer.output()),
        20000,
      );

      // a normal client of the same size class as the limit still gets through
      await heartbeatArrives(gw.brokerPort);
      const health = await fetch(`${gw.base}/health`);
      assert.equal(health.status, 200);
      assert.match(await (await fetch(`${gw.base}/metrics`)).text(), /^edgegw_broker_connections_refused_total\{reason="too_large"\} 1$/m);
    } finally {
      const { code } = await gw.stop();
      gw.cleanup();
      assert.equal(code, 0, gw.peer.output());
    }
  });

  test('credentials in --mqtt-url never reach /health or the log; the first start is quiet', async () => {
    const deadPort = await freePort(); // nothing listens: Node-RED logs "Connection failed to broker: <url>"
    const url = `mqtt://plant-user:s3cretPW@127.0.0.1:${deadPort}`;
    const gw = await startGatewayProcess({ args: ['--mqtt-url', url] });
    try {
      const body = (await (await fetch(`${gw.base}/health`)).json()) as any;
      assert.equal(body.broker.url, `mqtt://plant-user:***@127.0.0.1:${deadPort}`);
      await waitFor('the broker connection failure logged', () => /Connection failed to broker: mqtt:\/\/plant-user:\*\*\*@127\.0\.0\.1/.test(gw.peer.output()), 60000, 200);
      assert.ok(!gw.peer.output().includes('s3cretPW'), 'the password appears nowhere in the output');

      const out = gw.peer.output();
      assert.ok(!/Projects disabled/.test(out), 'no "Projects disabled" warning');
      assert.ok(!/Encrypted credentials not found/.test(out), 'no "Encrypted credentials not found" warning');
      const settings = (await (await fetch(`${gw.base}/settings`)).json()) as any;
      assert.equal(settings.telemetryEnabled, false, 'the editor does not ask about update notifications');
      // npm's check ran beside the node loading and answered before the editor was served
      assert.notEqual(settings.externalModules?.palette?.allowInstall, false, 'the palette manager may install modules');
    } finally {
      await gw.stop();
      gw.cleanup();
    }
  });
});

describe('directories that cannot exist, pipes that close', () => {
  test('--user-dir under /proc: exit 2 at once with one line (no 100% CPU spin)', async () => {
    const r = await runCli(['--user-dir', '/proc/nonexistent/ud', '--port', '0', '--broker-port', '0'], { timeoutMs: 60000 });
    assert.equal(r.code, 2, `exit code (null = killed after 60 s): ${r.stderr}`);
    assert.equal(
      r.stderr,
      'edge-gateway: user directory /proc/nonexistent/ud: cannot create the directory (at /proc/nonexistent): the file system refuses it [ENOENT] (choose another with --user-dir DIR)\n',
    );
  });

  test('--user-dir below a plain file (ENOTDIR): exit 2, one line naming the file', async () => {
    const dir = tempDir('edgegw-hostile-');
    try {
      writeFileSync(join(dir, 'file'), 'x');
      const r = await runCli(['--user-dir', join(dir, 'file', 'ud'), '--port', '0', '--broker-port', '0'], { timeoutMs: 60000 });
      assert.equal(r.code, 2, r.stderr);
      assert.equal(r.stderr, `edge-gateway: user directory ${join(dir, 'file', 'ud')}: ${join(dir, 'file')} is a file, not a directory (choose another with --user-dir DIR)\n`);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('modbus write --audit under /proc: the command ends (no spin) and names the audit file', async () => {
    const simPort = await freePort();
    const gw = await startGatewayProcess({ args: ['--sim-port', String(simPort)] });
    const dir = tempDir('edgegw-hostile-');
    try {
      const tags = join(dir, 'tags.csv');
      writeFileSync(tags, 'name,area,address,type,order,scale,offset,unit,access,group\nscratch,holding,60,uint16,ABCD,1,0,,rw,fast\n');
      const r = await runCli(['modbus', 'write', '--tcp', `127.0.0.1:${simPort}`, '--unit', '1', '--tags', tags, '--set', 'scratch=7', '--audit', '/proc/nonexistent/audit.jsonl'], {
        timeoutMs: 60000,
      });
      assert.notEqual(r.code, null, `killed after 60 s (spinning?): ${r.stderr}`);
      assert.match(r.stderr, /audit log \/proc\/nonexistent\/audit\.jsonl: \/proc\/nonexistent: cannot create the directory/);
      assert.ok(!/\n\s+at /.test(r.stderr), `no stack trace: ${r.stderr}`);
    } finally {
      await gw.stop();
      gw.cleanup();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('dbc decode | head: the closed pipe ends the command with 0 and nothing on stderr', async () => {
    const dir = tempDir('edgegw-hostile-');
    try {
      const log = join(dir, 'big.log');
      writeFileSync(log, readFileSync(join(REPO_ROOT, 'flows', 'demo', 'plant.log'), 'utf8').repeat(200));
      const p = spawn(process.execPath, [CLI, 'dbc', 'decode', join(REPO_ROOT, 'flows', 'demo', 'plant.dbc'), log], { stdio: ['ignore', 'pipe', 'pipe'] });
      let stderr = '';
      p.stderr.on('data', (d) => (stderr += d));
      // read the first chunk, then close our end like `head -1` does
      await new Promise<void>((resolve) => p.stdout.once('data', () => resolve()));
      p.stdout.destroy();
      const code = await new Promise<number | null>((resolve) => p.on('exit', (c) => resolve(c)));
      assert.equal(stderr, '');
      assert.equal(code, 0);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('dbc decode FILE.dbc DIRECTORY: usage error, exit 2, one line', async () => {
    const r = await runCli(['dbc', 'decode', join(REPO_ROOT, 'flows', 'demo', 'plant.dbc'), tmpdir()]);
    assert.equal(r.code, 2);
    assert.equal(r.stderr, `edge-gateway: dbc decode: ${tmpdir()} is a directory; LOG must be a candump log file (or "-" for stdin)\n`);
  });
});
