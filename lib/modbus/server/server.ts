// A Modbus server (slave) serving a register image over Modbus TCP, RTU on a serial port, or
// RTU frames over TCP. Our own framing instead of modbus-serial's ServerTCP/ServerSerial:
// ServerSerial overwrites each request's CRC with a computed one before checking it (so a
// corrupted frame is executed), cuts frames by a fixed 30 ms idle time, and both defer every
// answer through setTimeout and report errors with console.log. Requests are executed by
// server-pdu.ts against server-image.ts.
//
// Units: either a list of unit ids, each with its own image, or 'any' (one image answering every
// unit id). On a serial line a request to another unit is ignored (another slave on the bus)
// and unit 0 is broadcast (writes applied to every unit, no answer). Over TCP a request to a unit
// not served is answered with exception 11; unit 0 and 255 mean "this device" there and go to the
// first unit when they are not served themselves.
import { EventEmitter } from 'node:events';
import { createServer, type Server, type Socket } from 'node:net';
import { SerialPort } from 'serialport';
import { ExponentialBackoff } from '../../system/retry/backoff';
import type { Area } from '../line/types';
import { executePdu, exceptionPdu, isWriteFunction, GATEWAY_TARGET_NO_RESPONSE, SERVER_DEVICE_FAILURE, type PduResult } from './pdu';
import { MbapRequestFramer, RtuRequestFramer, mbapFrame, rtuFrame, type MbapRequest, type RtuRequest } from './framing';
import { UnitImage, resolveSizes, resolveStarts, ServerImageError, type AreaSizes, type AreaStarts } from './image';
import type { RegisterRange } from '../register-store/register-store';
import {
  checkTransport,
  describe,
  positiveInt,
  DEFAULT_BIND_HOST,
  DEFAULT_MAX_CONNECTIONS,
  DEFAULT_DEVICE_IDENTIFICATION,
  ServerConfigError,
  type ModbusServerOptions,
  type ServerStatus,
  type ServerTransport,
  type ServerWriteEvent,
} from './types';
import { listenProblem, serialOpenProblem, type ServerProblem } from './problem';
import { DEFAULT_CONNECTION_LIMITS, ServerConnection, type ConnectionLimits, type DropReason } from './connection';
import { readOnlyGuard, type WriteGuard } from './pdu';
import { interFrameDelayMs } from '../transport/types';
import type { DeviceIdentification } from './device-identification';

export * from './types';

export { ServerImageError } from './image';

const ANY = -1;

export class ModbusServer extends EventEmitter {
  readonly name: string;
  private readonly images = new Map<number, UnitImage>();
  private readonly unitList: number[] | 'any';
  private readonly sizes: AreaSizes;
  private readonly starts: AreaStarts;
  private tcp: Server | undefined;
  private readonly sockets = new Set<Socket>();
  private readonly connections = new Set<ServerConnection<unknown>>();
  private readonly limits: ConnectionLimits;
  private readonly maxConnections: number;
  private readonly deviceIdentification: DeviceIdentification;
  /** read-only registers and coils (tag table access 'r'), refused to remote writes */
  private guard: WriteGuard | undefined;
  private serial: SerialPort | undefined;
  private serialFramer: RtuRequestFramer | undefined;
  private quietTimer: NodeJS.Timeout | undefined;
  private reopenTimer: NodeJS.Timeout | undefined;
  private readonly reopenBackoff: ExponentialBackoff;
  private persistTimer: NodeJS.Timeout | undefined;
  private changed: RegisterRange[] = [];
  private saving: Promise<void> = Promise.resolve();
  private closed = false;
  private started: Promise<void> | undefined;
  private readonly counters = { requests: 0, writes: 0, exceptions: 0, dropped: 0, refused: 0, idleClosed: 0, overflowClosed: 0 };
  private serving = false;
  private lastError: string | undefined;
  private lastProblem: ServerProblem | undefined;

