// A Modbus line: one connection (TCP, RTU serial, RTU over TCP, ASCII) shared by every device
// on it, with fair per-unit queues, a suspension backoff and a circuit breaker per unit, and a
// reconnect loop that never gives up until close().
//
// Policies (see also transport.ts):
// - One connection attempt at a time, whatever the number of users: requests never trigger a
//   connect; the line's own loop reconnects with exponential backoff and jitter.
// - Requests queued when the connection drops are kept and sent after the reconnect (up to
//   queueTimeoutMs in the queue); only the ones on the wire at the moment of loss fail, with
//   ModbusConnectionError.
// - A unit that times out is suspended (its own exponential backoff): its queued and new
//   requests fail at once with UnitSuspendedError instead of waiting, so they neither take line
//   time from the other units nor pile up. After the suspension, the next request is a probe.
// - Breaker per unit: timeouts, malformed answers and gateway exceptions (10, 11) count as
//   failures; other exception responses show the device alive and count as success. While it
//   is open, requests fail at once with BreakerOpenError; half-open lets one trial through.
// - Serial lines carry one request at a time with the inter-frame silence; TCP pipelines up to
//   maxInFlight requests (transaction ids), each unit taking at most its fair share of slots.
//   With maxInFlight 'auto', every new connection carries one request at a time until a read
//   has been asked for; then the line holds its queues while it times copies of that read alone
//   and in bursts (pipelining.ts), and goes on pipelined or one at a time as measured.
import { EventEmitter } from 'node:events';
import { performance } from 'node:perf_hooks';
import type { CircuitStateChange } from '../../breaker';
import {
  BreakerOpenError,
  ModbusConnectionError,
  ModbusQueueFullError,
  ModbusExceptionError,
  ModbusProtocolError,
  ModbusRequestError,
  ModbusTimeoutError,
  UnitSuspendedError,
  type RequestWhere,
} from '../errors';
import { ExponentialBackoff } from '../../system/retry/backoff';
import { resolveLineOptions, type ResolvedLineOptions } from './config';
import { LineMetrics } from './metrics';
import type { Area, ConnectionState, LineOptions, LineState, ModbusLine, UnitStats, WriteOptions } from './types';
import { isNotSent, openConnection, readFunction, type FunctionCode, type ModbusConnection, type TransportRequest, type TransportResult } from '../transport/transport';
import { FairScheduler, type QueuedRequest, type UnitQueue } from './unit-queue';
import { checkDeviceIdRead, checkRead, checkWrite, errorKind } from './requests';
import { failedChoice, measuringChoice, probePipelining, type PipeliningChoice } from './pipelining';

export { LineConfigError } from './config';

/** Exception codes that mean "the unit did not answer" (behind a gateway) rather than "the unit said no". */
const GATEWAY_NO_ANSWER = new Set([10, 11]);

export function createModbusLine(opts: LineOptions): ModbusLine {
  return new ModbusLineImpl(resolveLineOptions(opts));
}

class ModbusLineImpl extends EventEmitter implements ModbusLine {
  readonly name: string;
  private readonly scheduler: FairScheduler;
  private readonly reconnectBackoff: ExponentialBackoff;
  private readonly metrics: LineMetrics;
  private connection: ConnectionState = 'connecting';
  private conn: ModbusConnection | undefined;
  private connecting: Promise<void> | undefined;
  private connectAbort: AbortController | undefined;
  private readonly destroying = new Set<Promise<void>>();
  private reconnectTimer: NodeJS.Timeout | undefined;
  private retryAt = 0;
  private gapTimer: NodeJS.Timeout | undefined;
  private gapUntil = 0;
  private queueTimer: NodeJS.Timeout | undefined;
  private queueTimerAt = Infinity;
  private lastError: string | undefined;
  private closed = false;
  private closing: Promise<void> | undefined;
  private pumping = false;
  /** the connect loop has begun (at once, or at the first request with lazyConnect) */
  private started = false;
  /** requests in flight allowed now: maxInFlight, or with 'auto' what the probe chose */
  private inFlightLimit: number;
  /** maxInFlight 'auto': the current connection's measurement and choice */
  private pipelining: PipeliningChoice | undefined;
  /** maxInFlight 'auto': the read the probe repeats (the first read asked for; kept across reconnects) */
  private probeRead: TransportRequest | undefined;
  /** maxInFlight 'auto': the current connection still has to be measured */
  private probePending = false;
  /** the connection being measured now: nothing else goes on it meanwhile */
  private probing: ModbusConnection | undefined;

