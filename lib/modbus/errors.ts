// Typed Modbus errors: each says what failed and where (unit, area, address, count).
import type { Area } from './line/types';

export interface RequestWhere {
  unit: number;
  /** a register area, or 'device-id': function 43 / MEI 14, whose `address` is the object id (count 1) */
  area: Area | 'device-id';
  address: number;
  count: number;
}

export const EXCEPTION_NAMES: Record<number, string> = {
  1: 'illegal function',
  2: 'illegal data address',
  3: 'illegal data value',
  4: 'server device failure',
  5: 'acknowledge',
  6: 'server device busy',
  8: 'memory parity error',
  10: 'gateway path unavailable',
  11: 'gateway target device failed to respond',
};

/** The device answered with a Modbus exception response. */
export class ModbusExceptionError extends Error {
  constructor(
    readonly code: number,
    readonly where: RequestWhere,
  ) {
    super(`Modbus exception ${code} (${EXCEPTION_NAMES[code] ?? 'unknown'}) for ${whereText(where)}`);
    this.name = 'ModbusExceptionError';
  }
}

/** No (complete, valid) answer within the timeout. */
export class ModbusTimeoutError extends Error {
  constructor(
    readonly where: RequestWhere,
    readonly timeoutMs: number,
  ) {
    super(`no response within ${timeoutMs} ms for ${whereText(where)}`);
    this.name = 'ModbusTimeoutError';
  }
}

/** The line is not connected (or the connection broke during the request). */
export class ModbusConnectionError extends Error {
  constructor(
    message: string,
    readonly where?: RequestWhere,
  ) {
    super(where ? `${message} (${whereText(where)})` : message);
    this.name = 'ModbusConnectionError';
  }
}

/**
 * The unit's request queue is full: the request was not queued. Not a connection problem (the
 * line may be fine, just asked too much at once), so it is counted as its own kind.
 */
export class ModbusQueueFullError extends Error {
  constructor(
    readonly where: RequestWhere,
    readonly limit: number,
  ) {
    super(`request queue of unit ${where.unit} is full (${limit}) (${whereText(where)})`);
    this.name = 'ModbusQueueFullError';
  }
}

/** The per-unit circuit breaker is open: the request was not sent. */
export class BreakerOpenError extends Error {
  constructor(
    readonly unit: number,
    readonly retryInMs: number,
  ) {
    super(`circuit breaker open for unit ${unit}; next attempt in ${Math.ceil(retryInMs / 1000)} s`);
    this.name = 'BreakerOpenError';
  }
}

/** The answer was malformed (wrong length, wrong function, garbage). */
export class ModbusProtocolError extends Error {
  constructor(
    message: string,
    readonly where?: RequestWhere,
  ) {
    super(where ? `${message} (${whereText(where)})` : message);
    this.name = 'ModbusProtocolError';
  }
}

/**
 * The unit timed out recently and is suspended (its own backoff): the request was not sent, so
 * it does not hold up the other units of the line. A kind of timeout: the unit is not answering.
 */
export class UnitSuspendedError extends ModbusTimeoutError {
  constructor(
    where: RequestWhere,
    timeoutMs: number,
    readonly retryInMs: number,
  ) {
    super(where, timeoutMs);
    this.name = 'UnitSuspendedError';
    this.message = `unit ${where.unit} is suspended after a timeout; next attempt in ${Math.ceil(retryInMs / 1000)} s (${whereText(where)})`;
  }
}

/** The request itself is invalid (unit, address, count or value out of range): nothing was sent. */
export class ModbusRequestError extends Error {
  constructor(
    message: string,
    readonly where: RequestWhere,
    readonly field?: string,
  ) {
    super(`${message} (${whereText(where)})`);
    this.name = 'ModbusRequestError';
  }
}

export function whereText(w: RequestWhere): string {
  if (w.area === 'device-id') return `unit ${w.unit} device identification object 0x${w.address.toString(16).padStart(2, '0')}`;
  return `unit ${w.unit} ${w.area} ${w.address}..${w.address + w.count - 1}`;
}
