// The API's keys through the real `edge-gateway admin` commands, and the runtime over TLS with
// API keys and a JWT secret configured: nothing secret in its logs, /metrics, /health, exported
// flows or settings.
import { test, describe, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { request } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli, startGatewayProcess } from '../helpers/gateway';
import { haveCommand, needPeers } from '../helpers/peers';
import { waitFor } from '../helpers/process';

const dirs: string[] = [];
after(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});
function tempDir(): string {
  const d = mkdtempSync(join(tmpdir(), 'edgegw-apiauth-'));
  dirs.push(d);
  return d;
}

const JWT_SECRET = 'jwt-secret-that-must-never-leave-the-settings-file';

describe('edge-gateway admin add-key / list-keys / revoke-key', () => {
  test('a key is printed once, listed without secrets, revoked by name; every change audited', async () => {
    const userDir = tempDir();
    const help = await runCli(['admin', '--help']);
    assert.equal(help.code, 0);
    for (const cmd of ['add-key NAME --scope read|write|admin', 'list-keys', 'revoke-key ID|NAME']) assert.ok(help.stdout.includes(cmd), `help lists ${cmd}`);

    const badScope = await runCli(['admin', 'add-key', 'scada', '--scope', 'root', '--user-dir', userDir]);
    assert.equal(badScope.code, 2);
    assert.match(badScope.stderr, /--scope must be read, write or admin/);

    const added = await runCli(['admin', 'add-key', 'scada', '--scope', 'write', '--user-dir', userDir]);
    assert.equal(added.code, 0, added.stderr);
    const token = added.stdout.trim();
    assert.match(token, /^egw_[0-9a-f]{12}_[A-Za-z0-9_-]{43}$/, 'stdout is the key alone');
    assert.match(added.stderr, /shown once/);
    const id = token.slice(4, 16);
    const file = join(userDir, 'api-keys.json');
    assert.equal(statSync(file).mode & 0o777, 0o600);
    assert.ok(!readFileSync(file, 'utf8').includes(token.slice(17)), 'the keys file holds no secret');

    const second = await runCli(['admin', 'add-key', 'scada', '--scope', 'read', '--user-dir', userDir]);
    assert.equal(second.code, 2, 'a name in use is refused');

    const listed = await runCli(['admin', 'list-keys', '--user-dir', userDir]);
    assert.equal(listed.code, 0);
    assert.match(listed.stdout, /^ID\s+NAME\s+SCOPES\s+CREATED\s+LAST USED\s+REVOKED\n/);
    assert.match(listed.stdout, new RegExp(`${id}\\s+scada\\s+read,write\\s+\\d{4}-\\d\\d-\\d\\dT\\S+\\s+-\\s+-`));
    assert.ok(!listed.stdout.includes(token.slice(17)) && !listed.stdout.includes('sha256'));

    const revoked = await runCli(['admin', 'revoke-key', 'scada', '--user-dir', userDir]);
    assert.equal(revoked.code, 0, revoked.stderr);
    assert.match(revoked.stdout, new RegExp(`revoked API key "scada" \\(id ${id}\\)`));
    const json = await runCli(['admin', 'list-keys', '--json', '--user-dir', userDir]);
    const keys = JSON.parse(json.stdout) as Array<{ id: string; revoked?: string }>;
    assert.equal(keys[0].id, id);
    assert.match(String(keys[0].revoked), /^\d{4}-/);
    const again = await runCli(['admin', 'revoke-key', id, '--user-dir', userDir]);
    assert.equal(again.code, 2);
    assert.match(again.stderr, /already revoked/);

    const audit = readFileSync(join(userDir, 'audit.jsonl'), 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { kind: string; device: string; tag: string; actor: string });
    assert.deepEqual(
      audit.map((r) => [r.kind, r.device, r.tag]),
      [
        ['api-key', 'api', 'scada'],
        ['api-key', 'api', 'scada'],
      ],
    );
    assert.match(audit[0].actor, /^cli:/);
    assert.ok(!readFileSync(join(userDir, 'audit.jsonl'), 'utf8').includes(token.slice(17)));
  });

  test("the settings file's api.keysFile is where the keys go", async () => {
    const userDir = tempDir();
    writeFileSync(join(userDir, 'edge-gateway.json'), JSON.stringify({ api: { keysFile: 'secrets/keys.json' } }));
    const added = await runCli(['admin', 'add-key', 'hmi', '--scope', 'read', '--user-dir', userDir]);
    assert.equal(added.code, 0, added.stderr);
    assert.match(added.stderr, new RegExp(`to ${join(userDir, 'secrets', 'keys.json')}`));
    assert.equal(JSON.parse(readFileSync(join(userDir, 'secrets', 'keys.json'), 'utf8')).keys[0].name, 'hmi');
  });
});

