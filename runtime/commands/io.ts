// What a CLI subcommand gets: its arguments (after the subcommand name) and its streams.
// A subcommand returns its exit code; it never calls process.exit itself, so tests can run it
// in-process.
import { userInfo } from 'node:os';
import type { Readable, Writable } from 'node:stream';

export interface CliIO {
  stdin: Readable;
  stdout: Writable;
  stderr: Writable;
}

export type Subcommand = (argv: string[], io: CliIO) => Promise<number>;

export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

/** Who runs the command, as the audit log names it: "cli:<login name>". */
export function cliActor(): string {
  try {
    return `cli:${userInfo().username}`;
  } catch {
    return `cli:uid-${process.getuid?.() ?? 'unknown'}`;
  }
}

/** Rows of cells as aligned columns, two spaces apart (the first row is the header). */
export function formatTable(rows: readonly string[][]): string {
  const widths = rows[0].map((_, c) => Math.max(...rows.map((r) => r[c].length)));
  return rows
    .map((r) =>
      r
        .map((cell, c) => cell.padEnd(widths[c]))
        .join('  ')
        .trimEnd(),
    )
    .join('\n');
}

/** The reader of our output went away (`... | head`): a normal end, not an error. */
export function isBrokenPipe(err: unknown): boolean {
  const code = (err as NodeJS.ErrnoException | undefined)?.code;
  return code === 'EPIPE' || code === 'ERR_STREAM_DESTROYED' || code === 'ERR_STREAM_WRITE_AFTER_END';
}

/** A line of input, or the length of one that was over the limit (its bytes were not kept). */
export type BoundedLine = { text: string; overLimit?: undefined } | { text?: undefined; overLimit: number };

/**
 * Splits a byte stream into lines ("\n", a "\r" before it dropped) without ever holding more
 * than `maxLineBytes` of one line: a longer line is skipped as it streams by and reported by
 * its length. readline keeps a line of any length in memory (400 MB without a newline costs
 * 886 MB, 700 MB crashes it).
 */
export async function* boundedLines(input: AsyncIterable<Buffer | string>, maxLineBytes: number): AsyncGenerator<BoundedLine> {
  let parts: Buffer[] = [];
  let held = 0;
  /** bytes of the current line, counted even when they are not kept */
  let lineBytes = 0;
  let skipping = false;
  const finish = (): BoundedLine => {
    const out: BoundedLine = skipping ? { overLimit: lineBytes } : { text: stripCr(Buffer.concat(parts, held)).toString('utf8') };
    parts = [];
    held = 0;
    lineBytes = 0;
    skipping = false;
    return out;
  };
  for await (const raw of input) {
    const chunk = typeof raw === 'string' ? Buffer.from(raw, 'utf8') : raw;
    let start = 0;
    while (start <= chunk.length) {
      const nl = chunk.indexOf(0x0a, start);
      const end = nl < 0 ? chunk.length : nl;
      const piece = chunk.subarray(start, end);
      lineBytes += piece.length;
      if (!skipping) {
        if (held + piece.length > maxLineBytes) {
          skipping = true;
          parts = [];
          held = 0;
        } else if (piece.length > 0) {
          // a copy only when the chunk's remainder would otherwise pin the whole chunk
          parts.push(nl < 0 ? Buffer.from(piece) : piece);
          held += piece.length;
        }
      }
      if (nl < 0) break;
      yield finish();
      start = nl + 1;
    }
  }
  if (lineBytes > 0 || skipping) yield finish();
}

function stripCr(b: Buffer): Buffer {
  return b.length > 0 && b[b.length - 1] === 0x0d ? b.subarray(0, b.length - 1) : b;
}
