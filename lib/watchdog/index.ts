export { HeartbeatSupervisor, type KeyEvent, type SupervisorOptions, type TimerApi } from './supervisor';
export { parseKeyList, parseDuration, beatsOf, WatchdogConfigError, KEY_BY, type KeyBy, type ListedKey, type KeyBeat } from './keys';
export { HardwareWatchdog, WatchdogDeviceError, KEEPALIVE_BYTE, MAGIC_CLOSE } from './device';
export { keepaliveVotes, KeepaliveVotes } from './keepalive-votes';
export { resolveWatchdogConfig, type WatchdogConfig, type WatchdogSettings } from './config';
export { systemdNotifyIntervalMs, SYSTEMD_NOTIFY_FLOOR_MS } from './systemd-pace';
