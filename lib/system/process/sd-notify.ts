// systemd's notify protocol (sd_notify(3)): a datagram like "READY=1" or "WATCHDOG=1" sent to
// the unix socket named by NOTIFY_SOCKET. Node's dgram has no unix datagram sockets and we add
// no native module, so the datagram is sent by the systemd-notify command, present wherever
// systemd is. It runs as a child of the gateway, so the unit needs NotifyAccess=all; since
// systemd 246 systemd-notify waits until the manager has read the message (sd_notify_barrier),
// so the child exiting right after does not lose it.
import { spawn, type ChildProcess } from 'node:child_process';

export class NotifyError extends Error {
  constructor(
    readonly state: string,
    detail: string,
  ) {
    super(`systemd notify ${state}: ${detail}`);
    this.name = 'NotifyError';
  }
}

export interface NotifierOptions {
  /** the environment holding NOTIFY_SOCKET; process.env by default */
  env?: NodeJS.ProcessEnv;
  /** the command that sends one notification; "systemd-notify" by default */
  command?: string;
  /** how long one send may take before it is abandoned, ms */
  timeoutMs?: number;
}

/** The notify socket, when the process runs under systemd with Type=notify (or a test set one). */
export function notifySocket(env: NodeJS.ProcessEnv = process.env): string | undefined {
  const s = env.NOTIFY_SOCKET;
  return s && (s.startsWith('/') || s.startsWith('@')) ? s : undefined;
}

export class SystemdNotifier {
  private readonly env: NodeJS.ProcessEnv;
  private readonly command: string;
  private readonly timeoutMs: number;
  private readonly children = new Set<ChildProcess>();
  private closed = false;

  constructor(opts: NotifierOptions = {}) {
    this.env = opts.env ?? process.env;
    this.command = opts.command ?? 'systemd-notify';
    this.timeoutMs = opts.timeoutMs ?? 10_000;
  }

  /** Whether there is a socket to notify. */
  get enabled(): boolean {
    return notifySocket(this.env) !== undefined;
  }

  /** Sends under way (a keepalive skips its turn while the previous one is still out). */
  get pending(): number {
    return this.children.size;
  }

  /** Sends one state ("READY=1", "WATCHDOG=1", "STATUS=..."); rejects with a NotifyError saying why. */
  send(state: string): Promise<void> {
    const socket = notifySocket(this.env);
    if (this.closed) return Promise.reject(new NotifyError(state, 'notifier closed'));
    if (!socket) return Promise.reject(new NotifyError(state, 'NOTIFY_SOCKET is not set (not started by systemd with Type=notify)'));
    return new Promise((resolve, reject) => {
      let stderr = '';
      const child = spawn(this.command, [state], { env: { ...this.env, NOTIFY_SOCKET: socket }, stdio: ['ignore', 'ignore', 'pipe'], timeout: this.timeoutMs });
      this.children.add(child);
      child.stderr?.setEncoding('utf8');
      child.stderr?.on('data', (d: string) => {
        if (stderr.length < 500) stderr += d;
      });
      child.once('error', (err: NodeJS.ErrnoException) => {
        this.children.delete(child);
        reject(new NotifyError(state, err.code === 'ENOENT' ? `${this.command} not found (it comes with systemd)` : err.message));
      });
      child.once('close', (code, signal) => {
        this.children.delete(child);
        if (code === 0) resolve();
        else reject(new NotifyError(state, `${this.command} ${signal ? `killed by ${signal}` : `exited with ${code}`} (socket ${socket})${stderr ? `: ${stderr.trim()}` : ''}`));
      });
    });
  }

  /** Stops sends under way (their promises reject). */
  close(): void {
    this.closed = true;
    for (const c of this.children) c.kill('SIGKILL');
  }
}