  constructor(private readonly opts: ModbusServerOptions) {
    super();
    checkTransport(opts.transport);
    this.sizes = resolveSizes(opts.sizes);
    this.starts = resolveStarts(opts.starts, this.sizes);
    if (opts.units === 'any') {
      this.unitList = 'any';
      this.images.set(ANY, new UnitImage(this.sizes, this.starts));
    } else {
      if (!Array.isArray(opts.units) || opts.units.length === 0) throw new ServerConfigError('units', "must be a list of unit ids or 'any'");
      for (const u of opts.units) {
        if (!Number.isInteger(u) || u < 1 || u > 255) throw new ServerConfigError('units', `unit id ${JSON.stringify(u)} is not 1..255`);
        this.images.set(u, new UnitImage(this.sizes, this.starts));
      }
      this.unitList = [...new Set(opts.units)];
    }
    this.limits = {
      maxInputBytes: positiveInt('maxInputBytes', opts.maxInputBytes, DEFAULT_CONNECTION_LIMITS.maxInputBytes, 260),
      maxOutputBytes: positiveInt('maxOutputBytes', opts.maxOutputBytes, DEFAULT_CONNECTION_LIMITS.maxOutputBytes, 260),
      idleTimeoutMs: positiveInt('idleTimeoutMs', opts.idleTimeoutMs, DEFAULT_CONNECTION_LIMITS.idleTimeoutMs, 0),
    };
    this.maxConnections = positiveInt('maxConnections', opts.maxConnections, DEFAULT_MAX_CONNECTIONS, 1);
    const reopen = opts.reopen ?? { minMs: 1000, maxMs: 30000 };
    this.reopenBackoff = new ExponentialBackoff(reopen);
    this.name = opts.name ?? describe(opts.transport);
    this.deviceIdentification = { ...DEFAULT_DEVICE_IDENTIFICATION, ...opts.deviceIdentification };
  }

  /** Loads the store (if any), then listens / opens the port. Rejects when that first attempt fails. */
  start(): Promise<void> {
    if (!this.started) this.started = this.startOnce();
    return this.started;
  }

  /** Where the server listens: the port (tcp, also when 0 was asked) or the serial path. */
  address(): { host: string; port: number } | { path: string } {
    const t = this.opts.transport;
    if (t.kind === 'rtu') return { path: t.path };
    const a = this.tcp?.address();
    return { host: t.host ?? DEFAULT_BIND_HOST, port: a && typeof a === 'object' ? a.port : t.port };
  }

  /** Registers/bits per area of every unit's image. */
  imageSizes(): AreaSizes {
    return { ...this.sizes };
  }

  /** The first address of each area of every unit's image. */
  imageStarts(): AreaStarts {
    return { ...this.starts };
  }

  units(): number[] | 'any' {
    return this.unitList === 'any' ? 'any' : [...this.unitList];
  }

  status(): ServerStatus {
    let bufferedOut = 0;
    for (const c of this.connections) bufferedOut += c.bufferedOut();
    const s: ServerStatus = { serving: this.serving, clients: this.tcp ? this.sockets.size : this.serving ? 1 : 0, ...this.counters, bufferedOut };
    if (this.serialFramer) s.dropped = this.counters.dropped + this.serialFramer.dropped;
    if (this.lastError) s.lastError = this.lastError;
    if (this.lastProblem) s.problem = this.lastProblem;
    return s;
  }

  getRegisters(unit: number, area: 'holding' | 'input', address: number, count: number): number[] {
    const img = this.imageOrThrow(unit, area, address, count);
    return img.getRegisters(area, address, count);
  }

  setRegisters(unit: number, area: 'holding' | 'input', address: number, values: number[]): void {
    const img = this.imageOrThrow(unit, area, address, values.length);
    values.forEach((v, i) => {
      if (!Number.isInteger(v) || v < 0 || v > 65535) {
        throw new ServerImageError(`value ${JSON.stringify(v)} at ${area} ${address + i} is not a register value 0..65535`, { unit, area, address: address + i });
      }
    });
    img.setRegisters(area, address, values);
    if (area === 'holding') this.holdingChanged(unit, address, values.length);
  }

