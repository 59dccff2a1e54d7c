// A real pymodbus 3.0 server for tests: Modbus TCP (or RTU frames over TCP) on an ephemeral
// loopback port, or RTU/ASCII on
// one end of a socat pty pair (the client opens `path`, the other end). Several unit ids, with
// a control channel to set and read registers and to make a unit silent (a dead slave).
// Shared by the line, device, poller and CLI tests: keep this API stable.
import { join } from 'node:path';
import { startProcess, waitFor, type Peer } from './process';
import { ptyPair, type PtyPair } from './socat';

export type PyArea = 'coil' | 'discrete' | 'holding' | 'input';

export interface PymodbusOptions {
  transport: 'tcp' | 'rtu-over-tcp' | 'rtu' | 'ascii';
  /** unit ids the server answers for (default [1]) */
  units?: number[];
  /** tcp, rtu-over-tcp: the port to listen on (default: an ephemeral one, kept across restart()) */
  port?: number;
  /** rtu/ascii: the serial path the server opens (default: one end of a new pty pair) */
  ptyPath?: string;
  baudRate?: number;
  /** registers/bits per area per unit (default 2000) */
  size?: number;
  /** start with an all-zero image instead of holding[i]=i, input[i]=2i, coil[i]=i odd, discrete[i]=i%3==0 */
  zeros?: boolean;
  /** what function 43 / MEI 14 answers, by the specification's object names (VendorName, ProductCode, ModelName...) */
  identity?: Record<string, string>;
}

export interface PymodbusServer {
  transport: 'tcp' | 'rtu-over-tcp' | 'rtu' | 'ascii';
  host: string;
  /** tcp: the listening port */
  port?: number;
  /** rtu/ascii: the path a client opens */
  path?: string;
  units: number[];
  setRegisters(unit: number, area: PyArea, address: number, values: Array<number | boolean>): Promise<void>;
  getRegisters(unit: number, area: PyArea, address: number, count: number): Promise<Array<number | boolean>>;
  /** a silent unit gets no answer at all (requests to it time out); the others keep answering */
  silence(unit: number, on: boolean): Promise<void>;
  /** kills the server process (SIGKILL), keeping the port/pty for start() */
  kill(): Promise<void>;
  /** starts it again after kill(); replays every set and silence so far */
  start(): Promise<void>;
  restart(): Promise<void>;
  /** stops the server and its pty pair for good */
  stop(): Promise<void>;
  output(): string;
}

const SCRIPT = join(__dirname, 'pymodbus_server.py');

interface Pending {
  resolve(v: { ok: boolean; error?: string; values?: Array<number | boolean> }): void;
}

