// Starts the real `edge-gateway` command (dist/runtime/cli.js) as a child process on free
// ports with a temporary user directory, the way a user runs it.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort, startProcess, waitFor, type Peer } from './process';

export const REPO_ROOT = join(__dirname, '..', '..');
export const CLI = join(REPO_ROOT, 'dist', 'runtime', 'cli.js');

export interface GatewayProcess {
  port: number;
  brokerPort: number;
  userDir: string;
  base: string;
  peer: Peer;
  stop(signal?: NodeJS.Signals): Promise<{ code: number | null; ms: number }>;
  cleanup(): void;
}

export interface GatewayOptions {
  args?: string[];
  env?: Record<string, string>;
  userDir?: string;
  waitHealthy?: boolean;
  /** another build's dist/runtime/cli.js (a bench's "before" checkout); this repository's by default */
  cli?: string;
}

export async function startGatewayProcess(opts: GatewayOptions = {}): Promise<GatewayProcess> {
  const port = await freePort();
  const brokerPort = await freePort();
  const simPort = await freePort();
  const userDir = opts.userDir ?? mkdtempSync(join(tmpdir(), 'edgegw-ud-'));
  const args = [opts.cli ?? CLI, '--port', String(port), '--broker-port', String(brokerPort), '--sim-port', String(simPort), '--user-dir', userDir, ...(opts.args ?? [])];
  const env: NodeJS.ProcessEnv = { ...process.env, ...opts.env };
  for (const k of Object.keys(env)) if (k.startsWith('EDGE_GATEWAY_') && !(opts.env && k in opts.env)) delete env[k];
  const peer = startProcess(process.execPath, args, { env });
  const base = `http://127.0.0.1:${port}`;
  const gw: GatewayProcess = {
    port,
    brokerPort,
    userDir,
    base,
    peer,
    async stop(signal: NodeJS.Signals = 'SIGTERM') {
      const t0 = Date.now();
      if (peer.proc.exitCode !== null) return { code: peer.proc.exitCode, ms: 0 };
      const exited = new Promise<number | null>((r) => peer.proc.once('exit', (code) => r(code)));
      peer.proc.kill(signal);
      const killer = setTimeout(() => peer.proc.kill('SIGKILL'), 15000);
      const code = await exited;
      clearTimeout(killer);
      return { code, ms: Date.now() - t0 };
    },
    cleanup() {
      if (!opts.userDir) rmSync(userDir, { recursive: true, force: true });
    },
  };
  if (opts.waitHealthy !== false) {
    try {
      await waitFor(
        'gateway /health',
        async () => {
          if (peer.proc.exitCode !== null) throw Object.assign(new Error(`gateway exited with ${peer.proc.exitCode}`), { fatal: true });
          const r = await fetch(`${base}/health`).catch(() => null);
          if (!r) return false;
          const body = (await r.json()) as { flows?: { started?: boolean } };
          return body.flows?.started === true;
        },
        60000,
        200,
      );
    } catch (err) {
      await gw.stop('SIGKILL');
      gw.cleanup();
      throw new Error(`${(err as Error).message}\n--- gateway output ---\n${peer.output()}`);
    }
  }
  return gw;
}

/** Runs the CLI to completion and returns its exit code and output. */
export async function runCli(args: string[], opts: { env?: Record<string, string>; input?: string; timeoutMs?: number } = {}): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const { spawn } = await import('node:child_process');
  const env: NodeJS.ProcessEnv = { ...process.env, ...opts.env };
  for (const k of Object.keys(env)) if (k.startsWith('EDGE_GATEWAY_') && !(opts.env && k in opts.env)) delete env[k];
  return await new Promise((resolve, reject) => {
    const p = spawn(process.execPath, [CLI, ...args], { env, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    p.stdout.on('data', (d) => (stdout += d));
    p.stderr.on('data', (d) => (stderr += d));
    const t = setTimeout(() => p.kill('SIGKILL'), opts.timeoutMs ?? 60000);
    p.on('error', reject);
    p.on('exit', (code) => {
      clearTimeout(t);
      resolve({ code, stdout, stderr });
    });
    p.stdin.end(opts.input ?? '');
  });
}

/** The admin user the runtime tests log in as (`plant`, password `correct horse battery`). */
export const ADMIN = { username: 'plant', password: 'correct horse battery' } as const;

/** A new user directory (under `prefix`) with the admin user ADMIN added by `edge-gateway admin add-user`. */
export async function userDirWithAdmin(prefix: string): Promise<string> {
  const userDir = mkdtempSync(join(tmpdir(), prefix));
  const added = await runCli(['admin', 'add-user', ADMIN.username, '--user-dir', userDir], { input: `${ADMIN.password}\n` });
  if (added.code !== 0) throw new Error(`admin add-user exited ${added.code}: ${added.stderr}`);
  return userDir;
}
