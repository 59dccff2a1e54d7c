// A node that reads something right after deploy, every interval and on each input message (the
// system-tags and onewire nodes): one reading at a time, so a slow one (1-Wire conversions take
// 750 ms a sensor) is not stacked up by the timer and an input waits for the running one; a failure
// of a timed reading is logged, never thrown out of a timer; everything is released on close.
import type { Node, NodeMessage } from './red';

export interface PeriodicReading {
  /** true once the node closed: a reading that finishes afterwards must not send */
  readonly closed: boolean;
}

export function readPeriodically(node: Node, options: { kind: string; intervalMs: number; read: () => Promise<void>; onClose?: () => void }): PeriodicReading {
  const state = { closed: false };
  let running: Promise<void> | undefined;
  const readNow = () => (running ??= options.read().finally(() => (running = undefined)));
  const tick = () => {
    if (state.closed || running) return;
    readNow().catch((err: Error) => node.error(`${options.kind}: ${err.message}`));
  };
  const timer = setInterval(tick, options.intervalMs);
  // the first right away, so the figures appear without waiting a whole interval
  const first = setTimeout(tick, 0);
  node.on('input', (_msg: NodeMessage, _send, done) => {
    readNow().then(() => done(), done);
  });
  node.on('close', (_removed: boolean, done: () => void) => {
    state.closed = true;
    clearInterval(timer);
    clearTimeout(first);
    options.onClose?.();
    done();
  });
  return state;
}
