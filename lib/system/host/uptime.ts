// /proc/uptime (seconds since boot) and /proc/loadavg (run-queue averages over 1, 5, 15 min).
import { countIn } from './host-file';

export function parseUptime(text: string, file = '/proc/uptime'): number {
  return Math.round(countIn(file, 'the uptime', text.trim().split(/\s+/)[0]));
}

export function parseLoadavg(text: string, file = '/proc/loadavg'): [number, number, number] {
  const [l1, l5, l15] = text.trim().split(/\s+/);
  return [countIn(file, 'the 1 min load', l1), countIn(file, 'the 5 min load', l5), countIn(file, 'the 15 min load', l15)];
}
