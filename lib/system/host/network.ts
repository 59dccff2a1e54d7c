// Network interface counters from /proc/net/dev, and their rates between two readings.
import { countIn, HostFileError } from './host-file';

export const INTERFACE_COUNTERS = ['rx_bytes', 'rx_packets', 'rx_errors', 'tx_bytes', 'tx_packets', 'tx_errors'] as const;
export type InterfaceCounter = (typeof INTERFACE_COUNTERS)[number];
export type InterfaceCounters = Record<InterfaceCounter, number>;

/** Counters by interface name, in the kernel's order. */
export function parseNetDev(text: string, file = '/proc/net/dev'): Map<string, InterfaceCounters> {
  const out = new Map<string, InterfaceCounters>();
  const lines = text.split('\n');
  // two header lines ("Inter-|   Receive ..." and " face |bytes packets ..."), then one per interface
  if (!/\|\s*bytes\s+packets\s+errs/.test(lines[1] ?? '')) throw new HostFileError(file, 'not in the /proc/net/dev layout (no "bytes packets errs" header)');
  for (const line of lines.slice(2)) {
    const colon = line.indexOf(':');
    if (colon < 0) continue;
    const name = line.slice(0, colon).trim();
    const f = line
      .slice(colon + 1)
      .trim()
      .split(/\s+/);
    if (f.length < 16) throw new HostFileError(file, `interface ${name} has ${f.length} counters, expected 16`);
    // receive: bytes packets errs drop fifo frame compressed multicast; transmit: the same 8 after
    const n = (i: number) => countIn(file, `${name} counter ${i + 1}`, f[i]);
    out.set(name, { rx_bytes: n(0), rx_packets: n(1), rx_errors: n(2), tx_bytes: n(8), tx_packets: n(9), tx_errors: n(10) });
  }
  return out;
}

/**
 * Per-second rate of a counter between two readings. undefined when it went backwards: the
 * interface was re-created or a 32-bit counter wrapped, and no honest rate can be given.
 */
export function ratePerSecond(now: number, before: number, seconds: number): number | undefined {
  if (now < before || seconds <= 0) return undefined;
  return Math.round(((now - before) / seconds) * 10) / 10;
}
