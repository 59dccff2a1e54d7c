// How often the watchdog tells systemd it is alive. Each WATCHDOG=1 is a systemd-notify process
// (Node has no unix datagram socket, see lib/system/process/sd-notify.ts): at the keepalive of a
// hardware device (0.01 s) that was 40% of a core. systemd only needs one within WatchdogSec, so
// its keepalive is paced on its own: at most once a second, or a quarter of WatchdogSec when that
// is shorter.

/** The least time between two WATCHDOG=1 of one node, ms, when WatchdogSec allows it. */
export const SYSTEMD_NOTIFY_FLOOR_MS = 1000;

/**
 * Time between two WATCHDOG=1: the node's keepalive, but never less than the floor, and never
 * more than a quarter of systemd's WatchdogSec (WATCHDOG_USEC, microseconds) when that is known.
 */
export function systemdNotifyIntervalMs(keepaliveMs: number, watchdogUsec?: number): number {
  const quarter = watchdogUsec !== undefined && Number.isFinite(watchdogUsec) && watchdogUsec > 0 ? watchdogUsec / 4000 : Infinity;
  return Math.max(keepaliveMs, Math.min(SYSTEMD_NOTIFY_FLOOR_MS, quarter));
}
