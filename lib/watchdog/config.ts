// The watchdog node's settings, checked at deploy: every error names the field (and the line of
// the key list).
import { KEY_BY, parseKeyList, WatchdogConfigError, type KeyBy, type ListedKey } from './keys';
import { textOf } from '../system/text/text-of';

export interface WatchdogSettings {
  keyBy?: unknown;
  keys?: unknown;
  learn?: unknown;
  /** seconds */
  timeout?: unknown;
  badIsSilence?: unknown;
  hardware?: unknown;
  devicePath?: unknown;
  systemd?: unknown;
  /** seconds between keepalives (device writes, WATCHDOG=1) */
  keepalive?: unknown;
}

export interface WatchdogConfig {
  keyBy: KeyBy;
  keys: ListedKey[];
  learn: boolean;
  timeoutMs: number;
  badIsSilence: boolean;
  /** the hardware watchdog device, when enabled */
  devicePath?: string;
  systemd: boolean;
  keepaliveMs: number;
}

function seconds(field: string, v: unknown, dflt: number, min: number): number {
  if (v === undefined || v === '') return dflt * 1000;
  const n = typeof v === 'number' ? v : Number(textOf(v).trim());
  if (!Number.isFinite(n) || n < min) throw new WatchdogConfigError(field, `must be a number of seconds >= ${min}, got "${textOf(v)}"`);
  return Math.round(n * 1000);
}

export function resolveWatchdogConfig(s: WatchdogSettings): WatchdogConfig {
  const keyBy = (s.keyBy ?? 'topic') as KeyBy;
  if (!KEY_BY.includes(keyBy)) throw new WatchdogConfigError('keyBy', `must be one of ${KEY_BY.join(', ')}, got "${String(s.keyBy)}"`);
  const keys = parseKeyList(typeof s.keys === 'string' ? s.keys : '');
  const learn = s.learn === undefined ? keys.length === 0 : Boolean(s.learn);
  if (!learn && keys.length === 0) throw new WatchdogConfigError('keys', 'no key to supervise: list keys or let the node learn them');
  const timeoutMs = seconds('timeout', s.timeout, 30, 0.01);
  const hardware = Boolean(s.hardware);
  const devicePath = typeof s.devicePath === 'string' && s.devicePath.trim() ? s.devicePath.trim() : '/dev/watchdog';
  if (hardware && !devicePath.startsWith('/')) throw new WatchdogConfigError('devicePath', `must be an absolute path, got "${devicePath}"`);
  const keepaliveMs = seconds('keepalive', s.keepalive, 5, 0.01);
  return { keyBy, keys, learn, timeoutMs, badIsSilence: Boolean(s.badIsSilence), devicePath: hardware ? devicePath : undefined, systemd: Boolean(s.systemd), keepaliveMs };
}
