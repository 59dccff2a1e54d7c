// Leak checks for the Modbus line/server tests: what process.getActiveResourcesInfo() holds,
// compared by kind, waiting a little for handles that close asynchronously.
import v8 from 'node:v8';
import vm from 'node:vm';

export function resourceCounts(): Map<string, number> {
  const m = new Map<string, number>();
  for (const r of process.getActiveResourcesInfo()) m.set(r, (m.get(r) ?? 0) + 1);
  return m;
}

/** Kinds that exceed the baseline, e.g. ["Timeout +2", "TCPSocketWrap +1"]; empty when none. */
export function excessOver(baseline: Map<string, number>): string[] {
  const out: string[] = [];
  for (const [kind, n] of resourceCounts()) {
    const extra = n - (baseline.get(kind) ?? 0);
    if (extra > 0) out.push(`${kind} +${extra}`);
  }
  return out;
}

/** Waits (up to timeoutMs) until no resource kind exceeds the baseline; returns what still does. */
export async function settleTo(baseline: Map<string, number>, timeoutMs = 3000): Promise<string[]> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const extra = excessOver(baseline);
    if (extra.length === 0 || Date.now() > deadline) return extra;
    await new Promise((r) => setTimeout(r, 25));
  }
}

let gcFn: (() => void) | undefined;
/** A real garbage collection (exposes gc at runtime when node was not started with --expose-gc). */
export function forceGc(): void {
  if (!gcFn) {
    const g = (globalThis as { gc?: () => void }).gc;
    if (g) gcFn = g;
    else {
      v8.setFlagsFromString('--expose-gc');
      gcFn = vm.runInNewContext('gc') as () => void;
    }
  }
  gcFn();
  gcFn();
}

/**
 * Deploys `deploy` once (so every lazily made module, metric and timer kind is in the baseline),
 * then `times` more, each followed by `during(i)` and a stop, and returns what the process holds
 * beyond the baseline once it settled (empty when nothing was left behind).
 */
export async function leftAfterRedeploys(
  steps: { deploy: () => Promise<unknown>; stop: () => Promise<unknown>; during?: (i: number) => unknown; after?: () => void },
  times = 100,
  settleMs = 10_000,
): Promise<string[]> {
  await steps.deploy();
  await steps.stop();
  const baseline = resourceCounts();
  for (let i = 0; i < times; i++) {
    await steps.deploy();
    await steps.during?.(i);
    await steps.stop();
  }
  steps.after?.();
  return settleTo(baseline, settleMs);
}
