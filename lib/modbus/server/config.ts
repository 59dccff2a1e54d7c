// The modbus-server editor form's flat settings -> ModbusServerOptions, refusing bad input with
// the field named.
import { DEFAULT_BIND_HOST, DEFAULT_MAX_CONNECTIONS, ServerConfigError, type ModbusServerOptions, type ServerTransport } from './server';
import { DEFAULT_CONNECTION_LIMITS } from './connection';
import type { AreaSizes } from './image';
import { textOf } from '../../system/text/text-of';

export interface ServerSettings {
  name?: string;
  transport?: string;
  host?: string;
  port?: string | number;
  path?: string;
  baudRate?: string | number;
  parity?: string;
  dataBits?: string | number;
  stopBits?: string | number;
  /** "1", "1, 2, 5", "1-4" or "any" */
  units?: string;
  coilSize?: string | number;
  discreteSize?: string | number;
  holdingSize?: string | number;
  inputSize?: string | number;
  /** most TCP clients at once (default 32) */
  maxConnections?: string | number;
  /** seconds without traffic before a TCP client is closed; 0: never (default 120) */
  idleTimeout?: string | number;
}

function int(field: string, v: unknown, dflt: number, min: number, max: number): number {
  if (v === undefined || v === null || v === '') return dflt;
  const n = typeof v === 'number' ? v : Number(textOf(v).trim());
  if (!Number.isInteger(n) || n < min || n > max) throw new ServerConfigError(field, `must be an integer ${min}..${max}, got ${JSON.stringify(v)}`);
  return n;
}

/** "any", or unit ids separated by commas/spaces, with ranges "3-6". */
export function parseUnits(text: string | undefined): number[] | 'any' {
  const t = String(text ?? '')
    .trim()
    .toLowerCase();
  if (t === '' || t === 'any' || t === '*') return 'any';
  const out = new Set<number>();
  for (const part of t.split(/[\s,;]+/).filter(Boolean)) {
    const m = /^(\d+)(?:-(\d+))?$/.exec(part);
    if (!m) throw new ServerConfigError('units', `"${part}" is not a unit id or range (e.g. 1, 2, 5-8 or any)`);
    const a = Number(m[1]);
    const b = m[2] === undefined ? a : Number(m[2]);
    if (a < 1 || b > 247 || b < a) throw new ServerConfigError('units', `"${part}" is not within 1..247`);
    for (let u = a; u <= b; u++) out.add(u);
  }
  return [...out];
}

export function serverOptionsFromSettings(s: ServerSettings): ModbusServerOptions {
  const kind = s.transport ?? 'tcp';
  let transport: ServerTransport;
  if (kind === 'tcp' || kind === 'rtu-over-tcp') {
    transport = { kind, host: String(s.host ?? '').trim() || DEFAULT_BIND_HOST, port: int('port', s.port, 502, 0, 65535) };
  } else if (kind === 'rtu') {
    const path = String(s.path ?? '').trim();
    if (!path) throw new ServerConfigError('path', 'is required (e.g. /dev/ttyUSB0)');
    const parity = s.parity || 'none';
    if (!['none', 'even', 'odd'].includes(parity)) throw new ServerConfigError('parity', `must be none, even or odd, got ${JSON.stringify(parity)}`);
    transport = {
      kind,
      path,
      baudRate: int('baudRate', s.baudRate, 9600, 50, 4_000_000),
      parity: parity as 'none' | 'even' | 'odd',
      dataBits: int('dataBits', s.dataBits, 8, 7, 8) as 7 | 8,
      stopBits: int('stopBits', s.stopBits, 1, 1, 2) as 1 | 2,
    };
  } else {
    throw new ServerConfigError('transport', `must be tcp, rtu-over-tcp or rtu, got ${JSON.stringify(kind)}`);
  }
  const sizes: AreaSizes = {
    coil: int('coilSize', s.coilSize, 10000, 0, 65536),
    discrete: int('discreteSize', s.discreteSize, 10000, 0, 65536),
    holding: int('holdingSize', s.holdingSize, 10000, 0, 65536),
    input: int('inputSize', s.inputSize, 10000, 0, 65536),
  };
  const maxConnections = int('maxConnections', s.maxConnections, DEFAULT_MAX_CONNECTIONS, 1, 10000);
  const idleTimeoutMs = int('idleTimeout', s.idleTimeout, DEFAULT_CONNECTION_LIMITS.idleTimeoutMs / 1000, 0, 86400) * 1000;
  return { name: s.name?.trim() || undefined, transport, units: parseUnits(s.units), sizes, maxConnections, idleTimeoutMs };
}
