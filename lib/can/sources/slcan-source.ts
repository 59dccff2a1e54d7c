// A CAN bus through an SLCAN (Lawicel) USB adapter on a serial port. One command is in flight at
// a time because SLCAN replies carry no tag to match them with their command; received frames
// are told apart from replies by their first letter. A port that disappears (USB unplugged) is
// reopened with backoff until close().
import { SerialPort } from 'serialport';
import type { CanFrame } from '../frame';
import { CanSendError, CanSourceError, FrameSource } from './source';
import type { CanProblem, CanProblemCode } from './problem';
import { ExponentialBackoff } from '../../system/retry/backoff';
import { SlcanClock, SlcanLineSplitter, SlcanProtocolError, bitrateCommand, encodeSlcanFrame, isFrameLine, parseSlcanFrame, type SlcanToken } from './slcan-protocol';

export interface SlcanOptions {
  /** serial port path, e.g. /dev/ttyACM0 */
  path: string;
  /** serial baud rate (USB CDC adapters ignore it); default 115200 */
  baudRate?: number;
  /** CAN bit rate in bit/s (10k..1M, see SLCAN_BITRATES); default 500000 */
  bitrate?: number;
  /** ask the adapter for its millisecond timestamps (Z1); default true */
  timestamps?: boolean;
  /** open the channel listen-only (L): no ACKs, no sending */
  listenOnly?: boolean;
  /** reopen the port when it disappears or cannot be opened; default true */
  reconnect?: boolean;
  backoff?: { initialMs?: number; maxMs?: number };
  /** how long to wait for the adapter's reply to a command; default 1000 ms */
  commandTimeoutMs?: number;
  /** poll the status flags (F) this often to notice bus errors; 0 (default) = never */
  statusPollMs?: number;
  /** interface name stamped on received frames; default the port path */
  iface?: string;
}

/** The adapter answered a command with BEL (error) or not at all. */
export class SlcanCommandError extends CanSourceError {
  constructor(
    source: string,
    readonly command: string,
    message: string,
    problem: CanProblem,
  ) {
    super(source, message, undefined, problem);
    this.name = 'SlcanCommandError';
  }
}

interface PendingCommand {
  text: string;
  timeoutMs: number;
  resolve(reply: string): void;
  reject(err: Error): void;
  timer?: NodeJS.Timeout;
}

export class SlcanSource extends FrameSource {
  private readonly opts: Required<Omit<SlcanOptions, 'backoff' | 'iface'>> & { iface: string };
  private readonly backoff: ExponentialBackoff;
  private readonly splitter = new SlcanLineSplitter();
  private readonly clock = new SlcanClock();
  private port?: SerialPort;
  private wanted = false;
  private generation = 0;
  private openPromise?: Promise<void>;
  private connecting = false;
  private reconnectTimer?: NodeJS.Timeout;
  private statusTimer?: NodeJS.Timeout;
  private statusFlags = 0;
  private pending?: PendingCommand;
  private readonly queue: PendingCommand[] = [];

  constructor(options: SlcanOptions) {
    super('slcan', `slcan ${options.path}`);
    if (!options.path) throw new CanSourceError('slcan', 'no serial port path given');
    this.opts = {
      path: options.path,
      baudRate: options.baudRate ?? 115200,
      bitrate: options.bitrate ?? 500000,
      timestamps: options.timestamps ?? true,
      listenOnly: options.listenOnly ?? false,
      reconnect: options.reconnect ?? true,
      commandTimeoutMs: options.commandTimeoutMs ?? 1000,
      statusPollMs: options.statusPollMs ?? 0,
      iface: options.iface ?? options.path,
    };
    bitrateCommand(this.opts.bitrate); // a bad bit rate is a configuration error: fail now
    // No jitter: the interface is local to this machine, no fleet of gateways retries it at once.
    this.backoff = new ExponentialBackoff({ minMs: options.backoff?.initialMs ?? 500, maxMs: options.backoff?.maxMs ?? 10000, jitter: 0 });
  }

  /**
   * Opens the port and the CAN channel. Rejects when the first attempt fails; with `reconnect`
   * it keeps trying in the background (state 'reconnecting') until close().
   */
  open(): Promise<void> {
    if (this.wanted && this.openPromise) return this.openPromise;
    this.wanted = true;
    this.setState('opening');
    this.openPromise = this.attempt();
    return this.openPromise;
  }

  async close(): Promise<void> {
    this.wanted = false;
    this.generation++;
    this.connecting = false;
    this.openPromise = undefined;
    clearTimeout(this.reconnectTimer);
    clearTimeout(this.statusTimer);
    this.reconnectTimer = this.statusTimer = undefined;
    this.failCommands(new CanSourceError(this.description, 'closed'));
    const port = this.port;
    if (port?.isOpen) {
      // Leave the adapter with its channel closed, as a new session expects; best effort only.
      await this.command('C', Math.min(300, this.opts.commandTimeoutMs)).catch(() => undefined);
    }
    await this.dropPort();
    this.failCommands(new CanSourceError(this.description, 'closed'));
    this.setState('closed');
  }

