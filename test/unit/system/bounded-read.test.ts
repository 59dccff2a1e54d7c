// The one reader for files that configuration names: regular files only, a size limit, an error
// naming the file and the problem, never its content.
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FileReadError, readBoundedFile, readBoundedText, readBoundedTextIfExists } from '../../../lib/system/fs/bounded-read';

let dir: string;
before(() => {
  dir = mkdtempSync(join(tmpdir(), 'edgegw-bounded-'));
});
after(() => rmSync(dir, { recursive: true, force: true }));

function refused(fn: () => unknown, problem: string, reason: RegExp): FileReadError {
  try {
    fn();
  } catch (err) {
    assert.ok(err instanceof FileReadError, `FileReadError, got ${String(err)}`);
    assert.equal(err.problem, problem);
    assert.match(err.reason, reason);
    assert.equal(err.message, `cannot read ${err.path}: ${err.reason}`);
    return err;
  }
  assert.fail('was read');
}

describe('readBoundedFile', () => {
  test('a regular file within the limit is read whole, at the limit too', () => {
    const file = join(dir, 'ok.dbc');
    writeFileSync(file, 'VERSION "x"\n');
    assert.equal(readBoundedText(file, { maxBytes: 1024 }), 'VERSION "x"\n');
    assert.equal(readBoundedFile(file, { maxBytes: 12 }).length, 12);
    const big = join(dir, 'big.bin');
    writeFileSync(big, Buffer.alloc(300_000, 7));
    assert.equal(readBoundedFile(big, { maxBytes: 300_000 }).length, 300_000);
  });

  test('a file over the limit is refused with its size and the limit', () => {
    const file = join(dir, 'large.csv');
    writeFileSync(file, Buffer.alloc(3 * 1024 * 1024));
    refused(() => readBoundedFile(file, { maxBytes: 1024 * 1024 }), 'too-large', /^is 3 MiB, larger than the limit of 1 MiB$/);
    refused(() => readBoundedFile(file, { maxBytes: 1000 }), 'too-large', /larger than the limit of 1000 bytes/);
  });

  test('/dev/zero (endless) is refused at once, not read', () => {
    refused(() => readBoundedFile('/dev/zero', { maxBytes: 1024 }), 'not-a-file', /^is a character device, not a regular file$/);
  });

  test('a FIFO with no writer is refused at once instead of blocking', () => {
    const fifo = join(dir, 'pipe.dbc');
    try {
      execFileSync('mkfifo', [fifo]);
    } catch {
      if (process.env.CI === 'true') throw new Error('mkfifo (coreutils) is missing');
      console.log('# skipped: mkfifo not available');
      return;
    }
    refused(() => readBoundedFile(fifo, { maxBytes: 1024 }), 'not-a-file', /^is a FIFO \(named pipe\), not a regular file$/);
  });

  test('a directory and a missing file say so', () => {
    refused(() => readBoundedFile(dir, { maxBytes: 1024 }), 'not-a-file', /directory/);
    const e = refused(() => readBoundedFile(join(dir, 'nope.csv'), { maxBytes: 1024 }), 'not-found', /^file not found \(ENOENT\)$/);
    assert.equal(e.code, 'ENOENT');
    assert.equal(readBoundedTextIfExists(join(dir, 'nope.csv'), { maxBytes: 1024 }), undefined);
  });

  test('a file whose size the system does not know (/proc) is bounded while it is read', () => {
    // /proc/self/status stats as 0 bytes and holds far more than 10
    refused(() => readBoundedFile('/proc/self/status', { maxBytes: 10 }), 'too-large', /larger than the limit of 10 bytes/);
    assert.match(readBoundedText('/proc/self/status', { maxBytes: 1024 * 1024 }), /^Name:/);
  });

  test('an extension rule holds for the name and for what a link points at; the content is never in the error', () => {
    const secret = join(dir, 'secret.txt');
    writeFileSync(secret, 'TOP-SECRET-VALUE\n');
    const e1 = refused(() => readBoundedFile(secret, { maxBytes: 1024, extensions: ['.dbc'] }), 'wrong-kind', /^is not a \.dbc file$/);
    assert.doesNotMatch(e1.message, /TOP-SECRET/);
    const link = join(dir, 'innocent.dbc');
    symlinkSync(secret, link);
    const e2 = refused(() => readBoundedFile(link, { maxBytes: 1024, extensions: ['.dbc'] }), 'wrong-kind', /points at .*secret\.txt, which is not a \.dbc file/);
    assert.doesNotMatch(e2.message, /TOP-SECRET/);
    const upper = join(dir, 'UPPER.DBC');
    writeFileSync(upper, 'VERSION ""\n');
    assert.equal(readBoundedText(upper, { maxBytes: 1024, extensions: ['.dbc'] }), 'VERSION ""\n');
  });
});
