// A candump log file played back as a bus: at the recorded pace (optionally faster or slower) or
// as fast as possible. The file is streamed, never read whole, and the player yields to the event
// loop every `chunkFrames` frames, so a file of millions of frames neither fills memory nor
// blocks the process. A malformed line is reported with its line number and skipped.
// Frames sent to a replay source come back as received frames, like a virtual bus with loopback,
// so encode -> can-out -> can-in flows work without hardware.
import { createReadStream, promises as fsp, type ReadStream } from 'node:fs';
import type { CanFrame } from '../frame';
import { CandumpSyntaxError, parseCandumpLine } from '../candump';
import { CanSourceError, FrameSource } from './source';
import type { CanProblemCode } from './problem';

export type ReplayPace = 'realtime' | 'fast';

export interface ReplayOptions {
  file: string;
  /** 'realtime' (default) keeps the recorded gaps between frames; 'fast' plays without waiting */
  pace?: ReplayPace;
  /** realtime playback speed factor; default 1 */
  speed?: number;
  /** start again at the end of the file */
  loop?: boolean;
  /** 'recorded' (default) keeps the log's timestamps; 'replay' stamps frames with the time they are played */
  timestamps?: 'recorded' | 'replay';
  /** frames played before yielding to the event loop; default 256 */
  chunkFrames?: number;
  /** interface name for frames whose line has none, and to override the recorded one */
  iface?: string;
}

/** A malformed line of a replayed log: the candump error plus the file it is in. */
export class ReplayLineError extends CanSourceError {
  constructor(
    readonly file: string,
    readonly lineError: CandumpSyntaxError,
  ) {
    super(`replay ${file}`, lineError.message, lineError);
    this.name = 'ReplayLineError';
  }
  get line(): number {
    return this.lineError.line;
  }
}

class Stopped extends Error {}

export class ReplaySource extends FrameSource {
  private readonly opts: Required<Omit<ReplayOptions, 'iface'>> & { iface?: string };
  private running = false;
  private generation = 0;
  private stream?: ReadStream;
  private sleepTimer?: NodeJS.Timeout;
  private wake?: () => void;
  private done?: Promise<void>;
  /** complete passes through the file so far */
  passes = 0;

  constructor(options: ReplayOptions) {
    super('replay', `replay ${options.file}`);
    if (!options.file) throw new CanSourceError('replay', 'no candump log file given');
    const speed = options.speed ?? 1;
    if (!(speed > 0)) throw new CanSourceError(`replay ${options.file}`, `speed ${options.speed} must be a number above 0`);
    this.opts = {
      file: options.file,
      pace: options.pace ?? 'realtime',
      speed,
      loop: options.loop ?? false,
      timestamps: options.timestamps ?? 'recorded',
      chunkFrames: Math.max(1, options.chunkFrames ?? 256),
      iface: options.iface,
    };
  }

  /** Checks that the file can be read and starts playing; rejects (state 'failed') when it cannot. */
  async open(): Promise<void> {
    if (this.running) return;
    this.setState('opening');
    const gen = ++this.generation;
    try {
      const st = await fsp.stat(this.opts.file);
      if (!st.isFile()) throw new Error('not a file');
      await fsp.access(this.opts.file);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      const why = code === 'ENOENT' ? 'file not found' : code === 'EACCES' ? 'permission denied' : (err as Error).message;
      const problem: CanProblemCode = code === 'ENOENT' ? 'fileNotFound' : code === 'EACCES' ? 'permission' : 'replayUnreadable';
      const e = new CanSourceError(this.description, `cannot read the candump log: ${why}`, err, { code: problem });
      if (gen === this.generation) {
        this.emitError(e);
        this.setFailedState('failed', e);
      }
      throw e;
    }
    if (gen !== this.generation) throw new CanSourceError(this.description, 'closed while opening');
    this.running = true;
    this.setState('open');
    this.done = this.play(gen).catch((err) => {
      if (err instanceof Stopped || gen !== this.generation) return;
      const e = new CanSourceError(this.description, `playback stopped: ${(err as Error).message}`, err, { code: 'replayStopped' });
      this.emitError(e);
      this.setFailedState('failed', e);
    });
  }

  async close(): Promise<void> {
    this.generation++;
    this.running = false;
    clearTimeout(this.sleepTimer);
    this.sleepTimer = undefined;
    this.wake?.();
    this.stream?.destroy();
    this.stream = undefined;
    await this.done;
    this.done = undefined;
    this.setState('closed');
  }

  /** Loopback: a sent frame is received back, stamped now. */
  async send(frame: CanFrame): Promise<void> {
    if (!this.running) throw new CanSourceError(this.description, `cannot send: the replay is ${this.state}`);
    this.stats.sent++;
    this.emitFrame({ ...frame, ts: Date.now() / 1000, iface: this.opts.iface ?? frame.iface });
  }