  async send(frame: CanFrame): Promise<void> {
    if (this.state !== 'open' && this.state !== 'bus-off') {
      throw new CanSendError(this.description, `cannot send: the channel is ${this.state}${this.stats.detail ? ` (${this.stats.detail})` : ''}`);
    }
    if (this.opts.listenOnly) throw new CanSendError(this.description, 'cannot send: the channel is open listen-only');
    let text: string;
    try {
      text = encodeSlcanFrame(frame);
    } catch (err) {
      throw new CanSendError(this.description, (err as Error).message, err);
    }
    try {
      await this.command(text);
    } catch (err) {
      throw new CanSendError(this.description, `frame ${text} not sent: ${err instanceof CanSourceError ? err.reason : (err as Error).message}`, err);
    }
    this.stats.sent++;
  }

  private async attempt(): Promise<void> {
    const gen = ++this.generation;
    this.connecting = true;
    try {
      await this.connect(gen);
    } catch (err) {
      if (gen !== this.generation || !this.wanted) throw new CanSourceError(this.description, 'closed while opening', err);
      const e = err instanceof CanSourceError ? err : new CanSourceError(this.description, (err as Error).message, err);
      this.failCommands(e);
      await this.dropPort();
      this.emitError(e);
      this.scheduleReconnect(e);
      throw e;
    } finally {
      if (gen === this.generation) this.connecting = false;
    }
  }

  private async connect(gen: number): Promise<void> {
    const port = new SerialPort({ path: this.opts.path, baudRate: this.opts.baudRate, autoOpen: false });
    await new Promise<void>((resolve, reject) =>
      port.open((err) => (err ? reject(new CanSourceError(this.description, `cannot open serial port: ${err.message}`, err, { code: serialOpenProblem(err) })) : resolve())),
    );
    if (gen !== this.generation) {
      await closeQuietly(port);
      throw new CanSourceError(this.description, 'closed while opening');
    }
    this.port = port;
    this.splitter.reset();
    this.clock.reset();
    port.on('data', (chunk: Buffer) => {
      if (this.port === port) this.splitter.feed(chunk, this.onToken);
    });
    port.on('error', (err: Error) => {
      if (this.port === port) this.emitError(new CanSourceError(this.description, `serial port error: ${err.message}`, err));
    });
    port.on('close', (err?: Error & { disconnected?: boolean }) => this.onPortClose(port, err));

    const stillWanted = () => {
      if (gen !== this.generation) throw new CanSourceError(this.description, 'closed while opening');
    };
    // The channel may still be open from an earlier session; closing a closed channel is an
    // error on some adapters, so its reply does not matter.
    await this.command('C').catch(() => undefined);
    stillWanted();
    await this.command(bitrateCommand(this.opts.bitrate));
    stillWanted();
    try {
      await this.command(this.opts.timestamps ? 'Z1' : 'Z0');
    } catch (err) {
      stillWanted();
      if (!(err instanceof SlcanCommandError) || !this.opts.timestamps) throw err;
      this.emitError(new CanSourceError(this.description, 'the adapter refused timestamps (Z1); frames carry the host time', err));
    }
    await this.command(this.opts.listenOnly ? 'L' : 'O');
    stillWanted();
    this.backoff.reset();
    this.statusFlags = 0;
    this.setState('open');
    this.scheduleStatusPoll();
  }

  private readonly onToken = (t: SlcanToken): void => {
    if (t.kind === 'bell') {
      if (this.pending) this.settle(new SlcanCommandError(this.description, this.pending.text, `the adapter refused "${this.pending.text}" (BEL)`, { code: 'adapterRefused' }));
      else this.emitError(new CanSourceError(this.description, 'the adapter reported an error (BEL)'));
      return;
    }
    if (t.kind === 'garbage') {
      this.emitError(new SlcanProtocolError(t.text, 'unexpected bytes from the adapter'));
      return;
    }
    const line = t.text;
    if (isFrameLine(line)) {
      try {
        const rx = parseSlcanFrame(line);
        const now = Date.now();
        rx.frame.ts = (rx.deviceMs !== undefined ? this.clock.toEpochMs(rx.deviceMs, now) : now) / 1000;
        rx.frame.iface = this.opts.iface;
        this.emitFrame(rx.frame);
      } catch (err) {
        this.emitError(err as Error);
      }
      return;
    }
    // Not a frame: the reply to the command in flight (CR alone = OK, z/Z = sent, or data
    // such as F<flags>). A stray CR without a command is what some adapters send after a frame.
    if (this.pending) this.settle(undefined, line);
    else if (line !== '' && line !== 'z' && line !== 'Z') this.emitError(new SlcanProtocolError(line, 'unexpected reply with no command pending'));
  };

