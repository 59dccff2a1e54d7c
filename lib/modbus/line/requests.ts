// Checks of a request before it is queued (unit, area, address, count, values within what the
// protocol allows), and the error kinds the metrics count.
import { ModbusRequestError, type RequestWhere } from '../errors';
import { modbusProblemOf, type ModbusProblemCode } from '../problem';

/** The metric label of a failed request's error: its problem code, in the metrics' own spelling. */
const KIND_OF_PROBLEM: Partial<Record<ModbusProblemCode, string>> = {
  breakerOpen: 'breaker',
  suspended: 'suspended',
  timeout: 'timeout',
  exception: 'exception',
  protocol: 'protocol',
  queueFull: 'queue_full',
  connection: 'connection',
};

export function errorKind(err: Error): string {
  return KIND_OF_PROBLEM[modbusProblemOf(err).code] ?? 'other';
}

const isUint = (v: unknown, max: number): v is number => typeof v === 'number' && Number.isInteger(v) && v >= 0 && v <= max;

function checkWhere(w: RequestWhere, maxCount: number): ModbusRequestError | undefined {
  if (!isUint(w.unit, 255)) return new ModbusRequestError(`unit id must be an integer 0..255, got ${JSON.stringify(w.unit)}`, w, 'unit');
  if (!isUint(w.address, 65535)) return new ModbusRequestError(`address must be an integer 0..65535, got ${JSON.stringify(w.address)}`, w, 'address');
  if (!isUint(w.count, maxCount) || w.count < 1) return new ModbusRequestError(`count must be an integer 1..${maxCount}, got ${JSON.stringify(w.count)}`, w, 'count');
  if (w.address + w.count > 65536) return new ModbusRequestError(`address + count exceeds 65536`, w, 'count');
  return undefined;
}

export function checkRead(w: RequestWhere): ModbusRequestError | undefined {
  if (!['coil', 'discrete', 'holding', 'input'].includes(w.area)) return new ModbusRequestError(`unknown area ${JSON.stringify(w.area)}`, w, 'area');
  return checkWhere(w, w.area === 'coil' || w.area === 'discrete' ? 2000 : 125);
}

/**
 * modbus-serial frames a function 43 answer (its length is known only from its objects) on Modbus
 * TCP and on an RTU serial line; over RTU over TCP and ASCII it never completes one, so such a
 * request is refused before it could time out and suspend the unit.
 */
const DEVICE_ID_TRANSPORTS: ReadonlySet<string> = new Set(['tcp', 'rtu']);

export function checkDeviceIdRead(w: RequestWhere, transport: string): ModbusRequestError | undefined {
  if (!DEVICE_ID_TRANSPORTS.has(transport)) return new ModbusRequestError(`device identification (function 43) is read over Modbus TCP or RTU only, not ${transport}`, w, 'transport');
  if (!isUint(w.unit, 255)) return new ModbusRequestError(`unit id must be an integer 0..255, got ${JSON.stringify(w.unit)}`, w, 'unit');
  if (!isUint(w.address, 255)) return new ModbusRequestError(`object id must be an integer 0..255, got ${JSON.stringify(w.address)}`, w, 'objectId');
  return undefined;
}

export function checkWrite(w: RequestWhere, values: unknown): ModbusRequestError | undefined {
  if (w.area !== 'coil' && w.area !== 'holding') return new ModbusRequestError(`area ${JSON.stringify(w.area)} is read-only; writes go to coil or holding`, w, 'area');
  if (!Array.isArray(values)) return new ModbusRequestError('values must be an array', w, 'values');
  const bad = checkWhere(w, w.area === 'coil' ? 1968 : 123);
  if (bad) return bad;
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (w.area === 'coil' ? typeof v !== 'boolean' && v !== 0 && v !== 1 : !isUint(v, 65535)) {
      return new ModbusRequestError(`value [${i}] ${JSON.stringify(v)} is not a ${w.area === 'coil' ? 'boolean' : 'register value 0..65535'}`, w, 'values');
    }
  }
  return undefined;
}