function httpsGet(url: string, ca: Buffer): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { ca, headers: { accept: 'application/json' } }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (d: string) => (body += d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

describe('the runtime over TLS, with API keys and a JWT secret', () => {
  const openssl = (): [string, boolean, string] => ['openssl', haveCommand('openssl'), 'apt-get install openssl'];

  test('serves the editor, /health and /metrics over https; nothing secret in its answers or logs', needPeers(openssl()), async () => {
    const dir = tempDir();
    const userDir = join(dir, 'ud');
    const made = spawnSync(
      'openssl',
      [
        'req',
        '-x509',
        '-newkey',
        'rsa:2048',
        '-nodes',
        '-keyout',
        join(dir, 'key.pem'),
        '-out',
        join(dir, 'cert.pem'),
        '-days',
        '1',
        '-subj',
        '/CN=localhost',
        '-addext',
        'subjectAltName=IP:127.0.0.1,DNS:localhost',
      ],
      { encoding: 'utf8' },
    );
    assert.equal(made.status, 0, made.stderr);
    const settings = join(dir, 'settings.json');
    writeFileSync(settings, JSON.stringify({ tls: { cert: join(dir, 'cert.pem'), key: join(dir, 'key.pem') }, api: { jwt: { secret: JWT_SECRET, audience: 'edge-gateway' } } }));
    const added = await runCli(['admin', 'add-key', 'plant', '--scope', 'admin', '--user-dir', userDir]);
    assert.equal(added.code, 0, added.stderr);
    const token = added.stdout.trim();
    const hash = (JSON.parse(readFileSync(join(userDir, 'api-keys.json'), 'utf8')) as { keys: Array<{ hash: string }> }).keys[0].hash;

    const gw = await startGatewayProcess({ userDir, args: ['--config', settings], waitHealthy: false });
    try {
      const ca = readFileSync(join(dir, 'cert.pem'));
      const base = `https://127.0.0.1:${gw.port}`;
      const health = await waitFor(
        'https /health with the flows started',
        async () => {
          if (gw.peer.proc.exitCode !== null) throw Object.assign(new Error(`gateway exited: ${gw.peer.output()}`), { fatal: true });
          const r = await httpsGet(`${base}/health`, ca).catch(() => undefined);
          return r && r.status === 200 && (JSON.parse(r.body) as { flows?: { started?: boolean } }).flows?.started ? r : undefined;
        },
        60_000,
        250,
      );
      const editor = await httpsGet(`${base}/`, ca);
      assert.equal(editor.status, 200);
      assert.match(editor.body, /<title>edge-gateway<\/title>/);
      const metrics = await httpsGet(`${base}/metrics`, ca);
      assert.equal(metrics.status, 200);
      const flows = await httpsGet(`${base}/flows`, ca);
      assert.equal(flows.status, 200);
      const nodeRedSettings = await httpsGet(`${base}/settings`, ca);
      assert.equal(nodeRedSettings.status, 200);
      const plain = await fetch(`http://127.0.0.1:${gw.port}/health`).catch((e: Error) => e);
      assert.ok(plain instanceof Error || plain.status >= 400, 'plain http is not served');
      assert.match(gw.peer.output(), new RegExp(`editor on https://127\\.0\\.0\\.1:${gw.port}/`));

      const secrets = { 'the JWT secret': JWT_SECRET, "the key's secret": token.slice(17), "the key's hash": hash.slice(7) };
      const places = { '/health': health.body, '/metrics': metrics.body, 'the exported flows': flows.body, "Node-RED's /settings": nodeRedSettings.body, 'the log': gw.peer.output() };
      for (const [where, text] of Object.entries(places)) for (const [what, secret] of Object.entries(secrets)) assert.ok(!text.includes(secret), `${what} is not in ${where}`);
    } finally {
      await gw.stop();
      gw.cleanup();
    }
  });

  test('refuses to start, naming the file, when the certificate or key cannot be read', async () => {
    const dir = tempDir();
    const settings = join(dir, 'settings.json');
    writeFileSync(settings, JSON.stringify({ tls: { cert: join(dir, 'missing-cert.pem'), key: join(dir, 'missing-key.pem') } }));
    const run = await runCli(['--config', settings, '--user-dir', join(dir, 'ud'), '--port', '0', '--no-broker']);
    assert.equal(run.code, 2);
    assert.match(run.stderr, new RegExp(`tls\\.cert: cannot read ${join(dir, 'missing-cert.pem')}: no such file`));
    writeFileSync(join(dir, 'not-a-cert.pem'), 'hello');
    writeFileSync(settings, JSON.stringify({ tls: { cert: join(dir, 'not-a-cert.pem'), key: join(dir, 'not-a-cert.pem') } }));
    const bad = await runCli(['--config', settings, '--user-dir', join(dir, 'ud'), '--port', '0', '--no-broker']);
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /tls: .*not-a-cert\.pem and .*not-a-cert\.pem are not a certificate and its private key/);
  });
});