export async function startPymodbus(opts: PymodbusOptions): Promise<PymodbusServer> {
  const units = opts.units ?? [1];
  const isTcp = opts.transport === 'tcp' || opts.transport === 'rtu-over-tcp';
  let pty: PtyPair | undefined;
  let serverPath = opts.ptyPath;
  let clientPath: string | undefined;
  if (!isTcp && !serverPath) {
    pty = await ptyPair();
    serverPath = pty.a;
    clientPath = pty.b;
  }
  let port = opts.port ?? 0;
  let peer: Peer | undefined;
  let nextId = 1;
  const closedOf = new WeakMap<Peer, Promise<void>>();
  const halt = async (signal: NodeJS.Signals): Promise<void> => {
    if (!peer) return;
    peer.proc.stdin?.end();
    await peer.stop(signal);
    await closedOf.get(peer);
    await new Promise((r) => setImmediate(r));
  };
  const pending = new Map<number, Pending>();
  // replayed after a restart so the device keeps its image across a "reboot"
  const history: string[] = [];

  const launch = async (): Promise<void> => {
    const args = [SCRIPT, '--transport', opts.transport, '--units', units.join(','), '--size', String(opts.size ?? 2000)];
    if (isTcp) args.push('--port', String(port));
    else args.push('--path', serverPath!, '--baud', String(opts.baudRate ?? 19200));
    if (opts.zeros) args.push('--zeros');
    if (opts.identity) args.push('--identity', JSON.stringify(opts.identity));
    const p = startProcess('/usr/bin/python3', args, { stdio: ['pipe', 'pipe', 'pipe'] });
    peer = p;
    // 'exit' comes before the stdio pipes and the process handle are released; tests that
    // count active handles after stop() need 'close'
    const closed = new Promise<void>((r) => p.proc.once('close', () => r()));
    closedOf.set(p, closed);
    let buf = '';
    let ready: string | undefined;
    p.proc.stdout!.on('data', (d: Buffer) => {
      buf += d.toString();
      let nl: number;
      while ((nl = buf.indexOf('\n')) >= 0) {
        const line = buf.slice(0, nl).trim();
        buf = buf.slice(nl + 1);
        if (line.startsWith('READY ')) ready = line.slice(6);
        else if (line.startsWith('{')) {
          try {
            const reply = JSON.parse(line) as { id: number; ok: boolean; error?: string; values?: Array<number | boolean> };
            const w = pending.get(reply.id);
            if (w) {
              pending.delete(reply.id);
              w.resolve(reply);
            }
          } catch {
            /* not a reply line */
          }
        }
      }
    });
    p.proc.stdin!.on('error', () => undefined); // EPIPE after a kill
    p.proc.on('exit', () => {
      for (const [id, w] of pending) {
        pending.delete(id);
        w.resolve({ ok: false, error: 'pymodbus server exited' });
      }
    });
    try {
      await waitFor(
        `pymodbus ${opts.transport} server READY`,
        () => {
          if (p.proc.exitCode !== null) throw new Error(`exited: ${p.output()}`);
          return ready;
        },
        15000,
        20,
      );
    } catch (err) {
      await p.stop('SIGKILL');
      await closed;
      throw err;
    }
    if (isTcp) port = Number(ready);
    for (const line of history) await send(line);
  };

  const send = (line: string): Promise<{ ok: boolean; error?: string; values?: Array<number | boolean> }> =>
    new Promise((resolve) => {
      const p = peer;
      if (!p || p.proc.exitCode !== null || p.proc.signalCode !== null) {
        resolve({ ok: false, error: 'pymodbus server is not running' });
        return;
      }
      const id = nextId++;
      pending.set(id, { resolve });
      const cmd = JSON.parse(line) as Record<string, unknown>;
      p.proc.stdin!.write(JSON.stringify({ ...cmd, id }) + '\n');
    });

  const command = async (cmd: Record<string, unknown>, remember: boolean): Promise<Array<number | boolean> | undefined> => {
    const line = JSON.stringify(cmd);
    if (remember) history.push(line);
    const reply = await send(line);
    if (!reply.ok) throw new Error(`pymodbus ${String(cmd.cmd)} failed: ${reply.error}`);
    return reply.values;
  };

  try {
    await launch();
  } catch (err) {
    // the pty's socat would otherwise outlive the failure and hold the test file open
    if (pty) await pty.stop();
    throw err;
  }

  const server: PymodbusServer = {
    transport: opts.transport,
    host: '127.0.0.1',
    port: isTcp ? port : undefined,
    path: clientPath ?? (isTcp ? undefined : serverPath),
    units,
    async setRegisters(unit, area, address, values) {
      await command({ cmd: 'set', unit, area, address, values }, true);
    },
    async getRegisters(unit, area, address, count) {
      return (await command({ cmd: 'get', unit, area, address, count }, false)) ?? [];
    },
    async silence(unit, on) {
      await command({ cmd: 'silence', unit, on }, true);
    },
    async kill() {
      await halt('SIGKILL');
    },
    async start() {
      if (peer && peer.proc.exitCode === null && peer.proc.signalCode === null) return;
      await launch();
    },
    async restart() {
      await server.kill();
      await server.start();
    },
    async stop() {
      await halt('SIGTERM');
      if (pty) await pty.stop();
    },
    output: () => peer?.output() ?? '',
  };
  return server;
}
