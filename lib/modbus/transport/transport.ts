// One live connection of a Modbus line, over modbus-serial's client and ports. A fresh client
// and port are made for every connection attempt, so nothing of a broken connection (half-read
// frames, listeners, transaction tables) survives into the next one.
//
// What modbus-serial does and what this wraps around it (read from its source, 8.0.x):
// - TCP (TcpPort): every request gets a transaction id (mod 256) and responses are matched by
//   it, so several requests can be in flight on one socket: the line pipelines up to
//   maxInFlight. Measured on this machine over loopback, 125 registers a request, requests/s at
//   1 / 4 / 8 / 16 in flight: libmodbus server 13.5k / 20.8k / 26.2k / 25.8k, pymodbus
//   7.2k / 9.3k / 12.9k / 14.3k, our ModbusServer 19.5k / 18.1k / 17.8k / 24.6k. Devices that
//   serve one request at a time still work (they read the next request from the socket buffer);
//   the default stays 1 for gateways that do not. A truncated answer on a pipelined stream can
//   glue onto the next answer before anything can tell (TCP has no frame marks): the stream is
//   watched (transport-mbap.ts) and dropped at the first sign, but that one answer may already
//   have been taken; use 1 in flight with devices known to send broken frames.
//   We create and connect the socket ourselves and hand it over with linkTCP, because TcpPort
//   loses its 'close' event after a socket error (ECONNRESET) and has no connect timeout.
// - RTU serial (RTUBufferedPort), RTU over TCP (TelnetPort), ASCII (AsciiPort): no transaction
//   ids, one request at a time. Their receive buffers are flushed before each request so a late
//   answer to a timed-out request is not taken for the next one.
// - Timeouts are ours (one deadline timer per connection, modbus-serial's own timeout is left
//   off), so every request settles exactly once: answer, exception, timeout, garbage or connection loss.
// - The ports' data handlers can throw on malformed input (AsciiPort on a short frame); they are
//   wrapped so a garbage frame fails the request instead of crashing the process, and receive
//   buffers are capped so a peer streaming junk cannot grow memory.
import { EventEmitter } from 'node:events';
import { Socket } from 'node:net';
import ModbusRTU from 'modbus-serial';
import type { TransportConfig } from '../line/types';
import { ModbusConnectionError, ModbusProtocolError, ModbusTimeoutError, whereText } from '../errors';
import { MbapStreamTracker } from './mbap';
import { checkAnswer, isNotSent, issue, mapError, notSent, resetRx } from './answers';
import { performance } from 'node:perf_hooks';
import { MAX_RX_BUFFER, isPipelined, transportText, type ClientInternals, type NodeCallback, type Pending, type SendCallback, type TransportRequest, type TransportResult } from './types';

export * from './types';
export { isNotSent } from './answers';

export class ModbusConnection extends EventEmitter {
  readonly pipelined: boolean;
  private readonly inflight = new Map<number, Pending>();
  private seq = 0;
  private closed = false;
  private deadlineTimer: NodeJS.Timeout | undefined;
  private deadlineAt = Infinity;
  private lostError: Error | undefined;
  /** Modbus TCP only: where the frames of the response stream begin and end */
  private readonly tracker: MbapStreamTracker | undefined;

  constructor(
    readonly config: TransportConfig,
    private readonly client: ClientInternals,
    /** the socket or serial port underneath the modbus-serial port */
    private readonly raw: EventEmitter & { destroy?(): void; destroyed?: boolean },
  ) {
    super();
    this.pipelined = isPipelined(config);
    this.tracker = config.kind === 'tcp' ? new MbapStreamTracker() : undefined;
    this.guardParsers();
    raw.on('close', this.onRawClose);
    raw.on('error', this.onRawError);
    client.on('error', this.onRawError);
  }

  inFlight(): number {
    return this.inflight.size;
  }

  isOpen(): boolean {
    return !this.closed;
  }