  private command(text: string, timeoutMs = this.opts.commandTimeoutMs): Promise<string> {
    return new Promise<string>((resolve, reject) => {
      this.queue.push({ text, timeoutMs, resolve, reject });
      this.pump();
    });
  }

  private pump(): void {
    if (this.pending || this.queue.length === 0) return;
    const port = this.port;
    const cmd = this.queue.shift()!;
    if (!port?.isOpen) {
      cmd.reject(new CanSourceError(this.description, `cannot send "${cmd.text}": the serial port is not open`, undefined, { code: 'serialClosed' }));
      this.pump();
      return;
    }
    this.pending = cmd;
    cmd.timer = setTimeout(() => {
      if (this.pending === cmd) this.settle(new SlcanCommandError(this.description, cmd.text, `no reply to "${cmd.text}" within ${cmd.timeoutMs} ms`, { code: 'adapterSilent' }));
    }, cmd.timeoutMs);
    port.write(`${cmd.text}\r`, 'latin1');
  }

  private settle(err: Error | undefined, reply = ''): void {
    const cmd = this.pending;
    if (!cmd) return;
    this.pending = undefined;
    clearTimeout(cmd.timer);
    if (err) cmd.reject(err);
    else cmd.resolve(reply);
    this.pump();
  }

  private failCommands(err: Error): void {
    if (this.pending) this.settle(err);
    for (const cmd of this.queue.splice(0)) cmd.reject(err);
  }

  private onPortClose(port: SerialPort, err?: Error & { disconnected?: boolean }): void {
    if (this.port !== port) return;
    this.port = undefined;
    clearTimeout(this.statusTimer);
    const e = err?.disconnected
      ? new CanSourceError(this.description, 'serial port disappeared', err, { code: 'disconnected' })
      : new CanSourceError(this.description, 'serial port closed', err, { code: 'serialClosed' });
    this.failCommands(e);
    if (!this.wanted || this.connecting) return; // a failing connect reports and retries itself
    this.emitError(e);
    this.scheduleReconnect(e);
  }

  private scheduleReconnect(err: CanSourceError): void {
    if (!this.wanted) return;
    if (!this.opts.reconnect) {
      this.setFailedState('failed', err);
      return;
    }
    this.setFailedState('reconnecting', err);
    clearTimeout(this.reconnectTimer);
    this.reconnectTimer = setTimeout(() => {
      this.reconnectTimer = undefined;
      if (this.wanted) this.attempt().catch(() => undefined); // reported through 'error' and 'state'
    }, this.backoff.next());
  }

  // Lawicel status flags: bit 2 error warning, 3 data overrun, 5 error passive, 6 arbitration
  // lost, 7 bus error. SLCAN has no bus-off flag; a bus error is the nearest sign of it.
  private scheduleStatusPoll(): void {
    if (this.opts.statusPollMs <= 0) return;
    clearTimeout(this.statusTimer);
    this.statusTimer = setTimeout(() => {
      this.statusTimer = undefined;
      const gen = this.generation;
      this.command('F')
        .then((reply) => {
          if (gen !== this.generation) return;
          const flags = /^F([0-9A-Fa-f]{2})$/.exec(reply);
          if (!flags) throw new SlcanProtocolError(reply, 'status reply is not F<2 hex digits>');
          this.onStatusFlags(parseInt(flags[1], 16));
          this.scheduleStatusPoll();
        })
        .catch((err: Error) => {
          if (gen !== this.generation) return;
          // An adapter without the F command answers BEL: stop asking rather than log it forever.
          this.emitError(new CanSourceError(this.description, `status polling stopped: ${err.message}`, err));
        });
    }, this.opts.statusPollMs);
  }

  private onStatusFlags(flags: number): void {
    const errorBits = flags & 0xec;
    if (errorBits & ~this.statusFlags) this.stats.errors++;
    if (flags & 0x80 && !(this.statusFlags & 0x80)) {
      this.stats.busOff++;
      const hex = `0x${flags.toString(16).padStart(2, '0')}`;
      this.setState('bus-off', `bus error (status flags ${hex})`, { code: 'busError', args: { flags: hex } });
    } else if (!(flags & 0x80) && this.state === 'bus-off') {
      this.setState('open');
    }
    this.statusFlags = flags;
  }

  private async dropPort(): Promise<void> {
    const port = this.port;
    this.port = undefined;
    if (port) await closeQuietly(port);
  }
}

function closeQuietly(port: SerialPort): Promise<void> {
  return new Promise<void>((resolve) => {
    if (!port.isOpen) {
      port.removeAllListeners();
      resolve();
      return;
    }
    port.close(() => {
      port.removeAllListeners();
      resolve();
    });
  });
}

// serialport reports an open failure as a message ("Permission denied, cannot open ..."), with
// an errno code only on some platforms.
function serialOpenProblem(err: Error & { code?: string }): CanProblemCode {
  return err.code === 'EACCES' || /permission denied/i.test(err.message) ? 'permission' : 'serialOpen';
}
