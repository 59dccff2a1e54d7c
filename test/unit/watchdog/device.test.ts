// The hardware watchdog writer against stand-ins for /dev/watchdog: a plain file (every byte
// written stays there) and a FIFO (what a reader on the other end sees).
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { createReadStream, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { HardwareWatchdog, WatchdogDeviceError, KEEPALIVE_BYTE, MAGIC_CLOSE } from '../../../lib/watchdog';
import { haveCommand, needPeers } from '../../helpers/peers';

function tempDir(): string {
  return mkdtempSync(join(tmpdir(), 'edgegw-wd-'));
}

describe('HardwareWatchdog', () => {
  test('writes keepalives and the magic close character into a file standing in for the device', () => {
    const dir = tempDir();
    try {
      const dev = join(dir, 'watchdog');
      writeFileSync(dev, '');
      const wd = new HardwareWatchdog(dev);
      wd.open();
      wd.kick();
      wd.kick();
      wd.kick();
      assert.equal(readFileSync(dev, 'utf8'), KEEPALIVE_BYTE.repeat(3));
      assert.equal(wd.close(), undefined);
      assert.equal(readFileSync(dev, 'utf8'), KEEPALIVE_BYTE.repeat(3) + MAGIC_CLOSE);
      assert.equal(wd.isOpen, false);
      assert.equal(wd.close(), undefined, 'a second close is a no-op');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('close(false) leaves the device armed: no magic character', () => {
    const dir = tempDir();
    try {
      const dev = join(dir, 'watchdog');
      writeFileSync(dev, '');
      const wd = new HardwareWatchdog(dev);
      wd.open();
      wd.kick();
      wd.close(false);
      assert.equal(readFileSync(dev, 'utf8'), KEEPALIVE_BYTE);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('a device that cannot be opened is a clear error, and no file is created', () => {
    const dir = tempDir();
    try {
      const missing = join(dir, 'nope');
      assert.throws(
        () => new HardwareWatchdog(missing).open(),
        (e: unknown) => e instanceof WatchdogDeviceError && e.code === 'ENOENT' && e.message.includes(missing) && /no such device/.test(e.message),
      );
      assert.throws(
        () => new HardwareWatchdog(dir).open(),
        (e: unknown) => e instanceof WatchdogDeviceError && e.op === 'open' && e.message.includes(dir),
      );
      assert.throws(() => new HardwareWatchdog(missing).kick(), /not open/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('a FIFO: the reader sees the keepalives and the magic close; without a reader open fails at once', needPeers(['mkfifo', haveCommand('mkfifo'), 'apt-get install coreutils']), async () => {
    const dir = tempDir();
    try {
      const fifo = join(dir, 'watchdog');
      assert.equal(spawnSync('mkfifo', [fifo]).status, 0);
      assert.throws(
        () => new HardwareWatchdog(fifo).open(),
        (e: unknown) => e instanceof WatchdogDeviceError && e.code === 'ENXIO' && /nothing is reading/.test(e.message),
      );
      const reader = createReadStream(fifo, { encoding: 'utf8' });
      let seen = '';
      reader.on('data', (d) => (seen += d.toString())); // a string already: the stream decodes utf8
      const ended = new Promise<void>((r) => reader.once('end', () => r()));
      const wd = new HardwareWatchdog(fifo);
      // the read side opens asynchronously: retry the open until it is there (bounded)
      const deadline = Date.now() + 20_000;
      for (;;) {
        try {
          wd.open();
          break;
        } catch (err) {
          if ((err as WatchdogDeviceError).code !== 'ENXIO' || Date.now() > deadline) throw err;
          await new Promise((r) => setTimeout(r, 20));
        }
      }
      wd.kick();
      wd.kick();
      wd.close();
      await ended;
      assert.equal(seen, KEEPALIVE_BYTE + KEEPALIVE_BYTE + MAGIC_CLOSE);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