  constructor(private readonly o: ResolvedLineOptions) {
    super();
    this.name = o.name;
    this.metrics = new LineMetrics(o.name);
    this.reconnectBackoff = new ExponentialBackoff(o.reconnect);
    this.scheduler = new FairScheduler(o.unitBackoff, o.breaker, (q) => this.watchUnit(q));
    this.metrics.connected(false);
    this.inFlightLimit = o.autoInFlight ? 1 : o.maxInFlight;
    if (o.autoInFlight) this.pipelining = measuringChoice();
    if (!o.lazyConnect) this.connect();
  }

  read(unit: number, area: Area, address: number, count: number): Promise<number[] | boolean[]> {
    const where: RequestWhere = { unit, area, address, count };
    const invalid = checkRead(where) ?? this.checkBroadcast(where);
    if (invalid) return Promise.reject(invalid);
    return this.submit(readFunction(area), where, undefined) as Promise<number[] | boolean[]>;
  }

  readDeviceIdentification(unit: number, objectId: number): Promise<string> {
    const where: RequestWhere = { unit, area: 'device-id', address: objectId, count: 1 };
    const invalid = checkDeviceIdRead(where, this.o.transport.kind) ?? this.checkBroadcast(where);
    if (invalid) return Promise.reject(invalid);
    return this.submit(43, where, undefined) as Promise<string>;
  }

  write(unit: number, area: 'coil' | 'holding', address: number, values: number[] | boolean[], opts: WriteOptions = {}): Promise<void> {
    const where: RequestWhere = { unit, area, address, count: Array.isArray(values) ? values.length : 0 };
    const invalid = checkWrite(where, values) ?? this.checkBroadcast(where);
    if (invalid) return Promise.reject(invalid);
    const multiple = values.length > 1 || opts.forceMultiple === true;
    const fc: FunctionCode = area === 'coil' ? (multiple ? 15 : 5) : multiple ? 16 : 6;
    const copy = area === 'coil' ? (values as boolean[]).map(Boolean) : (values as number[]).slice();
    return this.submit(fc, where, copy).then(() => undefined);
  }

  /** On a serial bus unit 0 is broadcast and never answers; Modbus TCP devices often use 0 for themselves. */
  private checkBroadcast(where: RequestWhere): ModbusRequestError | undefined {
    if (where.unit !== 0 || this.o.transport.kind === 'tcp') return undefined;
    return new ModbusRequestError('unit 0 is broadcast on a serial line and gets no answer; address a unit 1..247', where, 'unit');
  }

  state(): LineState {
    const now = Date.now();
    const units: Record<number, UnitStats> = {};
    let inFlight = 0;
    for (const q of this.scheduler.all()) {
      inFlight += q.inFlight;
      units[q.unit] = {
        breaker: q.breaker.state(),
        suspendedForMs: q.suspendedForMs(now),
        queued: q.items.length,
        requests: q.requests,
        errors: q.errors,
        timeouts: q.timeouts,
        inFlight: q.inFlight,
        lastError: q.lastError,
      };
    }
    const s: LineState = { connection: this.connection, units, name: this.name, inFlight };
    if (this.pipelining) s.pipelining = this.pipelining;
    if (this.connection === 'reconnecting' && this.reconnectTimer) s.retryInMs = Math.max(0, this.retryAt - now);
    if (this.lastError) s.lastError = this.lastError;
    return s;
  }

  close(): Promise<void> {
    if (!this.closing) this.closing = this.shutdown();
    return this.closing;
  }

  // ---- requests ----