  /**
   * Puts a request on the wire. `done` is called exactly once, never synchronously (from the
   * next tick): with the answer, or with the error (exception, timeout, malformed answer, loss).
   */
  send(req: TransportRequest, timeoutMs: number, done: SendCallback): void {
    if (this.closed) {
      process.nextTick(done, req, notSent(new ModbusConnectionError(this.lostError?.message ?? 'connection closed', req.where)), undefined);
      return;
    }
    const seq = ++this.seq;
    const port = this.client._port;
    if (!this.pipelined) resetRx(port);
    const tid = this.pipelined ? port._transactionIdWrite : undefined;
    const deadline = performance.now() + timeoutMs;
    const pending: Pending = { req, done, deadline, timeoutMs, tid, txn: undefined };
    this.inflight.set(seq, pending);
    this.armDeadline(deadline);
    try {
      issue(this.client, req, (err, res) => this.onAnswer(seq, err, res));
    } catch (err) {
      this.settle(seq, new ModbusProtocolError(`request could not be sent: ${(err as Error).message}`, req.where));
      return;
    }
    if (tid !== undefined && this.inflight.has(seq)) pending.txn = this.client._transactions[tid];
  }

  // One timer per connection for every request's deadline instead of one per request: it is
  // armed for the earliest deadline and, when it fires, times out what is due and re-arms for
  // the next. Answers do not touch it, so a steady stream of requests costs no timer work.
  private armDeadline(at: number): void {
    if (this.deadlineTimer) {
      if (this.deadlineAt <= at) return;
      clearTimeout(this.deadlineTimer);
    }
    this.deadlineAt = at;
    this.deadlineTimer = setTimeout(this.onDeadline, Math.max(1, Math.ceil(at - performance.now())));
    this.deadlineTimer.unref(); // armed past the last answer; the open port keeps the process alive
  }

  private readonly onDeadline = (): void => {
    this.deadlineTimer = undefined;
    this.deadlineAt = Infinity;
    if (this.closed) return;
    const now = performance.now();
    let next = Infinity;
    for (const [seq, p] of this.inflight) {
      if (p.deadline <= now) this.settle(seq, new ModbusTimeoutError(p.req.where, p.timeoutMs));
      else if (p.deadline < next) next = p.deadline;
    }
    if (next !== Infinity && !this.closed) this.armDeadline(next);
  };

  private stopDeadline(): void {
    if (this.deadlineTimer) clearTimeout(this.deadlineTimer);
    this.deadlineTimer = undefined;
    this.deadlineAt = Infinity;
  }

  /** Fails whatever is in flight and closes the port; resolves when the port has closed. */
  async destroy(reason = 'connection closed'): Promise<void> {
    this.lose(new ModbusConnectionError(reason));
    const raw = this.raw;
    if (this.config.kind === 'tcp' || this.config.kind === 'rtu-over-tcp') {
      const sock = raw as unknown as Socket;
      if (!sock.destroyed) {
        const closed = new Promise<void>((r) => sock.once('close', () => r()));
        sock.destroy();
        await closed;
      }
    } else {
      const sp = raw as EventEmitter & { isOpen?: boolean; close?(cb: (err?: Error | null) => void): void };
      if (sp.isOpen && sp.close) {
        await new Promise<void>((resolve) => {
          const t = setTimeout(resolve, 2000);
          sp.close!(() => {
            clearTimeout(t);
            resolve();
          });
        });
      }
    }
    raw.removeListener('close', this.onRawClose);
    this.client.removeListener('error', this.onRawError);
    // keep the raw error listener: a late error on a dead port must not crash the process
  }

  private readonly onRawClose = (): void => {
    this.lose(new ModbusConnectionError(this.lostError?.message ?? 'connection closed by the peer'));
  };

