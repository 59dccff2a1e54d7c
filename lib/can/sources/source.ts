// The common shape of every way onto a CAN bus (SocketCAN, SLCAN, candump replay): open, close,
// send, and events for frames, errors and state changes, with running statistics.
import { EventEmitter } from 'node:events';
import type { CanFrame } from '../frame';
import { describeErrorFrame, type ErrorFrameInfo } from './error-frames';
import type { CanProblem } from './problem';

export type SourceKind = 'socketcan' | 'slcan' | 'replay';

/**
 * closed: not started or closed; opening: first connection attempt; open: frames flow;
 * bus-off: connected but the controller is bus-off; reconnecting: lost or not yet reachable,
 * retrying; failed: cannot work until reconfigured (e.g. a package is missing); ended: a replay
 * reached the end of its file.
 */
export type SourceState = 'closed' | 'opening' | 'open' | 'bus-off' | 'reconnecting' | 'failed' | 'ended';

export interface SourceStats {
  /** frames received (error frames not included) */
  frames: number;
  /** frames sent */
  sent: number;
  /** errors: adapter error replies, error frames, malformed input, lost connections */
  errors: number;
  /** times the controller went bus-off */
  busOff: number;
  state: SourceState;
  /** why the state is what it is, e.g. "interface can0 not found" (for the log and /health) */
  detail?: string;
  /** what is wrong, as a code (for a status); none while all is well */
  problem?: CanProblem;
}

/** A failure of a frame source; `source` names the source (e.g. "slcan /dev/ttyACM0"). */
export class CanSourceError extends Error {
  /** the message without the source name, for a state detail shown beside the source */
  readonly reason: string;
  constructor(
    readonly source: string,
    reason: string,
    cause?: unknown,
    /** the reason as a code, for a state's problem */
    readonly problem: CanProblem = { code: 'failed' },
  ) {
    super(`${source}: ${reason}`, cause === undefined ? undefined : { cause });
    this.reason = reason;
    this.name = 'CanSourceError';
  }
}

/** A frame could not be sent (source not open, read-only, adapter refused it). */
export class CanSendError extends CanSourceError {
  constructor(source: string, message: string, cause?: unknown) {
    super(source, message, cause);
    this.name = 'CanSendError';
  }
}

export interface FrameSourceEvents {
  frame: [frame: CanFrame];
  error: [err: Error];
  state: [state: SourceState, detail: string | undefined];
  /** an error frame was received (SocketCAN error frames, error frames in a replayed log) */
  busError: [info: ErrorFrameInfo, frame: CanFrame];
  /** a replay reached the end of its file (not looping) */
  end: [];
}

export abstract class FrameSource extends EventEmitter<FrameSourceEvents> {
  readonly stats: SourceStats = { frames: 0, sent: 0, errors: 0, busOff: 0, state: 'closed' };
  /** The most recent error, also when nobody listened for 'error'. */
  lastError?: Error;

  constructor(
    readonly kind: SourceKind,
    readonly description: string,
  ) {
    super();
  }

  get state(): SourceState {
    return this.stats.state;
  }

  /** Starts the source; resolves once frames can flow. May keep retrying in the background after rejecting (see each source). */
  abstract open(): Promise<void>;
  /** Stops the source and releases every handle and timer; safe to call more than once. */
  abstract close(): Promise<void>;
  abstract send(frame: CanFrame): Promise<void>;

  protected setState(state: SourceState, detail?: string, problem?: CanProblem): void {
    if (this.stats.state === state && this.stats.detail === detail) return;
    this.stats.state = state;
    this.stats.detail = detail;
    this.stats.problem = problem;
    this.emit('state', state, detail);
  }

  /** Enters a state for a failure: its reason as the detail, its code as the problem. */
  protected setFailedState(state: 'reconnecting' | 'failed', err: CanSourceError): void {
    this.setState(state, err.reason, err.problem);
  }

  protected emitFrame(frame: CanFrame): void {
    if (frame.error) {
      this.handleErrorFrame(frame);
      return;
    }
    this.stats.frames++;
    this.emit('frame', frame);
  }

  /**
   * Counts and reports an error. A source lives inside a long-running process (Node-RED), so an
   * error nobody listens for must not throw as EventEmitter would: it is counted and kept in
   * `lastError` instead.
   */
  protected emitError(err: Error): void {
    this.stats.errors++;
    this.lastError = err;
    if (this.listenerCount('error') > 0) this.emit('error', err);
  }

  protected handleErrorFrame(frame: CanFrame): void {
    const info = describeErrorFrame(frame);
    this.stats.errors++;
    if (info.busOff) {
      this.stats.busOff++;
      if (this.state === 'open') this.setState('bus-off', info.text, { code: 'busOff' });
    } else if (info.restarted && this.state === 'bus-off') {
      this.setState('open');
    }
    this.emit('busError', info, frame);
  }
}
