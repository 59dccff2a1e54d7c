// `edge-gateway dbc check|decode`: look into a DBC file, and decode candump logs with it, from a
// shell, with the same parser and codec as the dbc-decode node.
//
// Exit codes: 0 success (also when the reader of the output goes away: `... | head`); 1 the DBC
// file has a syntax error, or (decode) some log lines were malformed or longer than
// MAX_LINE_BYTES (each named on stderr; the other lines are still decoded); 2 bad usage or a
// file that cannot be read (a directory given as the LOG is bad usage).
import { createReadStream, statSync } from 'node:fs';
import { FILE_LIMITS, FileReadError, readBoundedFile } from '../../lib/system/fs/bounded-read';
import type { Readable, Writable } from 'node:stream';
import { CandumpSyntaxError, parseCandumpLine } from '../../lib/can/candump';
import { DbcCodec } from '../../lib/can/codec';
import { DbcSyntaxError, parseDbc, type DbcMessage, type DbcSignal, type ParseDbcResult } from '../../lib/can/dbc';
import { boundedLines, isBrokenPipe, UsageError, type CliIO, type Subcommand } from './io';

/** Longest candump line decoded: a CAN FD line is under 200 bytes; anything this long is not one. */
export const MAX_LINE_BYTES = 64 * 1024;
/** Output is written in chunks of at most this many lines or bytes, whichever comes first. */
export const OUTPUT_CHUNK_LINES = 512;
export const OUTPUT_CHUNK_BYTES = 64 * 1024;

const HELP = `usage:
  edge-gateway dbc check FILE.dbc
  edge-gateway dbc decode FILE.dbc [LOG]

check   parses the file and prints its messages, signals and warnings; a syntax error is
        printed as FILE:LINE:COLUMN and the exit code is 1.
decode  decodes a candump log (candump -l format, "(ts) iface ID#DATA", CAN FD "ID##FDATA")
        from LOG, or from stdin when LOG is absent or "-", into JSON lines:
          {"ts": <seconds|null>, "id": <id>, "extended": <bool>, "message": "<name>", "signals": {...}}
        Values are scaled (factor and offset applied), without value-table labels; integers
        beyond 2^53 and NaN/Infinity are written as strings. Frames the DBC does not describe,
        remote and error frames are skipped. A malformed line, or one longer than 64 KiB, is
        reported on stderr with its line number and skipped; the exit code is then 1.`;

function readDbc(file: string, io: CliIO): ParseDbcResult | number {
  let bytes: Buffer;
  try {
    bytes = readBoundedFile(file, { maxBytes: FILE_LIMITS.dbc });
  } catch (err) {
    if (!(err instanceof FileReadError)) throw err;
    io.stderr.write(`edge-gateway dbc: ${err.message}\n`);
    return 2;
  }
  try {
    return parseDbc(bytes, { filename: file });
  } catch (err) {
    if (!(err instanceof DbcSyntaxError)) throw err;
    io.stderr.write(`${err.message}\n`);
    return 1;
  }
}

function hexId(m: DbcMessage): string {
  return `0x${m.id
    .toString(16)
    .toUpperCase()
    .padStart(m.extended ? 8 : 3, '0')}`;
}

function muxText(s: DbcSignal): string {
  const parts: string[] = [];
  if (s.multiplexer) parts.push('multiplexer');
  if (s.multiplexerRanges) {
    const values = s.multiplexerRanges.map(([lo, hi]) => (lo === hi ? `${lo}` : `${lo}-${hi}`)).join(',');
    parts.push(s.multiplexerSignal ? `when ${s.multiplexerSignal} = ${values}` : `m${values}, no switch: never decoded`);
  }
  return parts.length ? `  [${parts.join('; ')}]` : '';
}

function signalLine(s: DbcSignal): string {
  const layout = `${s.startBit}|${s.length}@${s.byteOrder === 'little_endian' ? '1' : '0'}${s.signed ? '-' : '+'}`;
  const type = s.valueType === 'integer' ? '' : ` ${s.valueType}`;
  const unit = s.unit ? ` "${s.unit}"` : '';
  const table = s.valueTable?.size ? `  {${s.valueTable.size} labels}` : '';
  return `    ${s.name}  ${layout}${type}  (${s.factor},${s.offset})  [${s.min}|${s.max}]${unit}${muxText(s)}${table}`;
}

function count(n: number, noun: string): string {
  return `${n} ${noun}${n === 1 ? '' : 's'}`;
}

function check(file: string, io: CliIO): number {
  const parsed = readDbc(file, io);
  if (typeof parsed === 'number') return parsed;
  const { db, warnings } = parsed;
  const out: string[] = [];
  const signals = db.messages.reduce((n, m) => n + m.signals.length, 0);
  out.push(`${file}: ${count(db.messages.length, 'message')}, ${count(signals, 'signal')}, ${count(db.nodes.length, 'node')}, ${count(warnings.length, 'warning')}`);
  for (const m of db.messages) {
    const notes = [`${m.length} bytes`];
    if (m.extended) notes.push('extended');
    if (m.fd) notes.push('CAN FD');
    if (m.senders.length) notes.push(`from ${m.senders.join(', ')}`);
    if (m.cycleTime !== undefined) notes.push(`every ${m.cycleTime} ms`);
    out.push(`  ${hexId(m)} ${m.name}: ${notes.join(', ')}`);
    for (const s of m.signals) out.push(signalLine(s));
  }
  if (warnings.length) {
    out.push('warnings:');
    for (const w of warnings) out.push(`  ${file}:${w.line}: ${w.message}`);
  }
  io.stdout.write(`${out.join('\n')}\n`);
  return 0;
}

