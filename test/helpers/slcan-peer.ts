// An SLCAN (Lawicel) USB-CAN adapter, emulated in-process on one end of a socat pty pair: it
// answers the Lawicel commands as a real adapter does (CR = OK, BEL = error), delivers injected
// frames while its channel is open, and records the frames the host transmits. Its frame
// encoding and parsing are written independently of lib/can so the tests check one against the
// other.
import { SerialPort } from 'serialport';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startProcess, waitFor, type Peer } from './process';

export interface PeerFrame {
  id: number;
  extended: boolean;
  fd?: boolean;
  brs?: boolean;
  rtr?: boolean;
  dlc?: number;
  data: Buffer;
}

export interface SlcanPeerOptions {
  /** what a transmit command is answered with: 'z' (Lawicel: z / Z) or 'cr' (many clones) */
  transmitReply?: 'z' | 'cr';
  /** answer Z0/Z1 (timestamps); default true */
  supportsTimestamps?: boolean;
  /** answer F (status flags); default true */
  supportsStatus?: boolean;
  /** do not answer at all (a dead adapter) */
  mute?: boolean;
}

const FD_LENGTHS = [0, 1, 2, 3, 4, 5, 6, 7, 8, 12, 16, 20, 24, 32, 48, 64];
const BEL = '\x07';

export class SlcanPeer {
  channelOpen = false;
  listenOnly = false;
  /** the S command last accepted, e.g. "S6" */
  bitrate?: string;
  timestamps = false;
  statusFlags = 0;
  /** every command line received, in order */
  readonly commands: string[] = [];
  /** frames the host transmitted */
  readonly sent: PeerFrame[] = [];
  /** commands (exact text or first letter) to answer with BEL */
  readonly refuse = new Set<string>();
  private buf = '';

  private constructor(
    private readonly port: SerialPort,
    readonly options: SlcanPeerOptions,
  ) {
    port.on('data', (chunk: Buffer) => this.onData(chunk));
    port.on('error', () => undefined); // the pty vanishing mid-test is part of some tests
  }

  static async open(path: string, options: SlcanPeerOptions = {}): Promise<SlcanPeer> {
    const port = new SerialPort({ path, baudRate: 115200, autoOpen: false });
    await new Promise<void>((resolve, reject) => port.open((err) => (err ? reject(err) : resolve())));
    return new SlcanPeer(port, options);
  }

  /** Delivers a frame to the host, as received from the bus; false when the channel is closed. */
  inject(frame: PeerFrame, deviceMs?: number): boolean {
    if (!this.channelOpen) return false;
    let text = encode(frame);
    if (this.timestamps) text += hex(deviceMs ?? Date.now() % 60000, 4);
    this.port.write(`${text}\r`);
    return true;
  }

  /** Writes raw bytes to the host (malformed lines, stray bells). */
  injectRaw(text: string): void {
    this.port.write(text, 'latin1');
  }

  bell(): void {
    this.port.write(BEL);
  }

  async close(): Promise<void> {
    if (!this.port.isOpen) return;
    await new Promise<void>((resolve) => this.port.close(() => resolve()));
    this.port.removeAllListeners();
  }

  private onData(chunk: Buffer): void {
    const s = this.buf + chunk.toString('latin1');
    const parts = s.split('\r');
    this.buf = parts.pop() ?? '';
    for (const cmd of parts) {
      this.commands.push(cmd);
      if (this.options.mute) continue;
      this.port.write(this.answer(cmd));
    }
  }

