// Shapes shared by the transport's parts, and the slice of modbus-serial's internals they touch
// (see transport.ts for why each is used).
import type { EventEmitter } from 'node:events';
import type { Socket } from 'node:net';
import type { Area, TransportConfig } from '../line/types';
import type { RequestWhere } from '../errors';

/** 43: Read Device Identification (MEI type 14), one object (read device id code 04) */
export type FunctionCode = 1 | 2 | 3 | 4 | 5 | 6 | 15 | 16 | 43;

export interface TransportRequest {
  unit: number;
  fc: FunctionCode;
  address: number;
  /** reads: how many registers/bits (function 43: 1, the object id in `address`) */
  count: number;
  /** writes: the values */
  values?: number[] | boolean[];
  where: RequestWhere;
}

/** registers or bits read, a device identification object's text (function 43), nothing for writes */
export type TransportResult = number[] | boolean[] | string | undefined;

/** Receive buffers larger than this hold junk (the longest Modbus frame is 260 bytes, 513 in ASCII). */
export const MAX_RX_BUFFER = 4096;

// The parts of modbus-serial's internals this module touches (documented above).
export interface PortInternals extends EventEmitter {
  _transactionIdWrite?: number;
  _clientRcvData?: Buffer;
  _buffer?: Buffer;
  _client?: EventEmitter & { isOpen?: boolean; close?(cb: (err?: Error | null) => void): void };
  isOpen: boolean;
}
export type NodeCallback = (err: (Error & { modbusCode?: number; errno?: string }) | null, res?: unknown) => void;
export interface ClientInternals extends EventEmitter {
  _port: PortInternals;
  _transactions: Record<number, unknown>;
  connectRTUBuffered(path: string, opts: Record<string, unknown>): Promise<void>;
  connectAsciiSerial(path: string, opts: Record<string, unknown>): Promise<void>;
  linkTCP(socket: Socket, opts: Record<string, unknown>): Promise<void>;
  linkTelnet(socket: Socket, opts: Record<string, unknown>): Promise<void>;
  writeFC1(u: number, a: number, n: number, cb: NodeCallback): void;
  writeFC2(u: number, a: number, n: number, cb: NodeCallback): void;
  writeFC3(u: number, a: number, n: number, cb: NodeCallback): void;
  writeFC4(u: number, a: number, n: number, cb: NodeCallback): void;
  writeFC5(u: number, a: number, v: boolean, cb: NodeCallback): void;
  writeFC6(u: number, a: number, v: number, cb: NodeCallback): void;
  writeFC15(u: number, a: number, v: boolean[], cb: NodeCallback): void;
  writeFC16(u: number, a: number, v: number[], cb: NodeCallback): void;
  writeFC43(u: number, deviceIdCode: number, objectId: number, cb: NodeCallback): void;
}

/** How a request settles: err undefined and the value, or the error. */
export type SendCallback = (req: TransportRequest, err: Error | undefined, value: TransportResult) => void;

export interface Pending {
  req: TransportRequest;
  done: SendCallback;
  /** performance.now() ms when it times out */
  deadline: number;
  timeoutMs: number;
  tid: number | undefined;
  txn: unknown;
}

export function transportText(t: TransportConfig): string {
  switch (t.kind) {
    case 'tcp':
      return `tcp://${t.host}:${t.port}`;
    case 'rtu-over-tcp':
      return `rtu+tcp://${t.host}:${t.port}`;
    case 'rtu':
      return `rtu:${t.path}@${t.baudRate}`;
    case 'ascii':
      return `ascii:${t.path}@${t.baudRate}`;
  }
}

/** Whether several requests may share the wire (Modbus TCP transaction ids). */
export function isPipelined(t: TransportConfig): boolean {
  return t.kind === 'tcp';
}

/** 3.5 character times (11 bits a character), fixed at 1.75 ms above 19200 baud (Modbus over serial line, 2.5.1.1). */
export function interFrameDelayMs(baudRate: number): number {
  if (baudRate > 19200) return 1.75;
  return (3.5 * 11 * 1000) / baudRate;
}

/** The Modbus function code for a read of an area. */
export function readFunction(area: Area): FunctionCode {
  return area === 'coil' ? 1 : area === 'discrete' ? 2 : area === 'holding' ? 3 : 4;
}
