// The contract between the Modbus line (transport, queues, backoff, breaker) and its users
// (poller, writes, CLI, nodes). Registers travel as uint16 numbers, bits as booleans.
import type { EventEmitter } from 'node:events';

export type Area = 'coil' | 'discrete' | 'holding' | 'input';
export type Parity = 'none' | 'even' | 'odd';

export type TransportConfig =
  | { kind: 'tcp'; host: string; port: number }
  | { kind: 'rtu-over-tcp'; host: string; port: number }
  | { kind: 'rtu'; path: string; baudRate: number; parity: Parity; dataBits: 7 | 8; stopBits: 1 | 2 }
  | { kind: 'ascii'; path: string; baudRate: number; parity: Parity; dataBits: 7 | 8; stopBits: 1 | 2 };

export interface BackoffConfig {
  minMs: number;
  maxMs: number;
}

export interface LineOptions {
  name?: string;
  transport: TransportConfig;
  /** per-request response timeout */
  timeoutMs?: number;
  /**
   * TCP only: requests in flight at once (serial lines always carry one; default 1). 'auto': the
   * line measures at every connect whether the device answers pipelined requests without delay
   * (TCP_NODELAY) and pipelines 4, or carries one at a time (see pipelining.ts)
   */
  maxInFlight?: number | 'auto';
  /** reconnect backoff of the connection (exponential with jitter) */
  reconnect?: BackoffConfig;
  /** suspension backoff of a unit that timed out */
  unitBackoff?: BackoffConfig;
  /** per-unit circuit breaker */
  breaker?: { failureThreshold: number; resetTimeoutMs: number };
  /** how long one connection attempt may take (default 5000) */
  connectTimeoutMs?: number;
  /**
   * how long a request may wait in its queue before it is sent (default 10000): while the line
   * reconnects, queued requests wait for it up to this long, then fail with ModbusConnectionError
   */
  queueTimeoutMs?: number;
  /** requests queued per unit at most; more are refused at once (default 1000) */
  maxQueuedPerUnit?: number;
  /** serial lines: silence between frames (default: 3.5 character times, 1.75 ms above 19200 baud) */
  interFrameDelayMs?: number;
  /**
   * open the connection only at the first request (default false: at once). A config node that
   * nobody uses then holds no serial port and no device connection slot.
   */
  lazyConnect?: boolean;
}

export type ConnectionState = 'connecting' | 'connected' | 'reconnecting' | 'closed';
export type BreakerState = 'closed' | 'open' | 'half-open';

export interface UnitStats {
  breaker: BreakerState;
  suspendedForMs: number;
  queued: number;
  requests: number;
  errors: number;
  timeouts: number;
  /** requests of this unit on the wire now */
  inFlight?: number;
  lastError?: string;
}

export interface LineState {
  connection: ConnectionState;
  /** when reconnecting: ms until the next attempt */
  retryInMs?: number;
  lastError?: string;
  units: Record<number, UnitStats>;
  /** the line's name (metrics label) */
  name?: string;
  /** requests on the wire now, over all units */
  inFlight?: number;
  /** maxInFlight 'auto': what the line measured and chose on this connection */
  pipelining?: PipeliningChoice;
}

export interface WriteOptions {
  /** force the multiple-write function (FC15/FC16) even for one value */
  forceMultiple?: boolean;
}

export interface ModbusLine extends EventEmitter {
  /** FC1/2/3/4. Rejects with ModbusExceptionError / ModbusTimeoutError / ModbusConnectionError / BreakerOpenError. */
  read(unit: number, area: Area, address: number, count: number): Promise<number[] | boolean[]>;
  /**
   * FC 43 / MEI 14 with read device id code 04: the text of one identification object (0x00
   * VendorName, 0x01 ProductCode, 0x02 MajorMinorRevision, 0x03..0x06 the regular ones, 0x80..0xFF
   * extended). Rejects like read(); a device without the object answers exception 02.
   */
  readDeviceIdentification(unit: number, objectId: number): Promise<string>;
  /** FC5/6 for one value, FC15/16 for several (or when forceMultiple). */
  write(unit: number, area: 'coil' | 'holding', address: number, values: number[] | boolean[], opts?: WriteOptions): Promise<void>;
  state(): LineState;
  /** Rejects every queued request, closes the transport, releases every timer. */
  close(): Promise<void>;
  // events: 'state' (LineState) whenever the connection or a breaker changes
}

// The choice's shape lives here, not in pipelining.ts, so that the editor's type check (which
// reads these types) does not pull in the transport.
export type PipeliningMode = 'measuring' | 'pipelined' | 'one-at-a-time';

/** What an auto line chose, and from which measurements (LineState.pipelining). */
export interface PipeliningChoice {
  mode: PipeliningMode;
  /** requests in flight the line uses now */
  maxInFlight: number;
  /** median round trip of one request alone */
  singleRttMs?: number;
  /** median time for a burst of `burst` requests, sent together, to be answered */
  burstMs?: number;
  burst?: number;
  /** one-at-a-time: why (nagle: the device delays pipelined answers; probe-failed: see error) */
  reason?: 'nagle' | 'probe-failed';
  error?: string;
  /** for people: node status, /health, logs */
  text: string;
}
