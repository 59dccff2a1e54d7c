// `edge-gateway dbc decode` with hostile input: bounded lines, output chunks bounded by bytes,
// a directory as LOG, a reader that goes away. In-process, with real streams and files.
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough, Readable, Writable } from 'node:stream';
import { boundedLines, UsageError } from '../../../runtime/commands/io';
import { dbcCommand, LineWriter, MAX_LINE_BYTES } from '../../../runtime/commands/dbc';

const DBC = `VERSION ""
BU_: ECU
BO_ 256 Status: 2 ECU
 SG_ Temp : 0|16@1+ (0.1,0) [0|1000] "degC" ECU
`;

async function collect(chunks: Array<Buffer | string>, max: number) {
  const out = [];
  for await (const l of boundedLines(Readable.from(chunks), max)) out.push(l);
  return out;
}

describe('boundedLines', () => {
  test('splits lines across chunks, drops \\r before \\n, keeps a last line without \\n', async () => {
    assert.deepEqual(await collect(['ab', 'c\r\nde', 'f\n\nlast'], 100), [{ text: 'abc' }, { text: 'def' }, { text: '' }, { text: 'last' }]);
    assert.deepEqual(await collect([Buffer.from('é\n', 'utf8').subarray(0, 1), Buffer.from('é\n', 'utf8').subarray(1)], 10), [{ text: 'é' }]);
  });
  test('a line over the limit is reported by its length, the lines around it are intact', async () => {
    const long = 'x'.repeat(25);
    assert.deepEqual(await collect(['ok1\n', long.slice(0, 10), long.slice(10) + '\nok2\n'], 20), [{ text: 'ok1' }, { overLimit: 25 }, { text: 'ok2' }]);
    assert.deepEqual(await collect(['y'.repeat(21)], 20), [{ overLimit: 21 }], 'unterminated at the end');
    assert.deepEqual(await collect(['z'.repeat(20) + '\n'], 20), [{ text: 'z'.repeat(20) }], 'exactly the limit is kept');
  });
  test('20 MB without a newline streams through and is reported, not held', async () => {
    const block = Buffer.alloc(64 * 1024, 0x41);
    async function* source() {
      for (let i = 0; i < 320; i++) yield block;
      yield Buffer.from('\n(1.0) can0 100#0102\n');
    }
    const got = [];
    for await (const l of boundedLines(source(), MAX_LINE_BYTES)) got.push(l);
    assert.deepEqual(got, [{ overLimit: 320 * 64 * 1024 }, { text: '(1.0) can0 100#0102' }]);
  });
});

describe('LineWriter', () => {
  test('flushes by bytes too: each write stays near the byte bound however long the lines', async () => {
    const sizes: number[] = [];
    const sink = new Writable({
      write(chunk: Buffer, _enc, cb) {
        sizes.push(chunk.length);
        cb();
      },
    });
    const w = new LineWriter(sink, 512, 64 * 1024);
    for (let i = 0; i < 100; i++) await w.push('L'.repeat(10 * 1024));
    await w.flush();
    assert.equal(
      sizes.reduce((a, b) => a + b, 0),
      100 * (10 * 1024 + 1),
    );
    assert.ok(sizes.length >= 15, `${sizes.length} writes`);
    assert.ok(Math.max(...sizes) <= 64 * 1024 + 10 * 1024 + 1, `largest write ${Math.max(...sizes)}`);
  });
  test('a closed output rejects instead of waiting for a drain that never comes', async () => {
    const sink = new Writable({ highWaterMark: 1, write: (_c, _e, cb) => setImmediate(cb) });
    const w = new LineWriter(sink, 1, 1);
    sink.destroy();
    await assert.rejects(w.push('x'), (e: NodeJS.ErrnoException) => e.code === 'ERR_STREAM_DESTROYED');
  });
});

describe('dbc decode, hostile input', () => {
  let dir: string;
  let dbc: string;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'edgegw-dbc-bounds-'));
    dbc = join(dir, 'x.dbc');
    writeFileSync(dbc, DBC);
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  async function run(argv: string[], input: Readable) {
    const stdout = new PassThrough();
    const stderr = new PassThrough();
    let out = '';
    let err = '';
    stdout.on('data', (b) => (out += b));
    stderr.on('data', (b) => (err += b));
    const code = await dbcCommand(argv, { stdin: input, stdout, stderr });
    return { code, out, err };
  }

  test('a 5 MB line without a newline is skipped and named; the lines after it are decoded', async () => {
    async function* source() {
      yield Buffer.from('(1.0) can0 100#6400\n');
      for (let i = 0; i < 80; i++) yield Buffer.alloc(64 * 1024, 0x42);
      yield Buffer.from('\n(2.0) can0 100#C800\n');
    }
    const r = await run(['decode', dbc], Readable.from(source()));
    assert.equal(r.code, 1);
    assert.equal(r.err.split('\n')[0], `<stdin>:2: line of ${80 * 64 * 1024} bytes is longer than ${MAX_LINE_BYTES}: not a candump line, skipped`);
    assert.ok(r.err.length < 500, 'the long line itself is not echoed');
    const lines = r.out
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    assert.deepEqual(
      lines.map((l) => [l.ts, l.signals.Temp]),
      [
        [1, 10],
        [2, 20],
      ],
    );
  });

  test('a directory as LOG is a usage error (exit 2), not EISDIR with a trace', async () => {
    await assert.rejects(
      run(['decode', dbc, dir], Readable.from([])),
      (e: Error) => e instanceof UsageError && e.message === `dbc decode: ${dir} is a directory; LOG must be a candump log file (or "-" for stdin)`,
    );
  });

  test('the reader going away (EPIPE) ends the decode quietly with 0', async () => {
    const lines = Array.from({ length: 20000 }, (_, i) => `(${i}.0) can0 100#6400`).join('\n');
    const stdout = new Writable({
      highWaterMark: 1024,
      write(_c, _e, cb) {
        cb(Object.assign(new Error('write EPIPE'), { code: 'EPIPE', syscall: 'write' }));
      },
    });
    stdout.on('error', () => undefined); // the CLI's process.stdout handler does this job
    const stderr = new PassThrough();
    let err = '';
    stderr.on('data', (b) => (err += b));
    const code = await dbcCommand(['decode', dbc], { stdin: Readable.from([lines]), stdout, stderr });
    assert.equal(code, 0);
    assert.equal(err, '');
  });
});
