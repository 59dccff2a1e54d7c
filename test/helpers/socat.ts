// A pty pair through socat: a serial line on one machine, with a peer on each end.
import { mkdtempSync, existsSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startProcess, waitFor, type Peer } from './process';

export interface PtyPair {
  a: string;
  b: string;
  stop(): Promise<void>;
}

export async function ptyPair(): Promise<PtyPair> {
  const dir = mkdtempSync(join(tmpdir(), 'edgegw-pty-'));
  const a = join(dir, 'ttyA');
  const b = join(dir, 'ttyB');
  const peer: Peer = startProcess('socat', ['-d', '-d', `pty,raw,echo=0,link=${a}`, `pty,raw,echo=0,link=${b}`]);
  await waitFor('socat pty pair', () => existsSync(a) && existsSync(b), 30_000);
  return {
    a,
    b,
    async stop() {
      await peer.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
