// A real PostgreSQL 15 cluster created by the test in a temp dir (initdb/pg_ctl), on a loopback
// port of its own, password authentication (scram) so credentials are exercised. PostgreSQL
// refuses to run as root: as root, every server command runs as the `postgres` user (runuser).
import { execFile, execFileSync, spawnSync } from 'node:child_process';
import { chownSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type * as Pg from 'pg';
import { freePort, waitFor } from './process';

const BIN = '/usr/lib/postgresql/15/bin';

export interface PostgresServer {
  host: string;
  port: number;
  user: string;
  password: string;
  database: string;
  /** a fresh client connection (the caller ends it) */
  connect(): Promise<Pg.Client>;
  /** runs one statement on a short-lived connection */
  query<T extends Record<string, unknown> = Record<string, unknown>>(sql: string, params?: unknown[]): Promise<T[]>;
  /** 'immediate' is a crash (no checkpoint), 'fast' a clean shutdown that ends every session */
  stop(mode?: 'immediate' | 'fast'): Promise<void>;
  start(): Promise<void>;
  dispose(): void;
}

function asServerUser(cmd: string, args: string[]): string[] {
  return process.getuid?.() === 0 ? ['runuser', '-u', 'postgres', '--', cmd, ...args] : [cmd, ...args];
}

/** Runs a server command without blocking the event loop (clients stay live meanwhile). */
function runAsync(cmd: string, args: string[]): Promise<void> {
  const [exe, ...rest] = asServerUser(cmd, args);
  return new Promise((resolve, reject) =>
    execFile(exe, rest, { encoding: 'utf8' }, (err, stdout, stderr) => (err ? reject(new Error(`${cmd} ${args.join(' ')} failed: ${stderr || stdout || err.message}`)) : resolve())),
  );
}

function run(cmd: string, args: string[]): void {
  const [exe, ...rest] = asServerUser(cmd, args);
  const r = spawnSync(exe, rest, { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed (${r.status}): ${r.stderr || r.stdout}`);
}

export async function startPostgres(): Promise<PostgresServer> {
  const dir = mkdtempSync(join(tmpdir(), 'edgegw-pg-'));
  if (process.getuid?.() === 0) {
    const uid = Number(execFileSync('id', ['-u', 'postgres'], { encoding: 'utf8' }).trim());
    const gid = Number(execFileSync('id', ['-g', 'postgres'], { encoding: 'utf8' }).trim());
    chownSync(dir, uid, gid);
  }
  const password = 's3cret-pg-pass';
  const pwfile = join(dir, 'pw');
  writeFileSync(pwfile, `${password}\n`);
  if (process.getuid?.() === 0) chownSync(pwfile, Number(execFileSync('id', ['-u', 'postgres'], { encoding: 'utf8' }).trim()), 0);
  const data = join(dir, 'data');
  run(`${BIN}/initdb`, ['-D', data, '-U', 'postgres', '--auth=scram-sha-256', `--pwfile=${pwfile}`, '-E', 'UTF8', '--no-sync', '--locale=C']);
  const port = await freePort();
  const server: PostgresServer = {
    host: '127.0.0.1',
    port,
    user: 'postgres',
    password,
    database: 'postgres',
    async connect() {
      const pg = require('pg') as typeof Pg;
      const client = new pg.Client({ host: '127.0.0.1', port, user: 'postgres', password, database: 'postgres' });
      client.on('error', () => undefined);
      await client.connect();
      return client;
    },
    async query(sql, params) {
      const client = await server.connect();
      try {
        return (await client.query(sql, params)).rows;
      } finally {
        await client.end().catch(() => undefined);
      }
    },
    async stop(mode = 'immediate') {
      await runAsync(`${BIN}/pg_ctl`, ['-D', data, '-m', mode, '-w', 'stop']);
    },
    async start() {
      await runAsync(`${BIN}/pg_ctl`, ['-D', data, '-l', join(dir, 'server.log'), '-w', '-t', '60', '-o', `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1`, 'start']);
      await waitFor(
        `postgres on 127.0.0.1:${port}`,
        async () => {
          await server.query('SELECT 1');
          return true;
        },
        30000,
        100,
      );
    },
    dispose() {
      try {
        run(`${BIN}/pg_ctl`, ['-D', data, '-m', 'immediate', '-w', 'stop']);
      } catch {
        /* already stopped */
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
  await server.start();
  return server;
}
