// One place that turns an interface configuration (the can-interface node's fields, or a CLI's
// flags) into a FrameSource, checking every field and naming the bad one.
import { isAbsolute, resolve } from 'node:path';
import { CanFilterError, parseFilters } from '../frame';
import { SLCAN_BITRATES } from './slcan-protocol';
import { ReplaySource } from './replay-source';
import { SlcanSource } from './slcan-source';
import { SocketCanSource } from './socketcan-source';
import type { FrameSource } from './source';

export interface FrameSourceConfig {
  // a string from a config file or a node's editor, checked when the source is created
  kind: string;
  /** socketcan: interface name */
  iface?: string;
  /** socketcan: kernel filters in candump syntax (see parseFilters) */
  filters?: string;
  /** slcan: serial port path */
  serialPath?: string;
  /** slcan: serial baud rate */
  baudRate?: number | string;
  /** slcan: CAN bit rate, bit/s */
  bitrate?: number | string;
  /** slcan: adapter timestamps (Z1) */
  timestamps?: boolean;
  /** slcan: listen-only channel */
  listenOnly?: boolean;
  /** slcan: poll status flags every N ms (0 = off) */
  statusPollMs?: number | string;
  /** replay: candump log path (relative paths resolve against baseDir) */
  file?: string;
  pace?: string;
  speed?: number | string;
  loop?: boolean;
  /** replay: 'recorded' or 'replay' */
  replayTimestamps?: string;
}

/** A configuration field that is missing or wrong. */
export class CanInterfaceConfigError extends Error {
  constructor(
    readonly field: string,
    message: string,
  ) {
    super(`${field}: ${message}`);
    this.name = 'CanInterfaceConfigError';
  }
}

function num(field: string, value: unknown, fallback: number, check: (n: number) => boolean, what: string): number {
  if (value === undefined || value === null || value === '') return fallback;
  const n = Number(value);
  if (!Number.isFinite(n) || !check(n)) throw new CanInterfaceConfigError(field, `${JSON.stringify(value)} is not ${what}`);
  return n;
}

export function createFrameSource(config: FrameSourceConfig, opts: { baseDir?: string } = {}): FrameSource {
  switch (config.kind) {
    case 'socketcan': {
      const iface = String(config.iface ?? '').trim();
      if (!iface) throw new CanInterfaceConfigError('iface', 'give the SocketCAN interface name, e.g. can0');
      if (!/^[\w.:-]{1,15}$/.test(iface)) throw new CanInterfaceConfigError('iface', `"${iface}" is not a valid network interface name`);
      let filters;
      try {
        filters = parseFilters(config.filters);
      } catch (err) {
        if (err instanceof CanFilterError) throw new CanInterfaceConfigError('filters', err.message);
        throw err;
      }
      return new SocketCanSource({ iface, filters });
    }
    case 'slcan': {
      const path = String(config.serialPath ?? '').trim();
      if (!path) throw new CanInterfaceConfigError('serialPath', 'give the serial port of the SLCAN adapter, e.g. /dev/ttyACM0');
      const baudRate = num('baudRate', config.baudRate, 115200, (n) => Number.isInteger(n) && n > 0, 'a baud rate');
      const bitrate = num('bitrate', config.bitrate, 500000, (n) => SLCAN_BITRATES.has(n), `one of ${[...SLCAN_BITRATES.keys()].join(', ')} bit/s`);
      const statusPollMs = num('statusPollMs', config.statusPollMs, 0, (n) => n === 0 || n >= 10, '0 (off) or at least 10 ms');
      return new SlcanSource({ path, baudRate, bitrate, timestamps: config.timestamps ?? true, listenOnly: Boolean(config.listenOnly), statusPollMs });
    }
    case 'replay': {
      const raw = String(config.file ?? '').trim();
      if (!raw) throw new CanInterfaceConfigError('file', 'give the path of a candump log file');
      const file = isAbsolute(raw) ? raw : resolve(opts.baseDir ?? process.cwd(), raw);
      const pace = config.pace || 'realtime';
      if (pace !== 'realtime' && pace !== 'fast') throw new CanInterfaceConfigError('pace', `"${pace}" is not "realtime" or "fast"`);
      const speed = num('speed', config.speed, 1, (n) => n > 0, 'a speed factor above 0');
      const timestamps = config.replayTimestamps || 'recorded';
      if (timestamps !== 'recorded' && timestamps !== 'replay') throw new CanInterfaceConfigError('replayTimestamps', `"${timestamps}" is not "recorded" or "replay"`);
      return new ReplaySource({ file, pace, speed, loop: Boolean(config.loop), timestamps });
    }
    default:
      throw new CanInterfaceConfigError('kind', `"${config.kind}" is not socketcan, slcan or replay`);
  }
}
