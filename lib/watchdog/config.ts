// The watchdog node's settings, checked at deploy: every error names the field (and the line of
// the key list).
import { parseKeyList, WatchdogConfigError, type KeyBy, type ListedKey } from './keys';
import { readFields, type RawConfig } from '../config/fields';
import { WATCHDOG_FIELDS } from './fields';

/** The node's raw config (see WATCHDOG_FIELDS; timeout and keepalive in seconds). */
export type WatchdogSettings = RawConfig;

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

export function resolveWatchdogConfig(s: WatchdogSettings): WatchdogConfig {
  const f = readFields(WATCHDOG_FIELDS, s);
  const keys = parseKeyList(f.keys);
  const learn = f.learn ?? keys.length === 0;
  if (!learn && keys.length === 0) throw new WatchdogConfigError('keys', 'no key to supervise: list keys or let the node learn them');
  return {
    keyBy: f.keyBy,
    keys,
    learn,
    timeoutMs: Math.round(f.timeout * 1000),
    badIsSilence: f.badIsSilence,
    devicePath: f.hardware ? f.devicePath : undefined,
    systemd: f.systemd,
    keepaliveMs: Math.round(f.keepalive * 1000),
  };
}
