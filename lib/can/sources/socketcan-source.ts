// A Linux SocketCAN interface (can0, vcan0, slcan0 ...) through the optional `socketcan` package.
// The package is native and optional: it is loaded only when a SocketCAN source opens, and a
// missing package, a missing interface or a down interface each become a clear state instead of
// an exception, so the rest of the gateway runs on machines without CAN.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { type CanFilter, type CanFrame } from '../frame';
import { MissingPackageError, loadOptional } from '../../system/process/optional';
import { CanSendError, CanSourceError, FrameSource } from './source';
import { ExponentialBackoff } from '../../system/retry/backoff';

const CAN_EFF_FLAG = 0x80000000;
const CAN_ERR_MASK = 0x1fffffff;
const ARPHRD_CAN = '280';

/** The message objects the socketcan package passes and takes. */
export interface SocketCanMessage {
  id: number;
  ext?: boolean;
  rtr?: boolean;
  err?: boolean;
  data: Buffer;
  ts_sec?: number;
  ts_usec?: number;
  brs?: boolean;
}

interface RawChannel {
  addListener(event: 'onMessage', cb: (msg: SocketCanMessage) => void): void;
  addListener(event: 'onStopped', cb: () => void): void;
  start(): void;
  stop(): void;
  send(msg: SocketCanMessage): number;
  sendFD(msg: SocketCanMessage): number;
  setRxFilters(filters: Array<{ id: number; mask: number; invert?: boolean }>): void;
  setErrorFilters(mask: number): void;
}

export interface SocketCanModule {
  createRawChannel(iface: string, timestamps?: boolean): RawChannel;
}

export interface SocketCanOptions {
  /** interface name, e.g. can0 */
  iface: string;
  /** kernel-side id/mask filters; none = every frame */
  filters?: CanFilter[];
  /** receive error frames (bus-off, controller problems); default true */
  errorFrames?: boolean;
  /** keep retrying while the interface is missing or down; default true */
  reconnect?: boolean;
  backoff?: { initialMs?: number; maxMs?: number };
  /** where network interfaces are listed; default /sys/class/net */
  sysfsNetDir?: string;
  /** how the socketcan package is obtained; default loadOptional('socketcan') */
  loadPackage?: () => SocketCanModule;
}

/** Kernel filters for our CanFilter list: the EFF flag in id and mask keeps standard and extended apart. */
export function toSocketCanFilters(filters: readonly CanFilter[]): Array<{ id: number; mask: number; invert: boolean }> {
  return filters.map((f) => ({
    id: (f.id | (f.extended ? CAN_EFF_FLAG : 0)) >>> 0,
    mask: (f.mask | (f.extended !== undefined ? CAN_EFF_FLAG : 0)) >>> 0,
    invert: Boolean(f.invert),
  }));
}

/** A frame from a socketcan package message. */
export function fromSocketCanMessage(m: SocketCanMessage, iface: string): CanFrame {
  const ts = m.ts_sec !== undefined ? m.ts_sec + (m.ts_usec ?? 0) / 1e6 : Date.now() / 1000;
  if (m.err) return { id: m.id, extended: false, fd: false, error: true, data: m.data, ts, iface };
  if (m.rtr) return { id: m.id, extended: Boolean(m.ext), fd: false, rtr: true, dlc: m.data.length, data: Buffer.alloc(0), ts, iface };
  return { id: m.id, extended: Boolean(m.ext), fd: m.data.length > 8, data: m.data, ts, iface };
}

export class SocketCanSource extends FrameSource {
  private readonly opts: SocketCanOptions & { sysfsNetDir: string; errorFrames: boolean; reconnect: boolean };
  private readonly backoff: ExponentialBackoff;
  private channel?: RawChannel;
  private wanted = false;
  private reconnectTimer?: NodeJS.Timeout;

  constructor(options: SocketCanOptions) {
    super('socketcan', `socketcan ${options.iface}`);
    if (!options.iface || !/^[\w.:-]{1,15}$/.test(options.iface)) {
      throw new CanSourceError('socketcan', `interface name ${JSON.stringify(options.iface)} is not a valid network interface name`);
    }
    this.opts = { ...options, sysfsNetDir: options.sysfsNetDir ?? '/sys/class/net', errorFrames: options.errorFrames ?? true, reconnect: options.reconnect ?? true };
    // No jitter: the interface is local to this machine, no fleet of gateways retries it at once.
    this.backoff = new ExponentialBackoff({ minMs: options.backoff?.initialMs ?? 1000, maxMs: options.backoff?.maxMs ?? 30000, jitter: 0 });
  }

  /**
   * Opens the interface. Rejects when it cannot; a missing package is final (state 'failed'),
   * a missing or down interface is retried in the background (state 'reconnecting').
   */
  async open(): Promise<void> {
    if (this.wanted && (this.channel || this.reconnectTimer)) return;
    this.wanted = true;
    this.setState('opening');
    await this.attempt();
  }

  async close(): Promise<void> {
    this.wanted = false;
    clearTimeout(this.reconnectTimer);
    this.reconnectTimer = undefined;
    this.stopChannel();
    this.setState('closed');
  }

