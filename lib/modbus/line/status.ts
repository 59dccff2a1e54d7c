// What a line's state means for people (node status: an i18n key with substitutions) and for
// monitoring (/health states per line and per unit), and how the flat settings of the editor's
// modbus-connection form become LineOptions. No Node-RED here: the node maps keys to text.
import type { HealthState } from '../../health/registry';
import { LineConfigError } from './config';
import type { LineOptions, LineState, TransportConfig, UnitStats } from './types';
import { textOf } from '../../system/text/text-of';

export interface LineStatus {
  fill: 'green' | 'yellow' | 'red' | 'grey';
  shape: 'dot' | 'ring';
  /** i18n key under <type>.status */
  key: 'connected' | 'connecting' | 'reconnecting' | 'breakerOpen' | 'suspended' | 'closed';
  subs: Record<string, string | number>;
}

/**
 * The status of a line, seen from one unit when `unit` is given (its breaker or suspension),
 * else from the line (the units whose breakers are open).
 */
export function lineStatus(state: LineState, unit?: number): LineStatus {
  if (state.connection === 'closed') return { fill: 'grey', shape: 'ring', key: 'closed', subs: {} };
  if (state.connection === 'connecting') return { fill: 'yellow', shape: 'ring', key: 'connecting', subs: {} };
  if (state.connection === 'reconnecting') {
    return { fill: 'yellow', shape: 'ring', key: 'reconnecting', subs: { seconds: Math.max(1, Math.ceil((state.retryInMs ?? 0) / 1000)) } };
  }
  const units = unit === undefined ? Object.keys(state.units).map(Number) : [unit];
  const open = units.filter((u) => state.units[u]?.breaker === 'open');
  if (open.length) return { fill: 'red', shape: 'ring', key: 'breakerOpen', subs: { unit: open.join(', ') } };
  const suspended = units.filter((u) => (state.units[u]?.suspendedForMs ?? 0) > 0);
  if (suspended.length) {
    const ms = Math.max(...suspended.map((u) => state.units[u].suspendedForMs));
    return { fill: 'yellow', shape: 'dot', key: 'suspended', subs: { unit: suspended.join(', '), seconds: Math.max(1, Math.ceil(ms / 1000)) } };
  }
  return { fill: 'green', shape: 'dot', key: 'connected', subs: {} };
}

export function unitHealth(u: UnitStats): HealthState {
  if (u.breaker === 'open') return 'down';
  if (u.breaker === 'half-open' || u.suspendedForMs > 0) return 'degraded';
  return 'ok';
}

export function lineHealth(state: LineState): HealthState {
  if (state.connection !== 'connected') return 'down';
  for (const u of Object.values(state.units)) if (unitHealth(u) !== 'ok') return 'degraded';
  return 'ok';
}

/** The flat settings of the modbus-connection editor form (strings or numbers, as Node-RED stores them). */
export interface LineSettings {
  name?: string;
  transport?: string;
  host?: string;
  port?: string | number;
  path?: string;
  baudRate?: string | number;
  parity?: string;
  dataBits?: string | number;
  stopBits?: string | number;
  timeoutMs?: string | number;
  maxInFlight?: string | number;
  reconnectMinMs?: string | number;
  reconnectMaxMs?: string | number;
  unitBackoffMinMs?: string | number;
  unitBackoffMaxMs?: string | number;
  breakerThreshold?: string | number;
  breakerResetMs?: string | number;
  queueTimeoutMs?: string | number;
  interFrameDelayMs?: string | number;
}

function num(field: string, v: unknown, dflt?: number): number | undefined {
  if (v === undefined || v === null || v === '') return dflt;
  const n = typeof v === 'number' ? v : Number(textOf(v).trim());
  if (!Number.isFinite(n)) throw new LineConfigError(field, `must be a number, got ${JSON.stringify(v)}`);
  return n;
}

/** LineOptions from the editor's settings; throws LineConfigError naming the field. Ranges are checked by createModbusLine. */
export function lineOptionsFromSettings(s: LineSettings): LineOptions {
  const kind = (s.transport ?? 'tcp') as TransportConfig['kind'];
  let transport: TransportConfig;
  if (kind === 'tcp' || kind === 'rtu-over-tcp') {
    transport = { kind, host: String(s.host ?? '').trim(), port: num('port', s.port, 502)! };
  } else if (kind === 'rtu' || kind === 'ascii') {
    transport = {
      kind,
      path: String(s.path ?? '').trim(),
      baudRate: num('baudRate', s.baudRate, 9600)!,
      parity: (s.parity || 'none') as 'none' | 'even' | 'odd',
      dataBits: num('dataBits', s.dataBits, kind === 'ascii' ? 7 : 8) as 7 | 8,
      stopBits: num('stopBits', s.stopBits, 1) as 1 | 2,
    };
  } else {
    throw new LineConfigError('transport', `must be tcp, rtu-over-tcp, rtu or ascii, got ${JSON.stringify(kind)}`);
  }
  const opts: LineOptions = { name: s.name?.trim() || undefined, transport, lazyConnect: true };
  const timeoutMs = num('timeoutMs', s.timeoutMs);
  if (timeoutMs !== undefined) opts.timeoutMs = timeoutMs;
  const maxInFlight = num('maxInFlight', s.maxInFlight);
  if (maxInFlight !== undefined) opts.maxInFlight = maxInFlight;
  const rMin = num('reconnectMinMs', s.reconnectMinMs);
  const rMax = num('reconnectMaxMs', s.reconnectMaxMs);
  if (rMin !== undefined || rMax !== undefined) opts.reconnect = { minMs: rMin ?? 500, maxMs: rMax ?? 30000 };
  const uMin = num('unitBackoffMinMs', s.unitBackoffMinMs);
  const uMax = num('unitBackoffMaxMs', s.unitBackoffMaxMs);
  if (uMin !== undefined || uMax !== undefined) opts.unitBackoff = { minMs: uMin ?? 1000, maxMs: uMax ?? 30000 };
  const bThr = num('breakerThreshold', s.breakerThreshold);
  const bReset = num('breakerResetMs', s.breakerResetMs);
  if (bThr !== undefined || bReset !== undefined) opts.breaker = { failureThreshold: bThr ?? 5, resetTimeoutMs: bReset ?? 30000 };
  const q = num('queueTimeoutMs', s.queueTimeoutMs);
  if (q !== undefined) opts.queueTimeoutMs = q;
  const ifd = num('interFrameDelayMs', s.interFrameDelayMs);
  if (ifd !== undefined) opts.interFrameDelayMs = ifd;
  return opts;
}