/** JSON with what JSON cannot hold as strings, the way the reference files write it. */
function jsonValue(_key: string, value: unknown): unknown {
  if (typeof value === 'bigint') return value.toString();
  if (typeof value === 'number' && !Number.isFinite(value)) return String(value);
  return value;
}

/**
 * Collects output lines and writes them in chunks bounded by lines and by bytes, waiting when
 * the stream is full; rejects when the stream fails or closes (EPIPE: the reader went away).
 */
export class LineWriter {
  private chunk: string[] = [];
  private bytes = 0;

  constructor(
    private readonly stream: Writable,
    private readonly maxLines = OUTPUT_CHUNK_LINES,
    private readonly maxBytes = OUTPUT_CHUNK_BYTES,
  ) {}

  async push(line: string): Promise<void> {
    this.chunk.push(line);
    this.bytes += line.length + 1;
    if (this.chunk.length >= this.maxLines || this.bytes >= this.maxBytes) await this.flush();
  }

  async flush(): Promise<void> {
    if (this.chunk.length === 0) return;
    const text = `${this.chunk.join('\n')}\n`;
    this.chunk = [];
    this.bytes = 0;
    const s = this.stream;
    if (s.destroyed || s.writableEnded) throw Object.assign(new Error('output closed'), { code: 'ERR_STREAM_DESTROYED' });
    await new Promise<void>((resolve, reject) => {
      const done = (err?: Error | null) => {
        s.off('error', done);
        s.off('close', closed);
        s.off('drain', drained);
        if (err) reject(err);
        else resolve();
      };
      const closed = () => done(Object.assign(new Error('output closed'), { code: 'ERR_STREAM_DESTROYED' }));
      const drained = () => done();
      s.once('error', done);
      s.once('close', closed);
      if (s.write(text)) done();
      else s.once('drain', drained);
    });
  }
}

async function decode(file: string, log: string | undefined, io: CliIO): Promise<number> {
  const parsed = readDbc(file, io);
  if (typeof parsed === 'number') return parsed;
  const codec = new DbcCodec(parsed.db);
  const logName = log === undefined || log === '-' ? '<stdin>' : log;
  let input: Readable;
  if (logName === '<stdin>') {
    input = io.stdin;
  } else {
    let isDirectory = false;
    try {
      isDirectory = statSync(log!).isDirectory();
    } catch {
      /* reported by the open below, with its reason */
    }
    if (isDirectory) throw new UsageError(`dbc decode: ${log} is a directory; LOG must be a candump log file (or "-" for stdin)`);
    input = createReadStream(log!);
    const opened = await new Promise<Error | null>((resolve) => {
      input.once('open', () => resolve(null));
      input.once('error', resolve);
    });
    if (opened) {
      io.stderr.write(`edge-gateway dbc: cannot read ${log}: ${opened.message}\n`);
      return 2;
    }
  }
  const out = new LineWriter(io.stdout);
  let lineNo = 0;
  let malformed = 0;
  try {
    for await (const next of boundedLines(input, MAX_LINE_BYTES)) {
      lineNo++;
      if (next.overLimit !== undefined) {
        malformed++;
        io.stderr.write(`${logName}:${lineNo}: line of ${next.overLimit} bytes is longer than ${MAX_LINE_BYTES}: not a candump line, skipped\n`);
        continue;
      }
      const line = next.text;
      let frame;
      try {
        frame = parseCandumpLine(line, lineNo);
      } catch (err) {
        if (!(err instanceof CandumpSyntaxError)) throw err;
        malformed++;
        io.stderr.write(`${logName}:${lineNo}: ${err.message}\n`);
        continue;
      }
      if (!frame || frame.rtr || frame.error) continue;
      const decoded = codec.decode(frame.id, frame.extended, frame.data);
      if (!decoded) continue;
      await out.push(JSON.stringify({ ts: frame.ts ?? null, id: frame.id, extended: frame.extended, message: decoded.message.name, signals: decoded.signals }, jsonValue));
    }
    await out.flush();
  } catch (err) {
    if (isBrokenPipe(err)) return 0; // the reader went away (`| head`): a normal end
    const e = err as NodeJS.ErrnoException;
    if (e.code && e.syscall) {
      io.stderr.write(`edge-gateway dbc: cannot read ${logName}: ${e.code} (${e.message})\n`);
      return 2;
    }
    throw err;
  } finally {
    if (input !== io.stdin) input.destroy();
  }
  if (malformed) {
    io.stderr.write(`edge-gateway dbc: ${malformed} malformed line${malformed === 1 ? '' : 's'} of ${lineNo} in ${logName} skipped\n`);
    return 1;
  }
  return 0;
}

export const dbcCommand: Subcommand = async (argv, io) => {
  const [action, ...rest] = argv;
  if (action === undefined) throw new UsageError('dbc needs an action: check or decode (see edge-gateway dbc --help)');
  if (action === '--help' || action === '-h' || action === 'help') {
    io.stdout.write(`${HELP}\n`);
    return 0;
  }
  if (rest.includes('--help') || rest.includes('-h')) {
    io.stdout.write(`${HELP}\n`);
    return 0;
  }
  const unknownOption = rest.find((a) => a.startsWith('-') && a !== '-');
  if (unknownOption) throw new UsageError(`dbc ${action}: unknown option ${unknownOption} (see edge-gateway dbc --help)`);
  switch (action) {
    case 'check':
      if (rest.length !== 1) throw new UsageError('dbc check needs exactly one FILE.dbc');
      return check(rest[0], io);
    case 'decode':
      if (rest.length < 1 || rest.length > 2) throw new UsageError('dbc decode needs FILE.dbc and optionally a LOG file (stdin when absent or "-")');
      return decode(rest[0], rest[1], io);
    default:
      throw new UsageError(`unknown dbc action "${action}" (check or decode)`);
  }
};