  private readonly onRawError = (err: Error): void => {
    this.lostError = new ModbusConnectionError(`connection error: ${err.message}`);
    // sockets always follow an error with 'close'; serial ports may not, so close it ourselves
    if (this.config.kind === 'rtu' || this.config.kind === 'ascii') this.lose(this.lostError);
  };

  private lose(err: Error): void {
    if (this.closed) return;
    this.closed = true;
    this.lostError = err;
    this.stopDeadline();
    for (const [seq, p] of this.inflight) {
      this.inflight.delete(seq);
      process.nextTick(p.done, p.req, new ModbusConnectionError(err.message.replace(/^connection error: /, 'connection lost: '), p.req.where), undefined);
    }
    this.emit('lost', err);
  }

  private onAnswer(seq: number, err: Parameters<NodeCallback>[0], res: unknown): void {
    const p = this.inflight.get(seq);
    if (!p) return; // timed out or lost already
    if (err) {
      const mapped = mapError(err, p.req.where);
      this.settle(seq, mapped);
      // the port is not open although no close was seen yet (modbus-serial checks before
      // writing): the connection is gone; the request never left and can wait for the next one
      if (isNotSent(mapped)) this.lose(new ModbusConnectionError(this.lostError?.message ?? 'connection lost: port not open'));
      return;
    }
    let value: TransportResult;
    try {
      value = checkAnswer(p.req, res);
    } catch (e) {
      this.settle(seq, e as Error);
      return;
    }
    this.settle(seq, undefined, value);
  }

  private settle(seq: number, err: Error | undefined, value?: TransportResult): void {
    const p = this.inflight.get(seq);
    if (!p) return;
    this.inflight.delete(seq);
    if (p.tid !== undefined && this.client._transactions[p.tid] === p.txn) delete this.client._transactions[p.tid];
    if (err && (err instanceof ModbusTimeoutError || err instanceof ModbusProtocolError)) this.afterFailure(p);
    // never synchronously: the caller may send the next request from it, and this runs inside
    // modbus-serial's receive handler
    process.nextTick(p.done, p.req, err, value);
  }

  /**
   * After a timeout or a malformed answer the receive buffer may hold a partial frame that would
   * shift every later answer. Serial-like ports: nothing else is on the wire, drop it. TCP: a
   * partial frame of the failed request (a truncated answer) is dropped when nothing else is in
   * flight; with other requests in flight their answers would be glued to it, so the stream is
   * given up (see streamBroken).
   */
  private afterFailure(p: Pending): void {
    const port = this.client._port;
    if (!this.tracker) {
      if (this.inflight.size === 0) resetRx(port);
      return;
    }
    if (!this.tracker.midFrame()) return;
    const tid = this.tracker.currentTid();
    if (tid !== -1 && tid !== p.tid && this.isInFlightTid(tid)) return; // another request's answer arriving
    if (this.inflight.size === 0) {
      resetRx(port);
      this.tracker.reset();
    } else {
      this.streamBroken(`a partial answer of a failed request (${whereText(p.req.where)})`);
    }
  }

  private isInFlightTid(tid: number): boolean {
    for (const p of this.inflight.values()) if (p.tid === tid) return true;
    return false;
  }

  /** The TCP response stream cannot be trusted any more: fail what is in flight and drop the connection. */
  private streamBroken(why: string): void {
    if (this.closed) return;
    resetRx(this.client._port);
    this.tracker?.reset();
    const message = `response stream out of sync: ${why}`;
    for (const [seq, p] of this.inflight) this.settle(seq, new ModbusProtocolError(message, p.req.where));
    // closed at once, so no new request goes out on this stream; the line destroys it and reconnects
    this.lose(new ModbusConnectionError(`connection dropped, ${message}`));
  }