  private check(gen: number): void {
    if (gen !== this.generation) throw new Stopped();
  }

  private async play(gen: number): Promise<void> {
    for (;;) {
      const pass = await this.playOnce(gen);
      this.passes++;
      this.check(gen);
      // A file without a single frame would spin forever when looping.
      if (!this.opts.loop || pass.played === 0) break;
      if (this.opts.pace === 'realtime') {
        // The log does not say how long after its last frame the first comes again: use the
        // mean gap between its frames (a one-frame log repeats once a second).
        const span = pass.lastTs !== undefined && pass.firstTs !== undefined ? pass.lastTs - pass.firstTs : 0;
        const gapMs = pass.timed > 1 && span > 0 ? (span * 1000) / (pass.timed - 1) : 1000;
        await this.sleep(gapMs / this.opts.speed);
        this.check(gen);
      }
    }
    this.running = false;
    this.setState('ended', `${this.stats.frames} frames played`);
    this.emit('end');
  }

  private async playOnce(gen: number): Promise<{ played: number; timed: number; firstTs?: number; lastTs?: number }> {
    const { file, pace, speed, chunkFrames, timestamps, iface } = this.opts;
    const stream = createReadStream(file, { highWaterMark: 64 * 1024, encoding: 'utf8' });
    this.stream = stream;
    let carry = '';
    let lineNo = 0;
    let played = 0;
    let sinceYield = 0;
    let firstTs: number | undefined;
    let lastTs: number | undefined;
    let timed = 0;
    // Host time (performance.now) just after the first timed frame was emitted: the origin of
    // the schedule. Taken after the emit, not before it, so a listener that times frames from
    // the first one it sees never finds a later frame ahead of its recorded gap.
    let scheduleOrigin = 0;

    const playLine = async (line: string): Promise<void> => {
      lineNo++;
      let frame: CanFrame | null;
      try {
        frame = parseCandumpLine(line, lineNo);
      } catch (err) {
        if (err instanceof CandumpSyntaxError) {
          this.emitError(new ReplayLineError(file, err));
          return;
        }
        throw err;
      }
      if (!frame) return;
      const recordedTs = frame.ts;
      if (recordedTs !== undefined) {
        timed++;
        lastTs = recordedTs;
      }
      const firstTimed = pace === 'realtime' && recordedTs !== undefined && firstTs === undefined;
      if (pace === 'realtime' && recordedTs !== undefined && firstTs !== undefined) {
        if (await this.sleepUntil(scheduleOrigin + ((recordedTs - firstTs) * 1000) / speed, gen)) sinceYield = 0;
      }
      if (timestamps === 'replay') frame.ts = Date.now() / 1000;
      if (iface !== undefined) frame.iface = iface;
      played++;
      this.emitFrame(frame);
      if (firstTimed) {
        firstTs = recordedTs;
        scheduleOrigin = performance.now();
      }
      if (++sinceYield >= chunkFrames) {
        sinceYield = 0;
        await new Promise<void>((r) => setImmediate(r));
        this.check(gen);
      }
    };

    try {
      // for-await pauses the stream while a chunk is being played: the back-pressure.
      for await (const chunk of stream) {
        this.check(gen);
        const text = carry + (chunk as string);
        const lines = text.split('\n');
        carry = lines.pop() ?? '';
        for (const line of lines) {
          await playLine(line);
          this.check(gen);
        }
      }
      if (carry.length > 0) await playLine(carry);
    } finally {
      stream.destroy();
      if (this.stream === stream) this.stream = undefined;
    }
    return { played, timed, firstTs, lastTs };
  }

  /**
   * Waits until performance.now() reaches `target` (never returns early: a timer can fire up to
   * the event loop's cached-clock lag before its time, so the rest is slept again). Returns
   * whether it slept at all. Targets are absolute, so a frame delayed by a whole-millisecond
   * timer does not delay the frames after it.
   */
  private async sleepUntil(target: number, gen: number): Promise<boolean> {
    let slept = false;
    for (let remaining = target - performance.now(); remaining > 0; remaining = target - performance.now()) {
      await this.sleep(Math.max(1, Math.ceil(remaining)));
      this.check(gen);
      slept = true;
    }
    return slept;
  }

  private sleep(ms: number): Promise<void> {
    return new Promise<void>((resolve) => {
      this.wake = () => {
        clearTimeout(this.sleepTimer);
        this.sleepTimer = undefined;
        this.wake = undefined;
        resolve();
      };
      this.sleepTimer = setTimeout(this.wake, ms);
    });
  }
}
