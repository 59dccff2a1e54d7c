// Two gateways on one user directory (issue 19): the second refuses to start, naming the first's
// pid; after the first is killed with SIGKILL its lock is stale and a new start takes it over.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { runCli, startGatewayProcess } from '../helpers/gateway';
import { freePort } from '../helpers/process';

test('a second gateway on the same user directory is refused; a killed one leaves a lock the next start takes over', async () => {
  const first = await startGatewayProcess();
  const lock = join(first.userDir, 'edge-gateway.pid');
  try {
    assert.equal(readFileSync(lock, 'utf8').trim(), String(first.peer.proc.pid));
    const ports = await Promise.all([freePort(), freePort(), freePort()]);
    const second = await runCli(['--user-dir', first.userDir, '--port', String(ports[0]), '--broker-port', String(ports[1]), '--sim-port', String(ports[2])], { timeoutMs: 30_000 });
    assert.equal(second.code, 2, second.stderr + second.stdout);
    assert.match(second.stderr, new RegExp(`another edge-gateway \\(pid ${first.peer.proc.pid}\\) runs on it`));
    assert.equal((await fetch(`${first.base}/health`)).status, 200, 'the first runs on');

    await first.stop('SIGKILL');
    assert.ok(existsSync(lock), 'SIGKILL leaves the lock behind');
    const next = await startGatewayProcess({ userDir: first.userDir });
    try {
      assert.equal(readFileSync(lock, 'utf8').trim(), String(next.peer.proc.pid));
    } finally {
      await next.stop();
    }
    assert.ok(!existsSync(lock), 'a clean stop removes the lock');
    // a pid that now belongs to another program is not an owner
    const other = spawn('sleep', ['60']);
    try {
      writeFileSync(lock, `${other.pid}\n`);
      const after = await startGatewayProcess({ userDir: first.userDir });
      await after.stop();
    } finally {
      other.kill();
    }
  } finally {
    first.cleanup();
  }
});
