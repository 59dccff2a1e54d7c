// One TCP client of the Modbus server, served with backpressure. Requests are taken out of the
// framer one at a time and answered; when the socket's write buffer is full (the client sends
// and does not read) the socket is paused until it drains, so a client can never make the
// server hold more than one socket buffer of answers. What a connection may hold is capped:
// unprocessed input (maxInputBytes) and unsent output (maxOutputBytes); past either, or after
// idleTimeoutMs without traffic, the connection is closed.
import type { Socket } from 'node:net';
import { DEFAULT_IDLE_TIMEOUT_S } from './fields';

export interface ConnectionLimits {
  /** bytes received and not yet answered (default 256 KiB) */
  maxInputBytes: number;
  /** answers written and not yet taken by the client (default 1 MiB) */
  maxOutputBytes: number;
  /** close a connection with no traffic either way for this long; 0: never (default 120 s) */
  idleTimeoutMs: number;
}

export const DEFAULT_CONNECTION_LIMITS: Readonly<ConnectionLimits> = { maxInputBytes: 256 * 1024, maxOutputBytes: 1024 * 1024, idleTimeoutMs: DEFAULT_IDLE_TIMEOUT_S * 1000 };

export type DropReason = 'idle' | 'input' | 'output' | 'framing';

export interface RequestFramer<R> {
  append(chunk: Buffer): void;
  /** the next request, undefined when more bytes are needed; may throw when the stream is not Modbus */
  next(): R | undefined;
  pending(): number;
}

export interface ConnectionHandlers<R> {
  /** the framed answer to a request, or undefined when none is due */
  answer(req: R): Buffer | undefined;
  /** the connection is being closed by us, and why */
  dropped(reason: DropReason, detail: string): void;
}

export class ServerConnection<R> {
  private waitingForDrain = false;

  constructor(
    readonly sock: Socket,
    private readonly framer: RequestFramer<R>,
    private readonly limits: ConnectionLimits,
    private readonly handlers: ConnectionHandlers<R>,
  ) {
    sock.on('data', (chunk: Buffer) => this.onData(chunk));
    sock.on('drain', () => {
      if (!this.waitingForDrain) return;
      this.waitingForDrain = false;
      sock.resume();
      this.serve();
    });
    if (limits.idleTimeoutMs > 0) {
      sock.setTimeout(limits.idleTimeoutMs, () => this.drop('idle', `no traffic for ${Math.round(limits.idleTimeoutMs / 1000)} s`));
    }
  }

  /** Bytes of answers written and not yet taken by the client. */
  bufferedOut(): number {
    return this.sock.writableLength;
  }

  private onData(chunk: Buffer): void {
    this.framer.append(chunk);
    if (!this.waitingForDrain) this.serve();
    // what is left is waiting for the client to take its answers (or is a partial frame)
    if (this.framer.pending() > this.limits.maxInputBytes) {
      this.drop('input', `${this.framer.pending()} bytes of requests held unanswered (limit ${this.limits.maxInputBytes})`);
    }
  }

  private serve(): void {
    const sock = this.sock;
    while (!sock.destroyed) {
      let req: R | undefined;
      try {
        req = this.framer.next();
      } catch (err) {
        // a Modbus TCP stream cannot be resynchronised: drop the client, it will reconnect
        this.drop('framing', (err as Error).message);
        return;
      }
      if (req === undefined) return;
      const answer = this.handlers.answer(req);
      if (!answer || sock.destroyed) continue;
      const more = sock.write(answer);
      if (sock.writableLength > this.limits.maxOutputBytes) {
        this.drop('output', `${sock.writableLength} bytes of answers not taken by the client (limit ${this.limits.maxOutputBytes})`);
        return;
      }
      if (!more) {
        // the client is not reading: stop reading from it until it takes what it was sent
        this.waitingForDrain = true;
        sock.pause();
        return;
      }
    }
  }

  private drop(reason: DropReason, detail: string): void {
    if (this.sock.destroyed) return;
    this.handlers.dropped(reason, detail);
    this.sock.destroy();
  }
}
