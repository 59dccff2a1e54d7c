// What went wrong with a Modbus request, as a code a node status translates (the English message
// still goes to the log and /health). Exceptions keep their number: the device's own answer.
import { BreakerOpenError, ModbusConnectionError, ModbusExceptionError, ModbusProtocolError, ModbusQueueFullError, ModbusRequestError, ModbusTimeoutError, UnitSuspendedError } from './errors';

export const MODBUS_PROBLEM_CODES = [
  'timeout',
  'suspended',
  'connection',
  'queueFull',
  'breakerOpen',
  'protocol',
  'request',
  'exception',
  'decode',
  'identityMismatch',
  'identityUnread',
  'refused',
  'failed',
] as const;

export type ModbusProblemCode = (typeof MODBUS_PROBLEM_CODES)[number];

export interface ModbusProblem {
  readonly code: ModbusProblemCode;
  /** what the status shows beside the code: the exception number, the identity tag and values */
  readonly args?: Readonly<Record<string, string | number>>;
}

/** The problem a failed request's error stands for. */
export function modbusProblemOf(err: unknown): ModbusProblem {
  if (err instanceof ModbusExceptionError) return { code: 'exception', args: { exception: err.code } };
  // a suspension is a timeout remembered: test it before its parent class
  if (err instanceof UnitSuspendedError) return { code: 'suspended' };
  if (err instanceof ModbusTimeoutError) return { code: 'timeout' };
  if (err instanceof ModbusConnectionError) return { code: 'connection' };
  if (err instanceof ModbusQueueFullError) return { code: 'queueFull' };
  if (err instanceof BreakerOpenError) return { code: 'breakerOpen' };
  if (err instanceof ModbusProtocolError) return { code: 'protocol' };
  if (err instanceof ModbusRequestError) return { code: 'request' };
  return { code: 'failed' };
}
