// What a line's state means for people (node status: an i18n key with substitutions) and for
// monitoring (/health states per line and per unit), and how the flat settings of the editor's
// modbus-connection form become LineOptions. No Node-RED here: the node maps keys to text.
import type { HealthState } from '../../health/registry';
import type { LineOptions, LineState, TransportConfig, UnitStats } from './types';
import { readFields, type RawConfig } from '../../config/fields';
import { MODBUS_CONNECTION_FIELDS } from './fields';

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

/** The flat settings of the modbus-connection editor form (strings or numbers, as Node-RED stores them; see MODBUS_CONNECTION_FIELDS). */
export interface LineSettings extends RawConfig {
  name?: string;
}

/** LineOptions from the editor's settings; throws ConfigFieldError naming the field (as its LineOptions path). */
export function lineOptionsFromSettings(s: LineSettings): LineOptions {
  const f = readFields(MODBUS_CONNECTION_FIELDS, s);
  const transport: TransportConfig =
    f.transport === 'tcp' || f.transport === 'rtu-over-tcp'
      ? { kind: f.transport, host: f.host, port: f.port }
      : {
          kind: f.transport,
          path: f.path,
          baudRate: f.baudRate,
          parity: f.parity,
          dataBits: (f.dataBits ?? (f.transport === 'ascii' ? 7 : 8)) as 7 | 8,
          stopBits: f.stopBits as 1 | 2,
        };
  const opts: LineOptions = {
    name: s.name?.trim() || undefined,
    transport,
    lazyConnect: true,
    timeoutMs: f.timeoutMs,
    reconnect: { minMs: f.reconnectMinMs, maxMs: f.reconnectMaxMs },
    unitBackoff: { minMs: f.unitBackoffMinMs, maxMs: f.unitBackoffMaxMs },
    breaker: { failureThreshold: f.breakerThreshold, resetTimeoutMs: f.breakerResetMs },
  };
  if (f.transport === 'tcp') opts.maxInFlight = f.maxInFlight ?? 'auto';
  if (f.queueTimeoutMs !== undefined) opts.queueTimeoutMs = f.queueTimeoutMs;
  if (f.interFrameDelayMs !== undefined) opts.interFrameDelayMs = f.interFrameDelayMs;
  return opts;
}
