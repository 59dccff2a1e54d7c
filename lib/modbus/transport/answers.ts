// Requests into modbus-serial calls, and its answers and errors into our values and typed
// errors: every answer is checked against what was asked, so a wrong one never passes as data.
import { ModbusConnectionError, ModbusExceptionError, ModbusProtocolError, type RequestWhere } from '../errors';
import type { ClientInternals, NodeCallback, PortInternals, TransportRequest, TransportResult } from './types';

const NOT_SENT = Symbol('edgegw.modbus.notSent');

/** Read Device Identification, read device id code 04: one specific object. */
const READ_ONE_OBJECT = 0x04;

/** Marks a connection error for a request that never went on the wire (the line may queue it again). */
export function notSent(err: ModbusConnectionError): ModbusConnectionError {
  (err as unknown as Record<symbol, boolean>)[NOT_SENT] = true;
  return err;
}

export function isNotSent(err: unknown): boolean {
  return !!err && (err as Record<symbol, boolean>)[NOT_SENT] === true;
}

export function resetRx(port: PortInternals): void {
  if (Buffer.isBuffer(port._clientRcvData)) port._clientRcvData = Buffer.alloc(0);
  if (Buffer.isBuffer(port._buffer)) port._buffer = Buffer.alloc(0);
}

export function issue(c: ClientInternals, r: TransportRequest, cb: NodeCallback): void {
  switch (r.fc) {
    case 1:
      return c.writeFC1(r.unit, r.address, r.count, cb);
    case 2:
      return c.writeFC2(r.unit, r.address, r.count, cb);
    case 3:
      return c.writeFC3(r.unit, r.address, r.count, cb);
    case 4:
      return c.writeFC4(r.unit, r.address, r.count, cb);
    case 5:
      return c.writeFC5(r.unit, r.address, Boolean(r.values![0]), cb);
    case 6:
      return c.writeFC6(r.unit, r.address, Number(r.values![0]), cb);
    case 15:
      return c.writeFC15(r.unit, r.address, (r.values as boolean[]).map(Boolean), cb);
    case 16:
      return c.writeFC16(r.unit, r.address, (r.values as number[]).map(Number), cb);
    case 43:
      // read device id code 04: the one object, so the answer never says "more follows" (which
      // modbus-serial would chase with requests of its own)
      return c.writeFC43(r.unit, READ_ONE_OBJECT, r.address, cb);
  }
}

export function mapError(err: Error & { modbusCode?: number; errno?: string }, where: RequestWhere): Error {
  if (typeof err.modbusCode === 'number') return new ModbusExceptionError(err.modbusCode, where);
  if (err.message === 'Port Not Open') return notSent(new ModbusConnectionError('port not open', where));
  return new ModbusProtocolError(`malformed response: ${err.message}`, where);
}

/** modbus-serial's parsed answer: `data` for reads (FC 1-4; FC 43: the objects by id), the echo fields for writes (FC 5/6/15/16). */
interface ModbusSerialAnswer {
  data?: unknown;
  address?: number;
  value?: number;
  state?: boolean;
  length?: number;
}

/** Validates what modbus-serial parsed against what was asked, so a wrong answer never passes as data. */
export function checkAnswer(req: TransportRequest, answer: unknown): TransportResult {
  // what modbus-serial's callbacks hand over, per function code; every field is checked below
  // before it is trusted, since a device can answer anything
  const res = answer as ModbusSerialAnswer | null | undefined;
  // the common case first, with the same checks as below and nothing more
  if ((req.fc === 3 || req.fc === 4) && res && typeof res === 'object' && Array.isArray(res.data) && res.data.length === req.count) return res.data as number[];
  const bad = (why: string): never => {
    throw new ModbusProtocolError(`malformed response: ${why}`, req.where);
  };
  if (!res || typeof res !== 'object') return bad('empty answer');
  switch (req.fc) {
    case 1:
    case 2: {
      const data = res.data as boolean[];
      if (!Array.isArray(data) || data.length < req.count || data.length > req.count + 7) bad(`expected ${req.count} bits, got ${data?.length}`);
      return data.slice(0, req.count);
    }
    case 3:
    case 4: {
      const data = res.data as number[];
      if (!Array.isArray(data) || data.length !== req.count) bad(`expected ${req.count} registers, got ${data?.length}`);
      return data;
    }
    case 5:
    case 6:
      if (res.address !== req.address) bad(`echo of address ${res.address}, expected ${req.address}`);
      if (req.fc === 6 && res.value !== req.values![0]) bad(`echo of value ${res.value}, expected ${req.values![0]}`);
      if (req.fc === 5 && res.state !== Boolean(req.values![0])) bad(`echo of coil state ${res.state}`);
      return undefined;
    case 15:
    case 16:
      if (res.address !== req.address || res.length !== req.values!.length) bad(`echo of ${res.address}/${res.length}, expected ${req.address}/${req.values!.length}`);
      return undefined;
    case 43: {
      const objects = res.data as Record<number, unknown> | undefined;
      const text = objects && typeof objects === 'object' ? objects[req.address] : undefined;
      if (typeof text !== 'string') return bad(`the answer holds no object 0x${req.address.toString(16).padStart(2, '0')}`);
      return text;
    }
  }
}