  getBits(unit: number, area: 'coil' | 'discrete', address: number, count: number): boolean[] {
    const img = this.imageOrThrow(unit, area, address, count);
    return img.getBits(area, address, count);
  }

  setBits(unit: number, area: 'coil' | 'discrete', address: number, values: Array<boolean | number>): void {
    const img = this.imageOrThrow(unit, area, address, values.length);
    img.setBits(area, address, values);
  }

  /**
   * Marks registers and coils a remote master must not write (the tag table's access 'r'): a
   * remote write touching any of them is refused whole with exception 02. The flow can still set
   * them. Replaces the previous marks.
   */
  protectFromRemoteWrites(ranges: ReadonlyArray<{ area: 'coil' | 'holding'; address: number; count: number }>): void {
    this.guard = readOnlyGuard({ coil: this.starts.coil + this.sizes.coil, holding: this.starts.holding + this.sizes.holding }, ranges);
  }

  /** Stops serving, closes every connection, writes pending persistence. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    if (this.started) await this.started.catch(() => undefined);
    clearTimeout(this.quietTimer);
    clearTimeout(this.reopenTimer);
    for (const s of this.sockets) s.destroy();
    this.sockets.clear();
    if (this.tcp) {
      const srv = this.tcp;
      this.tcp = undefined;
      await new Promise<void>((r) => srv.close(() => r()));
    }
    if (this.serial) {
      const sp = this.serial;
      this.serial = undefined;
      if (sp.isOpen) await new Promise<void>((r) => sp.close(() => r()));
      sp.removeAllListeners('data');
    }
    this.serving = false;
    if (this.persistTimer) {
      clearTimeout(this.persistTimer);
      this.persistTimer = undefined;
      this.persistNow();
    }
    await this.saving;
    await this.opts.store?.close();
    this.emitStatus();
  }

  // ---- setup ----

  private async startOnce(): Promise<void> {
    if (this.opts.store) {
      const saved = await this.opts.store.load().catch((err: unknown) => {
        this.lastProblem = { code: 'storeUnreadable' };
        throw err;
      });
      const restored: number[] = [];
      for (const [unit, regs] of saved) {
        const img = this.unitList === 'any' ? this.images.get(ANY) : this.images.get(unit);
        if (!img) continue; // a unit no longer served
        img.holding.set(regs.subarray(0, img.holding.length));
        restored.push(unit);
      }
      // what a master wrote before the restart is back: whoever simulates the device must
      // start from it, not write its own start values over it
      if (restored.length) this.emit('restored', restored);
    }
    if (this.closed) return;
    const t = this.opts.transport;
    if (t.kind === 'rtu') await this.openSerial(true);
    else await this.listen(t, true);
  }

  /** Listens; when that fails (port taken) it keeps trying with backoff, rejecting only the first attempt's promise. */
  private listen(t: Extract<ServerTransport, { port: number }>, first: boolean): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      const srv = createServer((sock) => this.accept(sock, t.kind));
      srv.once('error', (err) => {
        const message = `cannot listen on ${t.host ?? DEFAULT_BIND_HOST}:${t.port}: ${err.message}`;
        this.failed(message, listenProblem(err, t.port));
        srv.close();
        this.emitStatus();
        if (!this.closed) this.scheduleReopen();
        if (first) reject(new ServerConfigError('transport.port', message));
        else resolve();
      });
      srv.listen(t.port, t.host ?? DEFAULT_BIND_HOST, () => {
        if (this.closed) {
          srv.close(() => resolve());
          return;
        }
        this.reopenBackoff.reset();
        srv.removeAllListeners('error');
        srv.on('error', (err) => {
          this.failed(err.message, { code: 'serverError' });
          this.emitStatus();
        });
        this.tcp = srv;
        this.serving = true;
        this.failed(undefined);
        this.emitStatus();
        resolve();
      });
    });
  }

  private accept(sock: Socket, kind: 'tcp' | 'rtu-over-tcp'): void {
    if (this.closed) {
      sock.destroy();
      return;
    }
    sock.on('error', () => undefined); // a client resetting its connection is not our error
    if (this.sockets.size >= this.maxConnections) {
      // refused at once: held connections must not exhaust the process's file descriptors
      // (the HTTP server, the broker and /health share them)
      this.counters.refused++;
      sock.destroy();
      return;
    }
    this.sockets.add(sock);
    sock.setNoDelay(true);
    const who = `client ${sock.remoteAddress}:${sock.remotePort}`;
    const handlers = {
      dropped: (reason: DropReason, detail: string) => {
        if (reason === 'idle') this.counters.idleClosed++;
        else if (reason === 'framing') this.counters.dropped++;
        else this.counters.overflowClosed++;
        if (reason !== 'idle') this.failed(`${who}: ${detail}`, { code: reason === 'framing' ? 'clientNotModbus' : 'clientOverflow' });
      },
    };
    const conn =
      kind === 'tcp'
        ? new ServerConnection(sock, new MbapRequestFramer(), this.limits, {
            ...handlers,
            answer: (r: MbapRequest) => {
              const pdu = this.handle(r.unit, r.pdu, false);
              return pdu && mbapFrame(r.transactionId, r.unit, pdu);
            },
          })
        : new ServerConnection(sock, new RtuRequestFramer(), this.limits, {
            ...handlers,
            answer: (r: RtuRequest) => {
              const pdu = this.handle(r.unit, r.pdu, true);
              return pdu && rtuFrame(r.unit, pdu);
            },
          });
    this.connections.add(conn);
    sock.once('close', () => {
      this.sockets.delete(sock);
      this.connections.delete(conn);
      this.emitStatus();
    });
    this.emitStatus();
  }

  private openSerial(first: boolean): Promise<void> {
    const t = this.opts.transport as Extract<ServerTransport, { kind: 'rtu' }>;
    return new Promise<void>((resolve, reject) => {
      const sp = new SerialPort({ path: t.path, baudRate: t.baudRate, parity: t.parity, dataBits: t.dataBits, stopBits: t.stopBits, autoOpen: false });
      sp.on('error', (err) => {
        this.failed(`serial ${t.path}: ${err.message}`, { code: 'serialError', args: { path: t.path } });
        this.emitStatus();
      });
      sp.open((err) => {
        if (err) {
          const message = `cannot open ${t.path}: ${err.message}`;
          this.failed(message, serialOpenProblem(err, t.path));
          this.emitStatus();
          if (!this.closed) this.scheduleReopen();
          if (first) reject(new ServerConfigError('transport.path', message));
          else resolve();
          return;
        }
        if (this.closed) {
          sp.close(() => resolve());
          return;
        }
        this.serial = sp;
        this.serving = true;
        this.failed(undefined);
        this.reopenBackoff.reset();
        const framer = new RtuRequestFramer();
        if (this.serialFramer) this.counters.dropped += this.serialFramer.dropped;
        this.serialFramer = framer;
        // bytes that never complete a frame are dropped once the line has been quiet a while
        const quietMs = Math.max(10, Math.ceil(3 * interFrameDelayMs(t.baudRate)));
        sp.on('data', (chunk: Buffer) => {
          for (const r of framer.push(chunk)) {
            const pdu = this.handle(r.unit, r.pdu, true);
            if (pdu && sp.isOpen) sp.write(rtuFrame(r.unit, pdu));
          }
          clearTimeout(this.quietTimer);
          if (framer.pending() > 0) this.quietTimer = setTimeout(() => framer.reset(), quietMs);
        });
        sp.once('close', () => {
          if (this.serial !== sp) return;
          this.serial = undefined;
          this.serving = false;
          clearTimeout(this.quietTimer);
          this.failed(`serial ${t.path} closed`, { code: 'serialClosed', args: { path: t.path } });
          this.emitStatus();
          if (!this.closed) this.scheduleReopen();
        });
        this.emitStatus();
        resolve();
      });
    });
  }

  private scheduleReopen(): void {
    clearTimeout(this.reopenTimer);
    this.reopenTimer = setTimeout(() => {
      this.reopenTimer = undefined;
      if (this.closed) return;
      const t = this.opts.transport;
      if (t.kind === 'rtu') void this.openSerial(false);
      else void this.listen(t, false);
    }, this.reopenBackoff.next());
  }

  // ---- requests ----

  /** Executes a request; returns the response PDU, or undefined when nothing must be answered. */
  private handle(unit: number, pdu: Buffer, serial: boolean): Buffer | undefined {
    if (this.closed) return undefined;
    this.counters.requests++;
    if (serial && unit === 0) {
      if (isWriteFunction(pdu[0])) for (const [u, img] of this.images) this.execute(u === ANY ? 0 : u, img, pdu);
      return undefined;
    }
    let target = unit;
    let img = this.unitList === 'any' ? this.images.get(ANY) : this.images.get(unit);
    if (!img && !serial && (unit === 0 || unit === 255) && this.unitList !== 'any') {
      target = this.unitList[0];
      img = this.images.get(target);
    }
    if (!img) {
      if (serial) return undefined;
      this.counters.exceptions++;
      return exceptionPdu(pdu[0] ?? 0, GATEWAY_TARGET_NO_RESPONSE);
    }
    return this.execute(target, img, pdu);
  }

  private execute(unit: number, img: UnitImage, pdu: Buffer): Buffer {
    let res: PduResult;
    try {
      res = executePdu(img, pdu, this.guard, { serverId: unit, text: this.opts.name ?? 'edge-gateway', device: this.deviceIdentification });
    } catch (err) {
      // a fault of ours while executing must not take the connection down: the master hears 04
      this.failed(`executing function ${pdu[0]}: ${(err as Error).message}`, { code: 'serverError' });
      res = { response: exceptionPdu(pdu[0], SERVER_DEVICE_FAILURE), exception: SERVER_DEVICE_FAILURE };
    }
    if (res.exception) this.counters.exceptions++;
    if (res.write) {
      this.counters.writes++;
      if (res.write.area === 'holding') this.holdingChanged(unit, res.write.address, res.write.values.length);
      this.emit('write', { unit, ...res.write } satisfies ServerWriteEvent);
    }
    return res.response;
  }

  private imageOrThrow(unit: number, area: Area, address: number, count: number): UnitImage {
    const img = this.unitList === 'any' ? this.images.get(ANY) : this.images.get(unit);
    if (!img) throw new ServerImageError(`unit ${unit} is not served (units: ${(this.unitList as number[]).join(', ')})`, { unit });
    if (!img.inRange(area, address, count)) {
      const start = img.start(area);
      const span = start === 0 ? `size ${img.size(area)}` : `${start}..${start + img.size(area) - 1}`;
      throw new ServerImageError(`${area} ${address}..${address + count - 1} is outside the image (${span})`, { unit, area, address, count });
    }
    return img;
  }

  // ---- persistence ----

  /** `address` is a Modbus address; the store keeps the image's indexes (address - start). */
  private holdingChanged(unit: number, address: number, count: number): void {
    if (!this.opts.store || this.closed) return;
    this.changed.push({ unit, address: address - this.starts.holding, count });
    if (!this.persistTimer) {
      this.persistTimer = setTimeout(() => {
        this.persistTimer = undefined;
        this.persistNow();
      }, this.opts.persistDelayMs ?? 500);
    }
  }

  private persistNow(): void {
    const store = this.opts.store;
    if (!store) return;
    const image = new Map<number, Uint16Array>();
    for (const [u, img] of this.images) image.set(u === ANY ? 0 : u, img.holding.slice());
    const changed = this.changed;
    this.changed = [];
    this.saving = this.saving
      .then(() => store.save(image, changed))
      .catch((err: Error) => {
        this.failed(err.message, { code: 'notSaved' });
        this.emitStatus();
      });
  }

  /** Records the last failure: the English message for logs and /health, its code for a status; none when serving again. */
  private failed(message: string | undefined, problem?: ServerProblem): void {
    this.lastError = message;
    this.lastProblem = message === undefined ? undefined : problem;
  }

  private emitStatus(): void {
    this.emit('status', this.status());
  }
}