  private guardParsers(): void {
    const raw = this.raw;
    const port = this.client._port;
    const handlers = raw.listeners('data') as Array<(chunk: Buffer) => void>;
    raw.removeAllListeners('data');
    for (const h of handlers) {
      raw.on('data', (chunk: Buffer) => {
        if (this.closed) return;
        let bad = -1;
        if (this.tracker) {
          bad = this.tracker.feed(chunk);
          if (bad >= 0) chunk = chunk.subarray(0, bad);
        }
        try {
          if (chunk.length > 0) h.call(raw, chunk);
        } catch (err) {
          resetRx(port);
          this.tracker?.reset();
          for (const [seq, p] of this.inflight) this.settle(seq, new ModbusProtocolError(`malformed response: ${(err as Error).message}`, p.req.where));
          return;
        }
        if (bad >= 0) {
          this.streamBroken('received bytes that are not a Modbus TCP frame');
          return;
        }
        if ((port._clientRcvData?.length ?? 0) > MAX_RX_BUFFER || (port._buffer?.length ?? 0) > MAX_RX_BUFFER) resetRx(port);
      });
    }
  }
}

/** Opens one connection; rejects with ModbusConnectionError when it cannot within connectTimeoutMs. */
export async function openConnection(config: TransportConfig, connectTimeoutMs: number, signal?: AbortSignal): Promise<ModbusConnection> {
  const client = new (ModbusRTU as unknown as new () => ClientInternals)();
  // modbus-serial re-emits port errors on the client; without a listener they would throw
  client.on('error', () => undefined);
  if (config.kind === 'tcp' || config.kind === 'rtu-over-tcp') {
    const socket = await connectSocket(config.host, config.port, connectTimeoutMs, signal);
    socket.setNoDelay(true);
    socket.setKeepAlive(true, 10000);
    try {
      if (config.kind === 'tcp') await client.linkTCP(socket, {});
      else await client.linkTelnet(socket, {});
    } catch (err) {
      socket.destroy();
      throw new ModbusConnectionError(`cannot attach to ${transportText(config)}: ${(err as Error).message}`);
    }
    return new ModbusConnection(config, client, socket);
  }
  const serialOpts = {
    baudRate: config.baudRate,
    parity: config.parity,
    dataBits: config.dataBits,
    stopBits: config.stopBits,
  };
  let timedOut = false;
  const opening = config.kind === 'rtu' ? client.connectRTUBuffered(config.path, serialOpts) : client.connectAsciiSerial(config.path, serialOpts);
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([
      opening,
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => {
          timedOut = true;
          reject(new Error(`no answer from the port within ${connectTimeoutMs} ms`));
        }, connectTimeoutMs);
      }),
    ]);
  } catch (err) {
    const sp = client._port?._client;
    if (timedOut && sp) {
      // it may still open later: close it then
      opening.then(
        () => sp.close?.(() => undefined),
        () => undefined,
      );
    }
    if (sp) sp.on('error', () => undefined);
    throw new ModbusConnectionError(`cannot open ${transportText(config)}: ${(err as Error).message}`);
  } finally {
    clearTimeout(timer);
  }
  const raw = client._port._client;
  if (!raw) throw new ModbusConnectionError(`cannot open ${transportText(config)}: no serial port`);
  return new ModbusConnection(config, client, raw);
}

function connectSocket(host: string, port: number, timeoutMs: number, signal?: AbortSignal): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket = new Socket();
    const onAbort = () => fail('aborted (line closed)');
    const fail = (why: string) => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
      socket.removeAllListeners();
      socket.on('error', () => undefined);
      socket.destroy();
      reject(new ModbusConnectionError(`cannot connect to ${host}:${port}: ${why}`));
    };
    const timer = setTimeout(() => fail(`no connection within ${timeoutMs} ms`), timeoutMs);
    socket.once('error', (err) => fail(err.message));
    if (signal?.aborted) {
      queueMicrotask(onAbort);
    } else signal?.addEventListener('abort', onAbort, { once: true });
    socket.once('connect', () => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
      socket.removeAllListeners('error');
      resolve(socket);
    });
    socket.connect(port, host);
  });
}