  async send(frame: CanFrame): Promise<void> {
    const ch = this.channel;
    if (!ch || (this.state !== 'open' && this.state !== 'bus-off')) {
      throw new CanSendError(this.description, `cannot send: the interface is ${this.state}${this.stats.detail ? ` (${this.stats.detail})` : ''}`);
    }
    let n: number;
    try {
      if (frame.fd) n = ch.sendFD({ id: frame.id, ext: frame.extended, brs: Boolean(frame.brs), data: frame.data });
      else n = ch.send({ id: frame.id, ext: frame.extended, rtr: Boolean(frame.rtr), data: frame.rtr ? Buffer.alloc(frame.dlc ?? 0) : frame.data });
    } catch (err) {
      throw new CanSendError(this.description, `send failed: ${(err as Error).message}`, err);
    }
    if (n < 0) throw new CanSendError(this.description, 'send failed: the kernel refused the frame (TX queue full or interface down)');
    this.stats.sent++;
  }

  private async attempt(): Promise<void> {
    const { iface } = this.opts;
    let mod: SocketCanModule;
    try {
      mod = (this.opts.loadPackage ?? (() => loadOptional<SocketCanModule>('socketcan')))();
    } catch (err) {
      const reason =
        err instanceof MissingPackageError ? 'socketcan package not installed (npm install socketcan; needs Linux and a C++ toolchain)' : `socketcan package failed to load: ${(err as Error).message}`;
      throw this.fail(new CanSourceError(this.description, reason, err, { code: err instanceof MissingPackageError ? 'noSocketcan' : 'socketcanBroken' }), false);
    }
    const dir = join(this.opts.sysfsNetDir, iface);
    if (!existsSync(dir)) throw this.fail(new CanSourceError(this.description, `interface ${iface} not found`, undefined, { code: 'notFound', args: { iface } }), true);
    const type = readSysfs(join(dir, 'type'));
    if (type !== undefined && type !== ARPHRD_CAN) {
      throw this.fail(new CanSourceError(this.description, `interface ${iface} is not a CAN interface (link type ${type})`, undefined, { code: 'notCan', args: { iface } }), false);
    }
    if (readSysfs(join(dir, 'operstate')) === 'down') {
      const reason = `interface ${iface} is down (ip link set ${iface} up type can bitrate <rate>)`;
      throw this.fail(new CanSourceError(this.description, reason, undefined, { code: 'interfaceDown', args: { iface } }), true);
    }
    let ch: RawChannel;
    try {
      ch = mod.createRawChannel(iface, true);
      if (this.opts.filters?.length) ch.setRxFilters(toSocketCanFilters(this.opts.filters));
      ch.setErrorFilters(this.opts.errorFrames ? CAN_ERR_MASK : 0);
      ch.addListener('onMessage', (m: SocketCanMessage) => {
        if (this.channel === ch) this.emitFrame(fromSocketCanMessage(m, iface));
      });
      ch.addListener('onStopped', () => this.onStopped(ch));
      ch.start();
    } catch (err) {
      throw this.fail(new CanSourceError(this.description, `cannot open a CAN socket on ${iface}: ${(err as Error).message}`, err, { code: 'socketOpen', args: { iface } }), true);
    }
    if (!this.wanted) {
      safeStop(ch);
      throw new CanSourceError(this.description, 'closed while opening');
    }
    this.channel = ch;
    this.backoff.reset();
    this.setState('open');
  }

  private fail(err: CanSourceError, retry: boolean): CanSourceError {
    this.emitError(err);
    if (retry && this.opts.reconnect && this.wanted) this.scheduleReconnect(err);
    else this.setFailedState('failed', err);
    return err;
  }

  private scheduleReconnect(err: CanSourceError): void {
    this.setFailedState('reconnecting', err);
    clearTimeout(this.reconnectTimer);
    this.reconnectTimer = setTimeout(() => {
      this.reconnectTimer = undefined;
      if (this.wanted) this.attempt().catch(() => undefined); // reported through 'error' and 'state'
    }, this.backoff.next());
  }

  // The native channel stops itself when the socket reports POLLHUP/POLLERR (interface gone).
  private onStopped(ch: RawChannel): void {
    if (this.channel !== ch) return;
    this.channel = undefined;
    if (!this.wanted) return;
    const err = new CanSourceError(this.description, `interface ${this.opts.iface} went away`, undefined, { code: 'disconnected' });
    this.emitError(err);
    if (this.opts.reconnect) this.scheduleReconnect(err);
    else this.setFailedState('failed', err);
  }

  private stopChannel(): void {
    const ch = this.channel;
    this.channel = undefined;
    // The package closes the socket itself only when the channel object is collected.
    if (ch) safeStop(ch);
  }
}

function safeStop(ch: RawChannel): void {
  try {
    ch.stop();
  } catch {
    // "Channel not started": nothing to stop.
  }
}

function readSysfs(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8').trim();
  } catch {
    return undefined;
  }
}