  private submit(fc: FunctionCode, where: RequestWhere, values: number[] | boolean[] | undefined): Promise<TransportResult> {
    if (this.closed) return Promise.reject(new ModbusConnectionError('line closed', where));
    const q = this.scheduler.unit(where.unit);
    const refused = this.refusal(q, where);
    if (refused) {
      this.countError(q, refused);
      return Promise.reject(refused);
    }
    if (q.items.length >= this.o.maxQueuedPerUnit) {
      const err = new ModbusQueueFullError(where, this.o.maxQueuedPerUnit);
      this.countError(q, err);
      return Promise.reject(err);
    }
    if (!this.started) this.connect();
    if (this.o.autoInFlight && !this.probeRead && fc <= 4) this.probeRead = { unit: where.unit, fc, address: where.address, count: where.count, where };
    return new Promise<TransportResult>((resolve, reject) => {
      const queuedAt = Date.now();
      const req: QueuedRequest = {
        unit: where.unit,
        fc,
        address: where.address,
        count: where.count,
        values,
        where,
        resolve,
        reject,
        queuedAt,
        queue: q,
        sentAt: 0,
        trial: false,
        expiresAt: queuedAt + this.o.queueTimeoutMs,
      };
      q.items.push(req);
      this.armQueueDeadline(req.expiresAt!);
      this.pump();
    });
  }

  // Queue timeouts: one timer per line, armed for the earliest expiry of anything queued, instead
  // of one timer per request. When it fires it fails what is due and re-arms for the next; a
  // request that left its queue in time costs no timer work at all.
  private armQueueDeadline(at: number): void {
    if (this.closed) return;
    if (this.queueTimer) {
      if (this.queueTimerAt <= at) return;
      clearTimeout(this.queueTimer);
    }
    this.queueTimerAt = at;
    this.queueTimer = setTimeout(this.onQueueDeadline, Math.max(1, at - Date.now()));
    // it may stay armed after the queues drained (until its time comes): it must not keep the
    // process alive by itself; while the line is open its socket or reconnect timer does that
    this.queueTimer.unref();
  }

  private readonly onQueueDeadline = (): void => {
    this.queueTimer = undefined;
    this.queueTimerAt = Infinity;
    if (this.closed) return;
    const now = Date.now();
    let next = Infinity;
    for (const q of this.scheduler.all()) {
      if (q.items.length === 0) continue;
      for (const req of q.takeExpired(now)) this.queueTimeout(q, req);
      for (const r of q.items) if (r.expiresAt! < next) next = r.expiresAt!;
    }
    if (next !== Infinity) this.armQueueDeadline(next);
  };

  /** Why a request to this unit must not be queued now (breaker open, unit suspended), if so. */
  private refusal(q: UnitQueue, where: RequestWhere): Error | undefined {
    if (q.breaker.state() === 'open') return new BreakerOpenError(where.unit, q.breaker.retryInMs());
    const suspended = q.suspendedForMs(Date.now());
    if (suspended > 0) return new UnitSuspendedError(where, this.o.timeoutMs, suspended);
    return undefined;
  }

  /** A request that waited in its queue for queueTimeoutMs (already taken out of it). */
  private queueTimeout(q: UnitQueue, req: QueuedRequest): void {
    const err =
      this.connection === 'connected'
        ? new ModbusTimeoutError(req.where, this.o.queueTimeoutMs)
        : new ModbusConnectionError(`line not connected${this.lastError ? ` (${this.lastError})` : ''}`, req.where);
    this.countError(q, err);
    req.reject(err);
  }

  private pump(): void {
    if (this.pumping) return;
    this.pumping = true;
    try {
      while (!this.closed && this.conn && this.conn.isOpen() && this.probing !== this.conn && this.conn.inFlight() < this.inFlightLimit) {
        if (this.probePending && this.probeRead && this.conn.inFlight() === 0) {
          this.probe(this.conn, this.probeRead);
          return;
        }
        if (this.o.interFrameDelayMs > 0) {
          const wait = this.gapUntil - performance.now();
          if (wait > 0) {
            if (!this.gapTimer) {
              this.gapTimer = setTimeout(() => {
                this.gapTimer = undefined;
                this.pump();
              }, Math.ceil(wait));
            }
            return;
          }
        }
        const pick = this.scheduler.next(this.inFlightLimit);
        if (!pick) return;
        this.dispatch(this.conn, pick.queue, pick.req);
      }
    } finally {
      this.pumping = false;
    }
  }

