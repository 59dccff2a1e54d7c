// The fast libmodbus server of /work/shared/peers (holding register i = i, input register
// i = 2i, 10,000 of each; anything beyond answers "illegal data address"), built once into a
// temp dir. For tests that need many requests quickly (pymodbus is too slow for that).
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort, startProcess, waitForPort, type Peer } from './process';

export const MBSERVER_SRC = process.env.EDGEGW_MBSERVER_SRC ?? '/work/shared/peers/mbserver.c';

/** needPeers() entry: the C source, a compiler and libmodbus-dev. */
export function haveMbserver(): [string, boolean, string] {
  const ok =
    existsSync(MBSERVER_SRC) &&
    spawnSync('sh', ['-c', 'command -v cc'], { stdio: 'ignore' }).status === 0 &&
    spawnSync('pkg-config', ['--exists', 'libmodbus'], { stdio: 'ignore' }).status === 0;
  return ['libmodbus mbserver (cc, libmodbus-dev, ' + MBSERVER_SRC + ')', ok, 'apt-get install gcc pkg-config libmodbus-dev'];
}

function build(): string {
  const dir = join(tmpdir(), 'edgegw-mbserver');
  mkdirSync(dir, { recursive: true });
  const bin = join(dir, 'mbserver');
  if (existsSync(bin) && statSync(bin).mtimeMs >= statSync(MBSERVER_SRC).mtimeMs) return bin;
  const flags = spawnSync('pkg-config', ['--cflags', '--libs', 'libmodbus'], { encoding: 'utf8' }).stdout.trim().split(/\s+/);
  const tmp = `${bin}.${process.pid}`;
  const cc = spawnSync('cc', ['-O2', '-o', tmp, MBSERVER_SRC, ...flags], { encoding: 'utf8' });
  if (cc.status !== 0) throw new Error(`building mbserver failed: ${cc.stderr}`);
  // rename is atomic: parallel test files never run a half-written binary
  spawnSync('mv', ['-f', tmp, bin]);
  return bin;
}

export async function startMbserver(): Promise<{ port: number; peer: Peer; stop(): Promise<void> }> {
  const bin = build();
  const port = await freePort();
  const peer = startProcess(bin, [String(port)]);
  await waitForPort(port);
  return { port, peer, stop: () => peer.stop('SIGKILL') };
}
