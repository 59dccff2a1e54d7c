// The runtime's own messages in the user's language: `edge-gateway --lang ru` (or LANG=ru_RU.UTF-8)
// tells an unknown flag, a port in use and the security refusal in Russian; --lang en-US wins over LANG.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli } from '../helpers/gateway';

test('an unknown flag in Russian with --lang ru or LANG=ru_RU.UTF-8; in English with --lang en-US', async () => {
  const ru = await runCli(['--lang', 'ru', '--prot', '1']);
  assert.equal(ru.code, 2);
  assert.match(ru.stderr, /--prot: неизвестный флаг; может быть, --port\? \(см\. edge-gateway --help\)/);
  const fromLang = await runCli(['--prot', '1'], { env: { LANG: 'ru_RU.UTF-8', LC_ALL: '' } });
  assert.match(fromLang.stderr, /--prot: неизвестный флаг/);
  const en = await runCli(['--lang=en-US', '--prot', '1'], { env: { LANG: 'ru_RU.UTF-8', LC_ALL: '' } });
  assert.match(en.stderr, /--prot: unknown flag; did you mean --port\?/);
});

test('a busy broker port and the security refusal in Russian', async () => {
  const busy = createServer();
  await new Promise<void>((resolve) => busy.listen(0, '127.0.0.1', resolve));
  const port = (busy.address() as { port: number }).port;
  const userDir = mkdtempSync(join(tmpdir(), 'edgegw-lang-'));
  try {
    const inUse = await runCli(['--lang', 'ru', '--user-dir', userDir, '--port', '0', '--broker-port', String(port)]);
    assert.equal(inUse.code, 1, inUse.stderr);
    assert.match(inUse.stderr, new RegExp(`встроенный MQTT-брокер: порт 127\\.0\\.0\\.1:${port} занят \\(другой брокер\\?\\)`));
    const open = await runCli(['--lang', 'ru', '--user-dir', userDir, '--host', '0.0.0.0']);
    assert.equal(open.code, 2);
    assert.match(open.stderr, /отказ слушать 0\.0\.0\.0 без аутентификации администратора/);
    assert.match(open.stderr, /edge-gateway admin add-user ИМЯ/);
  } finally {
    busy.close();
    rmSync(userDir, { recursive: true, force: true });
  }
});