  /** maxInFlight 'auto': measures the connection with copies of `read`, the queues held meanwhile. */
  private probe(conn: ModbusConnection, read: TransportRequest): void {
    this.probePending = false;
    this.probing = conn;
    const settle = (choice: PipeliningChoice): void => {
      if (this.probing === conn) this.probing = undefined;
      if (this.closed || this.conn !== conn) return; // lost meanwhile: the next connection is measured anew
      this.pipelining = choice;
      this.inFlightLimit = choice.maxInFlight;
      this.emitState();
      this.pump();
    };
    probePipelining(conn, read, this.o.maxInFlight, this.o.timeoutMs).then(settle, (err: Error) => settle(failedChoice(err.message)));
  }

  private dispatch(conn: ModbusConnection, q: UnitQueue, req: QueuedRequest): void {
    q.inFlight++;
    q.requests++;
    req.sentAt = performance.now();
    this.metrics.request(req.unit, req.fc);
    conn.send(req, this.o.timeoutMs, this.onSettled);
  }

  private readonly onSettled = (r: TransportRequest, err: Error | undefined, value: TransportResult): void => {
    const req = r as QueuedRequest;
    this.complete(req.queue!, req, err, value);
  };

  private complete(q: UnitQueue, req: QueuedRequest, err: Error | undefined, value?: TransportResult): void {
    q.inFlight--;
    if (err && isNotSent(err) && !this.closed) {
      // it never reached the wire: back to the head of its queue, to go after the reconnect
      q.requests--;
      if (req.trial) q.breaker.release();
      req.trial = false;
      q.items.unshift(req);
      this.armQueueDeadline(req.expiresAt!);
      this.pump();
      return;
    }
    const now = performance.now();
    if (this.o.interFrameDelayMs > 0) this.gapUntil = now + this.o.interFrameDelayMs;
    const elapsed = (now - req.sentAt!) / 1000;
    // answers to requests sent before the unit's current suspension say nothing new about it
    const fresh = req.sentAt! >= q.suspendedSince;
    if (!err) {
      this.metrics.latency(req.unit, elapsed);
      this.unitAnswered(q);
      req.resolve(value);
    } else {
      this.countError(q, err);
      if (err instanceof ModbusExceptionError) {
        this.metrics.latency(req.unit, elapsed);
        if (GATEWAY_NO_ANSWER.has(err.code)) {
          if (fresh) this.unitSilent(q, err);
        } else this.unitAnswered(q);
      } else if (err instanceof ModbusTimeoutError) {
        q.timeouts++;
        this.metrics.timeout(req.unit);
        if (fresh) this.unitSilent(q, err);
      } else if (err instanceof ModbusProtocolError) {
        if (fresh) q.breaker.failure();
      } else if (req.trial) {
        q.breaker.release(); // the connection broke: the trial says nothing about the unit
      }
      req.reject(err);
    }
    this.pump();
  }

  private unitAnswered(q: UnitQueue): void {
    const wasSuspended = q.suspendedUntil !== 0;
    q.breaker.success();
    q.backoff.reset();
    q.suspendedUntil = 0;
    q.suspendedSince = -Infinity;
    if (wasSuspended) this.emitState();
  }

  /** The unit did not answer: count a breaker failure, suspend it, and fail what it has queued. */
  private unitSilent(q: UnitQueue, err: Error): void {
    q.breaker.failure();
    const delay = q.backoff.next();
    q.suspendedUntil = Date.now() + delay;
    q.suspendedSince = performance.now();
    for (const r of q.drain()) {
      const e = q.breaker.state() === 'open' ? new BreakerOpenError(q.unit, q.breaker.retryInMs()) : new UnitSuspendedError(r.where, this.o.timeoutMs, delay);
      this.countError(q, e);
      r.reject(e);
    }
    q.lastError = err.message;
    this.emitState();
  }

