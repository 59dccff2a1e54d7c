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

/** A forked child the bench talks to: the next message of a type, a question and its answer, a stop. */
export interface BenchChild {
  proc: ChildProcess;
  next(type: string): Promise<Record<string, unknown>>;
  ask<T>(type: string, key: string, extra?: Record<string, unknown>): Promise<T>;
  stop(): Promise<void>;
}

/**
 * Talks to `proc` (named `script` in errors): messages are matched to waiters by type, in order;
 * an error message, or the child's exit, fails every waiter and every later one.
 */
export function talkTo(proc: ChildProcess, script: string): BenchChild {
  const waiting = new Map<string, Array<(m: Record<string, unknown>) => void>>();
  let failure: Error | undefined;
  const fail = (err: Error) => {
    failure ??= err;
    for (const list of waiting.values()) for (const w of list.splice(0)) w({ type: 'error', error: err.message });
  };
  proc.on('message', (m: Record<string, unknown>) => {
    if (m.type === 'error') return fail(new Error(`${script}: ${String(m.error)}`));
    waiting.get(m.type as string)?.shift()?.(m);
  });
  proc.on('exit', (code, signal) => fail(new Error(`${script} exited (${signal ?? code})`)));
  const next = (type: string) =>
    new Promise<Record<string, unknown>>((resolve, reject) => {
      if (failure) return reject(failure);
      const list = waiting.get(type) ?? [];
      list.push((m) => (m.type === 'error' ? reject(new Error(String(m.error))) : resolve(m)));
      waiting.set(type, list);
    });
  return {
    proc,
    next,
    async ask<T>(type: string, key: string, extra: Record<string, unknown> = {}): Promise<T> {
      const reply = next(type);
      proc.send({ ...extra, type });
      return (await reply)[key] as T;
    },
    async stop() {
      if (proc.exitCode !== null || proc.signalCode !== null) return;
      const exited = new Promise((r) => proc.once('exit', r));
      if (proc.connected) proc.send({ type: 'stop' });
      const killer = setTimeout(() => proc.kill('SIGKILL'), 10000);
      await exited;
      clearTimeout(killer);
    },
  };
}

/** A message to the bench that forked this process (none when run alone). */
export function toParent(m: unknown): void {
  process.send?.(m);
}

/** Runs a bench child's main: a failure goes to the parent as { type: 'error' } and ends the process. */
export function runChild(main: () => Promise<void>): void {
  main().catch((err) => {
    toParent({ type: 'error', error: (err as Error).stack ?? String(err) });
    process.exit(1);
  });
}
