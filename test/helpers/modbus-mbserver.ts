// The fast Modbus TCP peer of test/peers/modbus-tcp-server.c (libmodbus, C: holding register
// i = i, input register i = 2i, 10,000 of each; anything beyond answers "illegal data address"),
// built with the system compiler into a cache dir keyed by the source's content, so an edited
// source rebuilds and parallel test files share one binary. For tests and benchmarks that need
// many requests quickly (pymodbus is too slow for that).
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { haveCommand } from './peers';
import { freePort, startProcess, waitForPort, type Peer } from './process';

export const MODBUS_TCP_SERVER_SRC = join(__dirname, '..', 'peers', 'modbus-tcp-server.c');

function haveLibmodbus(): boolean {
  return spawnSync('pkg-config', ['--exists', 'libmodbus'], { stdio: 'ignore' }).status === 0;
}

/** needPeers() entry: a C compiler, pkg-config and libmodbus-dev (the source is in the repo). */
export function haveMbserver(): [string, boolean, string] {
  return haveLibmodbusPeer('test/peers/modbus-tcp-server.c');
}

/** needPeers() entry for building the C peer `source` (a path in the repo) against libmodbus. */
export function haveLibmodbusPeer(source: string): [string, boolean, string] {
  return [`C compiler and libmodbus (cc, pkg-config, libmodbus-dev) to build ${source}`, haveCommand('cc') && haveLibmodbus(), 'apt-get install build-essential pkg-config libmodbus-dev'];
}

/**
 * Builds a C peer against libmodbus once per source content, into a cache dir shared by parallel
 * test files; returns the binary's path. Throws naming the step that failed.
 */
export function buildLibmodbusPeer(sourcePath: string, name: string): string {
  const source = readFileSync(sourcePath);
  const key = createHash('sha256').update(source).digest('hex').slice(0, 16);
  const dir = join(tmpdir(), 'edgegw-peers');
  const bin = join(dir, `${name}-${key}`);
  if (existsSync(bin)) return bin;
  mkdirSync(dir, { recursive: true });
  const flags = spawnSync('pkg-config', ['--cflags', '--libs', 'libmodbus'], { encoding: 'utf8' });
  if (flags.status !== 0) throw new Error(`pkg-config --cflags --libs libmodbus failed (apt-get install pkg-config libmodbus-dev): ${flags.stderr || String(flags.error)}`);
  const tmp = `${bin}.${process.pid}`;
  const cc = spawnSync('cc', ['-O2', '-o', tmp, sourcePath, ...flags.stdout.trim().split(/\s+/).filter(Boolean)], { encoding: 'utf8' });
  if (cc.status !== 0) throw new Error(`cc ${sourcePath} failed: ${cc.stderr || String(cc.error)}`);
  // rename is atomic: parallel test files never run a half-written binary
  renameSync(tmp, bin);
  return bin;
}

/** Builds the server once per source content; returns the binary's path. Throws naming the step that failed. */
export function buildModbusTcpServer(): string {
  return buildLibmodbusPeer(MODBUS_TCP_SERVER_SRC, 'modbus-tcp-server');
}

export interface ModbusTcpServerOptions {
  /** TCP_NODELAY on accepted sockets (default: Nagle on, like many embedded stacks). */
  nodelay?: boolean;
  /** every holding register a read covers changes after the answer (the poller's worst case) */
  changing?: boolean;
}

export async function startMbserver(options: ModbusTcpServerOptions = {}): Promise<{ port: number; peer: Peer; stop(): Promise<void> }> {
  const bin = buildModbusTcpServer();
  const port = await freePort();
  const peer = startProcess(bin, [String(port), ...(options.nodelay ? ['--nodelay'] : []), ...(options.changing ? ['--changing'] : [])]);
  await waitForPort(port);
  return { port, peer, stop: () => peer.stop('SIGKILL') };
}