  private countError(q: UnitQueue, err: Error): void {
    q.errors++;
    q.lastError = err.message;
    this.metrics.error(q.unit, errorKind(err));
  }

  private watchUnit(q: UnitQueue): void {
    this.metrics.breaker(q.unit, 'closed');
    q.breaker.on('state', (c: CircuitStateChange) => {
      this.metrics.breaker(q.unit, c.to);
      if (c.to === 'open') {
        for (const r of q.drain()) {
          const e = new BreakerOpenError(q.unit, q.breaker.retryInMs());
          this.countError(q, e);
          r.reject(e);
        }
      }
      if (!this.closed) this.emitState();
    });
    // a unit's first request makes it known to state() users (status, /health)
    if (!this.closed) this.emitState();
  }

  // ---- connection ----

  private connect(): void {
    this.started = true;
    if (this.closed || this.connecting) return;
    const abort = new AbortController();
    this.connectAbort = abort;
    this.connecting = openConnection(this.o.transport, this.o.connectTimeoutMs, abort.signal).then(
      (conn) => {
        this.connecting = undefined;
        this.connectAbort = undefined;
        if (this.closed) {
          this.track(conn.destroy('line closed'));
          return;
        }
        this.conn = conn;
        conn.once('lost', (err: Error) => this.onLost(conn, err));
        if (this.o.autoInFlight) {
          // every connection is measured anew: the device (or what answers on its address) may have changed
          this.pipelining = measuringChoice();
          this.inFlightLimit = 1;
          this.probePending = true;
        }
        this.reconnectBackoff.reset();
        this.lastError = undefined;
        this.metrics.connected(true);
        this.setConnection('connected');
        this.pump();
      },
      (err: Error) => {
        this.connecting = undefined;
        this.connectAbort = undefined;
        if (this.closed) return;
        this.lastError = err.message;
        this.scheduleReconnect();
      },
    );
  }

  private onLost(conn: ModbusConnection, err: Error): void {
    if (this.conn !== conn) return;
    this.conn = undefined;
    this.lastError = err.message;
    this.metrics.connected(false);
    this.track(conn.destroy(err.message));
    if (this.closed) return;
    this.scheduleReconnect();
  }

  private scheduleReconnect(): void {
    const delay = this.reconnectBackoff.next();
    this.retryAt = Date.now() + delay;
    this.reconnectTimer = setTimeout(() => {
      this.reconnectTimer = undefined;
      this.connect();
    }, delay);
    this.setConnection('reconnecting', true);
  }

  private track(p: Promise<void>): void {
    const t = p.catch(() => undefined).finally(() => this.destroying.delete(t));
    this.destroying.add(t);
  }

  private setConnection(c: ConnectionState, always = false): void {
    if (this.connection === c && !always) return;
    this.connection = c;
    this.emitState();
  }

  private emitState(): void {
    this.emit('state', this.state());
  }

  private async shutdown(): Promise<void> {
    this.closed = true;
    if (this.reconnectTimer) clearTimeout(this.reconnectTimer);
    if (this.gapTimer) clearTimeout(this.gapTimer);
    if (this.queueTimer) clearTimeout(this.queueTimer);
    this.reconnectTimer = this.gapTimer = this.queueTimer = undefined;
    for (const q of this.scheduler.all()) {
      for (const r of q.drain()) {
        r.reject(new ModbusConnectionError('line closed', r.where));
      }
    }
    this.connectAbort?.abort();
    if (this.conn) {
      const conn = this.conn;
      this.conn = undefined;
      this.track(conn.destroy('line closed'));
    }
    if (this.connecting) await this.connecting;
    while (this.destroying.size > 0) await Promise.all([...this.destroying]);
    for (const q of this.scheduler.all()) q.breaker.removeAllListeners('state');
    this.setConnection('closed');
    this.metrics.remove();
  }
}
