// What a CLI subcommand gets: its arguments (after the subcommand name) and its streams.
// A subcommand returns its exit code; it never calls process.exit itself, so tests can run it
// in-process.
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
