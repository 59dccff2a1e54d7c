// One place that turns an interface configuration (the can-interface node's fields, or a CLI's
// flags) into a FrameSource, checking every field and naming the bad one.
import { isAbsolute, resolve } from 'node:path';
import { CanFilterError, parseFilters } from '../frame';
import { ConfigFieldError, readFields, type RawConfig } from '../../config/fields';
import { CAN_INTERFACE_FIELDS } from './fields';
import { ReplaySource } from './replay-source';
import { SlcanSource } from './slcan-source';
import { SocketCanSource } from './socketcan-source';
import type { FrameSource } from './source';

export interface FrameSourceConfig extends RawConfig {
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

/** A configuration field that is missing or wrong (the fields are read by CAN_INTERFACE_FIELDS). */
export class CanInterfaceConfigError extends ConfigFieldError {
  constructor(field: string, message: string, value?: unknown) {
    super(field, value, message);
    this.name = 'CanInterfaceConfigError';
  }
}

/** The source a configuration describes; throws ConfigFieldError naming the first bad field. */
export function createFrameSource(config: FrameSourceConfig, opts: { baseDir?: string } = {}): FrameSource {
  const f = readFields(CAN_INTERFACE_FIELDS, config);
  switch (f.kind) {
    case 'socketcan': {
      let filters;
      try {
        filters = parseFilters(config.filters);
      } catch (err) {
        if (err instanceof CanFilterError) throw new CanInterfaceConfigError('filters', err.message, config.filters);
        throw err;
      }
      return new SocketCanSource({ iface: f.iface, filters });
    }
    case 'slcan':
      return new SlcanSource({ path: f.serialPath, baudRate: f.baudRate, bitrate: f.bitrate, timestamps: f.timestamps, listenOnly: f.listenOnly, statusPollMs: f.statusPollMs });
    case 'replay': {
      if (!f.file) throw new CanInterfaceConfigError('file', 'give the path of a candump log file');
      const file = isAbsolute(f.file) ? f.file : resolve(opts.baseDir ?? process.cwd(), f.file);
      return new ReplaySource({ file, pace: f.pace, speed: f.speed, loop: f.loop, timestamps: f.replayTimestamps });
    }
  }
}
