// Installing our tarball the way Node-RED's palette manager does, into a plain Node-RED user
// directory, and running that plain Node-RED: shared by the palette-install and examples-import
// tests.
import { spawnSync, type SpawnSyncReturns } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startProcess, waitFor, type Peer } from './process';

// The flags Node-RED's palette manager passes (@node-red/registry/lib/installer.js).
export const PALETTE_FLAGS = ['install', '--no-audit', '--no-update-notifier', '--no-fund', '--save', '--save-prefix=~', '--omit=dev', '--engine-strict'];

/** A user directory like the one Node-RED creates on first start, with our tarball installed by the palette flags. */
export function paletteInstall(tarball: string, userDir: string, env: NodeJS.ProcessEnv): SpawnSyncReturns<string> {
  mkdirSync(userDir, { recursive: true });
  writeFileSync(join(userDir, 'package.json'), JSON.stringify({ name: 'node-red-project', description: 'A Node-RED Project', version: '0.0.1', private: true }));
  return spawnSync('npm', [...PALETTE_FLAGS, tarball], { cwd: userDir, env, encoding: 'utf8', timeout: 600000 });
}

export interface NodeSetInfo {
  module: string;
  types: string[];
  enabled: boolean;
  err?: string;
}

export interface PlainNodeRed {
  base: string;
  peer: Peer;
  /** the node sets the admin API listed once it answered */
  sets: NodeSetInfo[];
}

/** Starts `node red.js -u userDir -p port [-s settings]` and waits (generously) for its admin API. */
export async function startPlainNodeRed(opts: { node: string; redJs: string; userDir: string; port: number; env: NodeJS.ProcessEnv; settingsFile?: string; label: string }): Promise<PlainNodeRed> {
  const args = [opts.redJs, '-u', opts.userDir, '-p', String(opts.port)];
  if (opts.settingsFile) args.push('-s', opts.settingsFile);
  const peer = startProcess(opts.node, args, { env: opts.env });
  const base = `http://127.0.0.1:${opts.port}`;
  try {
    const sets = await waitFor(
      `${opts.label} admin API`,
      async () => {
        if (peer.proc.exitCode !== null) throw Object.assign(new Error(`Node-RED exited: ${peer.output()}`), { fatal: true });
        const r = await fetch(`${base}/nodes`, { headers: { accept: 'application/json' } }).catch(() => null);
        return r && r.status === 200 ? ((await r.json()) as NodeSetInfo[]) : null;
      },
      120000,
      250,
    );
    return { base, peer, sets };
  } catch (err) {
    await peer.stop();
    throw err;
  }
}
