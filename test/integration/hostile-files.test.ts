// Files named in configuration or in a check request, against the real edge-gateway (issue 19):
// /dev/zero, a FIFO with no writer, a file outside what a node may read, a link that points at a
// secret. Each is refused at once with the problem named, the content never echoed, and the
// gateway keeps answering /health throughout.
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli, startGatewayProcess, type GatewayProcess } from '../helpers/gateway';

let dir: string;
let fifo: string | undefined;

before(() => {
  dir = mkdtempSync(join(tmpdir(), 'edgegw-hostile-files-'));
  try {
    execFileSync('mkfifo', [join(dir, 'pipe.dbc')]);
    fifo = join(dir, 'pipe.dbc');
  } catch {
    if (process.env.CI === 'true') throw new Error('mkfifo (coreutils) is missing');
  }
});
after(() => rmSync(dir, { recursive: true, force: true }));

interface CheckAnswer {
  ok: boolean;
  error?: { message: string; line?: number; text?: string };
}

describe('POST /edgegw/dbc/check on a running gateway', () => {
  let gw: GatewayProcess;
  before(async () => {
    gw = await startGatewayProcess();
  });
  after(async () => {
    await gw.stop();
    gw.cleanup();
  });

  async function check(body: Record<string, unknown>): Promise<CheckAnswer> {
    const r = await fetch(`${gw.base}/edgegw/dbc/check`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body), signal: AbortSignal.timeout(10_000) });
    assert.equal(r.status, 200);
    return (await r.json()) as CheckAnswer;
  }

  test('/dev/zero is refused at once and the gateway stays up', async () => {
    const a = await check({ dbcSource: 'file', dbcFile: '/dev/zero' });
    assert.equal(a.ok, false);
    assert.match(a.error!.message, /\/dev\/zero.*(not a \.dbc file|character device)/);
    assert.equal((await fetch(`${gw.base}/health`)).status, 200);
  });

  test('a FIFO is refused without waiting for a writer; /health answers', async (t) => {
    if (!fifo) return t.skip('mkfifo not available');
    const a = await check({ dbcSource: 'file', dbcFile: fifo });
    assert.equal(a.ok, false);
    assert.match(a.error!.message, /is a FIFO \(named pipe\), not a regular file/);
    const h = await fetch(`${gw.base}/health`, { signal: AbortSignal.timeout(5000) });
    assert.equal(h.status, 200);
  });

  test('files that are not DBC files are not read: system files, the credential secret, a link dressed as .dbc', async () => {
    for (const file of ['/etc/passwd', '/proc/self/environ', join(gw.userDir, '.credential-secret')]) {
      const a = await check({ dbcSource: 'file', dbcFile: file });
      assert.equal(a.ok, false, file);
      assert.match(a.error!.message, /is not a \.dbc file/, file);
      assert.doesNotMatch(JSON.stringify(a), /root:|PATH=|[0-9a-f]{64}/, `${file}: nothing of the content`);
    }
    const link = join(dir, 'looks-fine.dbc');
    symlinkSync(join(gw.userDir, '.credential-secret'), link);
    const a = await check({ dbcSource: 'file', dbcFile: link });
    assert.match(a.error!.message, /points at .*\.credential-secret, which is not a \.dbc file/);
    const secret = readFileSync(join(gw.userDir, '.credential-secret'), 'utf8').trim();
    assert.ok(!JSON.stringify(a).includes(secret));
  });

  test('a ${VAR} reference is checked as the runtime runs it, and its value is never shown', async () => {
    const demo = await check({ dbcSource: 'file', dbcFile: '${EDGEGW_DEMO_DBC}' });
    assert.equal(demo.ok, true, JSON.stringify(demo));
    const home = await check({ dbcSource: 'file', dbcFile: '${HOME}' });
    assert.equal(home.ok, false);
    assert.match(home.error!.message, /cannot read \$\{HOME\}: is not a \.dbc file/);
    if (process.env.HOME) assert.ok(!home.error!.message.includes(process.env.HOME), home.error!.message);
    const unset = await check({ dbcSource: 'file', dbcFile: '${EDGEGW_NO_SUCH_VARIABLE}' });
    assert.match(unset.error!.message, /the environment variable EDGEGW_NO_SUCH_VARIABLE is not set in the runtime/);
  });

  test("a DBC file's syntax error gives line and column but not the file's text", async () => {
    const bad = join(dir, 'bad.dbc');
    writeFileSync(bad, 'VERSION ""\n\nBO_ 100 M: 8 ECU\n SG_ S : 0|8@1+ (1,0) [0|PRIVATE-TEXT-HERE CCC\n');
    const a = await check({ dbcSource: 'file', dbcFile: bad });
    assert.equal(a.ok, false);
    assert.equal(a.error!.line, 4);
    assert.doesNotMatch(JSON.stringify(a), /PRIVATE-TEXT-HERE/);
    // pasted text is the user's own: the editor may quote it back
    const pasted = await check({ dbcSource: 'text', dbcText: readFileSync(bad, 'utf8') });
    assert.equal(pasted.error!.line, 4);
  });
});

describe('files named by a settings file and by the CLI', () => {
  test('devices[].tags naming /dev/zero or a FIFO: the start is refused at once, naming the file', async (t) => {
    const targets = ['/dev/zero', ...(fifo ? [fifo.replace(/\.dbc$/, '')] : [])];
    if (fifo) execFileSync('mkfifo', [targets[1]]);
    else t.diagnostic('FIFO case skipped: mkfifo not available');
    for (const target of targets) {
      const userDir = mkdtempSync(join(tmpdir(), 'edgegw-hostile-ud-'));
      try {
        const settings = join(userDir, 'edge-gateway.yaml');
        writeFileSync(settings, `devices:\n  - name: meter\n    host: 127.0.0.1\n    port: 5020\n    unit: 1\n    tags: ${target}\n`);
        const r = await runCli(['--config', settings, '--user-dir', userDir, '--port', '0', '--broker-port', '0', '--sim-port', '0'], { timeoutMs: 30_000 });
        assert.equal(r.code, 2, `${target}: ${r.stderr}${r.stdout}`);
        assert.match(
          r.stderr,
          new RegExp(`devices\\[0\\]\\.tags: cannot read the tag table ${target.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}: is a (character device|FIFO \\(named pipe\\)), not a regular file`),
        );
      } finally {
        rmSync(userDir, { recursive: true, force: true });
      }
    }
  });

  test('edge-gateway dbc check /dev/zero and modbus read --tags FIFO exit 2 at once', async (t) => {
    const d = await runCli(['dbc', 'check', '/dev/zero'], { timeoutMs: 30_000 });
    assert.equal(d.code, 2);
    assert.match(d.stderr, /cannot read \/dev\/zero: is a character device, not a regular file/);
    if (!fifo) return t.skip('mkfifo not available');
    const m = await runCli(['modbus', 'read', '--tcp', '127.0.0.1:1', '--unit', '1', '--tags', fifo], { timeoutMs: 30_000 });
    assert.equal(m.code, 2);
    assert.match(m.stderr, /cannot read tag table .*pipe\.dbc: is a FIFO \(named pipe\), not a regular file/);
  });
});
