// Defaults and validation of LineOptions: a bad option is refused when the line is created,
// naming the field, instead of misbehaving later on the wire.
import { ConfigFieldError } from '../../config/fields';
import type { BackoffConfig, LineOptions, TransportConfig } from './types';
import { interFrameDelayMs, transportText } from '../transport/types';

/** A LineOptions value given in code is wrong (the node's fields are read by MODBUS_CONNECTION_FIELDS). */
export class LineConfigError extends ConfigFieldError {
  constructor(field: string, message: string, value?: unknown) {
    super(field, value, message, 'Modbus line option ');
    this.name = 'LineConfigError';
  }
}

export interface ResolvedLineOptions {
  name: string;
  transport: TransportConfig;
  timeoutMs: number;
  /** fixed: the requests in flight; auto: what the line pipelines when the probe says the device takes it */
  maxInFlight: number;
  /** maxInFlight 'auto' on Modbus TCP: measured at every connect (pipelining.ts) */
  autoInFlight: boolean;
  reconnect: BackoffConfig;
  unitBackoff: BackoffConfig;
  breaker: { failureThreshold: number; resetTimeoutMs: number };
  connectTimeoutMs: number;
  queueTimeoutMs: number;
  maxQueuedPerUnit: number;
  interFrameDelayMs: number;
  lazyConnect: boolean;
}

export const LINE_DEFAULTS = {
  timeoutMs: 1000,
  maxInFlight: 1,
  reconnect: { minMs: 500, maxMs: 30000 },
  unitBackoff: { minMs: 1000, maxMs: 30000 },
  breaker: { failureThreshold: 5, resetTimeoutMs: 30000 },
  connectTimeoutMs: 5000,
  queueTimeoutMs: 10000,
  maxQueuedPerUnit: 1000,
} as const;

/** modbus-serial's TCP transaction ids wrap at 256; far fewer in flight keeps a late answer from matching a reused id. */
export const MAX_IN_FLIGHT = 64;

/** What maxInFlight 'auto' pipelines when the device takes it: 4 reaches the bare loop's rate (bench/modbus.bench.ts). */
export const AUTO_PIPELINE = 4;

function positive(field: string, v: unknown, min = 1, max = Number.MAX_SAFE_INTEGER): number {
  if (typeof v !== 'number' || !Number.isFinite(v) || v < min || v > max) {
    throw new LineConfigError(field, `must be a number within ${min}..${max}, got ${JSON.stringify(v)}`);
  }
  return v;
}

function backoff(field: string, b: BackoffConfig | undefined, dflt: BackoffConfig): BackoffConfig {
  const v = b ?? dflt;
  const minMs = positive(`${field}.minMs`, v.minMs, 0);
  const maxMs = positive(`${field}.maxMs`, v.maxMs, 0);
  if (maxMs < minMs) throw new LineConfigError(`${field}.maxMs`, `must be >= ${field}.minMs (${minMs}), got ${maxMs}`);
  return { minMs, maxMs };
}

function transport(t: TransportConfig | undefined): TransportConfig {
  if (!t || typeof t !== 'object') throw new LineConfigError('transport', 'is required');
  switch (t.kind) {
    case 'tcp':
    case 'rtu-over-tcp':
      if (typeof t.host !== 'string' || t.host.trim() === '') throw new LineConfigError('transport.host', 'is required');
      positive('transport.port', t.port, 1, 65535);
      if (!Number.isInteger(t.port)) throw new LineConfigError('transport.port', `must be an integer, got ${t.port}`);
      return { kind: t.kind, host: t.host.trim(), port: t.port };
    case 'rtu':
    case 'ascii':
      if (typeof t.path !== 'string' || t.path.trim() === '') throw new LineConfigError('transport.path', 'is required (e.g. /dev/ttyUSB0)');
      positive('transport.baudRate', t.baudRate, 50, 4_000_000);
      if (!['none', 'even', 'odd'].includes(t.parity)) throw new LineConfigError('transport.parity', `must be none, even or odd, got ${JSON.stringify(t.parity)}`);
      if (t.dataBits !== 7 && t.dataBits !== 8) throw new LineConfigError('transport.dataBits', `must be 7 or 8, got ${JSON.stringify(t.dataBits)}`);
      if (t.stopBits !== 1 && t.stopBits !== 2) throw new LineConfigError('transport.stopBits', `must be 1 or 2, got ${JSON.stringify(t.stopBits)}`);
      return { kind: t.kind, path: t.path.trim(), baudRate: t.baudRate, parity: t.parity, dataBits: t.dataBits, stopBits: t.stopBits };
    default:
      throw new LineConfigError('transport.kind', `must be tcp, rtu-over-tcp, rtu or ascii, got ${JSON.stringify((t as { kind: unknown }).kind)}`);
  }
}

export function resolveLineOptions(opts: LineOptions): ResolvedLineOptions {
  const t = transport(opts?.transport);
  const timeoutMs = positive('timeoutMs', opts.timeoutMs ?? LINE_DEFAULTS.timeoutMs, 1, 600000);
  const serialLike = t.kind !== 'tcp';
  const autoInFlight = !serialLike && opts.maxInFlight === 'auto';
  const maxInFlight = serialLike ? 1 : autoInFlight ? AUTO_PIPELINE : positive('maxInFlight', opts.maxInFlight ?? LINE_DEFAULTS.maxInFlight, 1, MAX_IN_FLIGHT);
  if (!Number.isInteger(maxInFlight)) throw new LineConfigError('maxInFlight', `must be an integer, got ${maxInFlight}`);
  const br = opts.breaker ?? LINE_DEFAULTS.breaker;
  const failureThreshold = positive('breaker.failureThreshold', br.failureThreshold, 1, 1_000_000);
  if (!Number.isInteger(failureThreshold)) throw new LineConfigError('breaker.failureThreshold', `must be an integer, got ${failureThreshold}`);
  const queueTimeoutMs = positive('queueTimeoutMs', opts.queueTimeoutMs ?? Math.max(LINE_DEFAULTS.queueTimeoutMs, 2 * timeoutMs), 1);
  const ifd = opts.interFrameDelayMs !== undefined ? positive('interFrameDelayMs', opts.interFrameDelayMs, 0, 10000) : t.kind === 'rtu' || t.kind === 'ascii' ? interFrameDelayMs(t.baudRate) : 0;
  return {
    name: opts.name?.trim() || transportText(t),
    transport: t,
    timeoutMs,
    maxInFlight,
    autoInFlight,
    reconnect: backoff('reconnect', opts.reconnect, LINE_DEFAULTS.reconnect),
    unitBackoff: backoff('unitBackoff', opts.unitBackoff, LINE_DEFAULTS.unitBackoff),
    breaker: { failureThreshold, resetTimeoutMs: positive('breaker.resetTimeoutMs', br.resetTimeoutMs, 0) },
    connectTimeoutMs: positive('connectTimeoutMs', opts.connectTimeoutMs ?? LINE_DEFAULTS.connectTimeoutMs, 1),
    queueTimeoutMs,
    maxQueuedPerUnit: positive('maxQueuedPerUnit', opts.maxQueuedPerUnit ?? LINE_DEFAULTS.maxQueuedPerUnit, 1),
    interFrameDelayMs: ifd,
    lazyConnect: opts.lazyConnect === true,
  };
}
