// The benches' child processes (simulators, measured gateways) report over IPC as { type, ... }.
import type { ChildProcess } from 'node:child_process';

/** The next message of `type` from a child (or its error / exit). */
export function nextMessage<T>(child: ChildProcess, type: string, timeoutMs: number): Promise<T> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => done(new Error(`no "${type}" from the child within ${timeoutMs} ms`)), timeoutMs);
    const onMessage = (m: { type: string; error?: string }) => {
      if (m.type === type) done(undefined, m as T);
      else if (m.type === 'error') done(new Error(m.error));
    };
    const onExit = (code: number | null) => done(new Error(`child exited (${code}) before "${type}"`));
    const done = (err?: Error, value?: T) => {
      clearTimeout(timer);
      child.off('message', onMessage);
      child.off('exit', onExit);
      if (err) reject(err);
      else resolve(value!);
    };
    child.on('message', onMessage);
    child.on('exit', onExit);
  });
}
