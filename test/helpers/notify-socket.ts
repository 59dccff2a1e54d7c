// A systemd notify socket the test owns: python3 binds a unix datagram socket (Node cannot) and
// prints every datagram it receives as one JSON line (the barrier datagrams of the protocol left out).
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { haveCommand } from './peers';

export const NOTIFY_PEERS = {
  python3: (): [string, boolean, string] => ['python3', haveCommand('/usr/bin/python3'), 'apt-get install python3'],
  systemdNotify: (): [string, boolean, string] => ['systemd-notify', haveCommand('systemd-notify'), 'apt-get install systemd'],
};

const RECEIVER = `
import json, socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(sys.argv[1])
print('"bound"', flush=True)
while True:
    data = s.recv(4096)
    print(json.dumps(data.decode('utf-8', 'replace')), flush=True)
`;

export interface NotifySocket {
  path: string;
  /** every datagram received so far, in order */
  messages: string[];
  /** waits (bounded polling) until `predicate` holds over the messages */
  waitFor(predicate: (messages: string[]) => boolean, timeoutMs?: number): Promise<void>;
  close(): Promise<void>;
}

export async function startNotifySocket(): Promise<NotifySocket> {
  const dir = mkdtempSync(join(tmpdir(), 'edgegw-notify-'));
  const path = join(dir, 'notify.sock');
  const child: ChildProcess = spawn('/usr/bin/python3', ['-c', RECEIVER, path], { stdio: ['ignore', 'pipe', 'inherit'] });
  const messages: string[] = [];
  let bound = false;
  let buf = '';
  child.stdout!.setEncoding('utf8');
  child.stdout!.on('data', (d: string) => {
    buf += d;
    let nl: number;
    while ((nl = buf.indexOf('\n')) >= 0) {
      const line = JSON.parse(buf.slice(0, nl)) as string;
      buf = buf.slice(nl + 1);
      // systemd-notify follows each state with BARRIER=1 and a file descriptor (sd_notify_barrier):
      // it waits until the receiver closes that descriptor, which python does by not taking it.
      // Protocol, not a state: left out of the list.
      if (!bound && line === 'bound') bound = true;
      else if (line !== 'BARRIER=1') messages.push(line);
    }
  });
  const waitFor = async (predicate: (m: string[]) => boolean, timeoutMs = 20_000) => {
    const deadline = Date.now() + timeoutMs;
    while (!predicate(messages)) {
      if (Date.now() > deadline) throw new Error(`notify socket: condition not met within ${timeoutMs} ms; received ${JSON.stringify(messages)}`);
      await new Promise((r) => setTimeout(r, 20));
    }
  };
  const deadline = Date.now() + 20_000;
  while (!bound) {
    if (child.exitCode !== null || Date.now() > deadline) throw new Error('python3 notify socket did not start');
    await new Promise((r) => setTimeout(r, 20));
  }
  return {
    path,
    messages,
    waitFor,
    async close() {
      if (child.exitCode === null) {
        const exited = new Promise((r) => child.once('exit', r));
        child.kill();
        await exited;
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
