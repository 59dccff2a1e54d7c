// The native parts' probe: which did not load, what that turns off, and the command that fixes it:
// npm install when the package is absent, npm rebuild with the build prerequisites when its add-on
// failed (no compiler, another Node version).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { nativePartsNotice, probeNativeParts } from '../../../lib/system/process/native-parts';

test('a missing native part: install it when absent, rebuild it with its prerequisites when its add-on failed', () => {
  const missing = probeNativeParts((name) => {
    if (name === 'sqlite3') throw Object.assign(new Error("Cannot find module 'sqlite3'\nRequire stack: ..."), { code: 'MODULE_NOT_FOUND' });
    if (name === 'socketcan') throw new Error('/usr/lib/node_modules/socketcan/build/Release/can.node: invalid ELF header');
    if (name === 'serialport') throw Object.assign(new Error("Cannot find module '/x/node_modules/@serialport/bindings-cpp/build/Release/bindings.node'"), { code: 'MODULE_NOT_FOUND' });
    return {};
  });
  assert.deepEqual(
    missing.map((m) => [m.name, m.installed, m.fix]),
    [
      ['sqlite3', false, 'cd ~/.node-red && npm install sqlite3'],
      ['serialport', true, 'sudo apt-get install build-essential python3 && cd ~/.node-red && npm rebuild serialport'],
      ['socketcan', true, 'sudo apt-get install build-essential python3 && cd ~/.node-red && npm rebuild socketcan'],
    ],
  );
  assert.equal(missing[0].reason, "Cannot find module 'sqlite3'", 'the first line of the error');
  const notice = nativePartsNotice(missing)!;
  assert.match(notice, /^native parts missing: sqlite3 is not installed .*off: durable store & forward queues.*fix: cd ~\/\.node-red && npm install sqlite3 \| serialport did not load/);
  assert.equal(nativePartsNotice([]), undefined);
});