  private answer(cmd: string): string {
    if (this.refuse.has(cmd) || (cmd.length > 0 && this.refuse.has(cmd[0]))) return BEL;
    const c = cmd[0];
    switch (c) {
      case undefined:
        return '\r';
      case 'S':
        if (this.channelOpen || !/^S[0-8]$/.test(cmd)) return BEL;
        this.bitrate = cmd;
        return '\r';
      case 's':
        if (this.channelOpen || !/^s[0-9A-Fa-f]{4}$/.test(cmd)) return BEL;
        this.bitrate = cmd;
        return '\r';
      case 'O':
      case 'L':
        if (this.channelOpen || !this.bitrate || cmd.length !== 1) return BEL;
        this.channelOpen = true;
        this.listenOnly = c === 'L';
        return '\r';
      case 'C':
        if (!this.channelOpen) return BEL; // Lawicel: closing a closed channel is an error
        this.channelOpen = false;
        return '\r';
      case 'Z':
        if (this.channelOpen || this.options.supportsTimestamps === false || !/^Z[01]$/.test(cmd)) return BEL;
        this.timestamps = cmd === 'Z1';
        return '\r';
      case 'V':
        return 'V1013\r';
      case 'N':
        return 'NA123\r';
      case 'F':
        if (!this.channelOpen || this.options.supportsStatus === false) return BEL;
        return `F${hex(this.statusFlags, 2)}\r`;
      case 't':
      case 'T':
      case 'r':
      case 'R':
      case 'd':
      case 'D':
      case 'b':
      case 'B': {
        if (!this.channelOpen || this.listenOnly) return BEL;
        const frame = decode(cmd);
        if (!frame) return BEL;
        this.sent.push(frame);
        if (this.options.transmitReply === 'cr') return '\r';
        return c === c.toUpperCase() ? 'Z\r' : 'z\r';
      }
      default:
        return BEL;
    }
  }
}

function hex(n: number, width: number): string {
  return n.toString(16).toUpperCase().padStart(width, '0');
}

function encode(f: PeerFrame): string {
  const id = hex(f.id, f.extended ? 8 : 3);
  if (f.fd) {
    const letter = f.brs ? 'b' : 'd';
    return `${f.extended ? letter.toUpperCase() : letter}${id}${hex(FD_LENGTHS.indexOf(f.data.length), 1)}${f.data.toString('hex')}`;
  }
  if (f.rtr) return `${f.extended ? 'R' : 'r'}${id}${f.dlc ?? 0}`;
  return `${f.extended ? 'T' : 't'}${id}${f.data.length}${f.data.toString('hex')}`;
}

function decode(cmd: string): PeerFrame | null {
  const m = /^([tTrRdDbB])([0-9A-Fa-f]+)$/.exec(cmd);
  if (!m) return null;
  const letter = m[1];
  const extended = 'TRDB'.includes(letter);
  const idLen = extended ? 8 : 3;
  const body = m[2];
  const id = parseInt(body.slice(0, idLen), 16);
  const dlc = parseInt(body.slice(idLen, idLen + 1), 16);
  if (Number.isNaN(dlc)) return null;
  const fd = 'dDbB'.includes(letter);
  const rtr = 'rR'.includes(letter);
  const len = fd ? FD_LENGTHS[dlc] : rtr ? 0 : dlc;
  if (!fd && dlc > 8) return null;
  const dataHex = body.slice(idLen + 1);
  if (dataHex.length !== len * 2) return null;
  const frame: PeerFrame = { id, extended, data: Buffer.from(dataHex, 'hex') };
  if (fd) frame.fd = true;
  if (letter === 'b' || letter === 'B') frame.brs = true;
  if (rtr) {
    frame.rtr = true;
    frame.dlc = dlc;
  }
  return frame;
}

/**
 * A socat pty pair at fixed paths that can be stopped and started again, so a test can make the
 * adapter disappear and come back (USB unplug and replug).
 */
export class RestartablePtyPair {
  readonly dir = mkdtempSync(join(tmpdir(), 'edgegw-slcan-'));
  readonly a = join(this.dir, 'ttyA');
  readonly b = join(this.dir, 'ttyB');
  private peer?: Peer;

  async start(): Promise<void> {
    this.peer = startProcess('socat', ['-d', '-d', `pty,raw,echo=0,link=${this.a}`, `pty,raw,echo=0,link=${this.b}`]);
    await waitFor('socat pty pair', () => existsSync(this.a) && existsSync(this.b), 30_000);
  }

  async stop(): Promise<void> {
    await this.peer?.stop();
    this.peer = undefined;
    await waitFor('pty links removed', () => !existsSync(this.a) && !existsSync(this.b), 30_000);
  }

  async dispose(): Promise<void> {
    await this.peer?.stop();
    this.peer = undefined;
    rmSync(this.dir, { recursive: true, force: true });
  }
}
