// Decoded CAN frames shaped into the tag contract (lib/tags/contract.ts): the tag samples of one
// frame, the value-table labels of its signals, and the scan of a whole batch of frames, which is
// what carries CAN traffic through a flow at bus speed (DESIGN.md, "Throughput comes from
// batching"): one message per batch instead of one per frame.
import type { DbcCodec, SignalValues } from './codec';
import type { DbcMessage } from './dbc';
import { toCanFrame } from './frame';
import type { TagSample } from '../tags/contract';
import { roundToDecimals, scaledDecimals, shortestFloat32 } from '../tags/readable';

/** A frame as the decoders take it; can-in's frame payloads have this shape. */
export interface DecodableFrame {
  id: number;
  extended: boolean;
  data: Uint8Array;
  /** seconds since the epoch */
  ts?: number;
  /** a remote frame: it asks for data and carries none */
  rtr?: boolean;
}

/**
 * An input item as a frame to decode. A frame shaped as can-in emits it is used as it is (no copy:
 * batches are hot); anything else goes through toCanFrame's checks, which throw CanFrameError
 * naming the offending field.
 */
export function toDecodableFrame(item: unknown): DecodableFrame {
  const o = item as { id?: unknown; extended?: unknown; data?: unknown; ts?: unknown; rtr?: unknown };
  if (
    o !== null &&
    typeof o === 'object' &&
    typeof o.id === 'number' &&
    typeof o.extended === 'boolean' &&
    o.data instanceof Uint8Array &&
    (o.ts === undefined || typeof o.ts === 'number') &&
    (o.rtr === undefined || typeof o.rtr === 'boolean')
  ) {
    return o as DecodableFrame;
  }
  return toCanFrame(item);
}

export interface MessageUnits {
  /** { signal: unit } for the signals that have a unit */
  all: Record<string, string>;
  bySignal: Map<string, string>;
}

/**
 * How a signal's value is made readable: decimal places its scaling implies (raw * 0.1 + 0 -> 1),
 * or FLOAT32 for an unscaled IEEE float32 signal (its shortest float32 decimal).
 */
export type Readable = [signal: string, decimals: number];
const FLOAT32 = -1;

/** What the shaping needs to know of a message, worked out once. */
export interface MessageShape extends MessageUnits {
  /** Frames of this message can carry different signal sets (a multiplexer picks them). */
  multiplexed: boolean;
  /** the signals whose decoded doubles carry noise a person should not see */
  readable: Readable[];
}

/** Rounds the noisy signals of a decoded frame in place (the decoder returns a fresh object). */
export function makeReadable(signals: SignalValues, readable: readonly Readable[]): void {
  for (let i = 0; i < readable.length; i++) {
    const [name, decimals] = readable[i];
    const v = signals[name];
    if (typeof v !== 'number') continue;
    signals[name] = decimals === FLOAT32 ? shortestFloat32(v) : roundToDecimals(v, decimals);
  }
}

/** The units and shape of each message, worked out once per message. */
export class MessageShapeTable {
  private readonly shapes = new Map<DbcMessage, MessageShape>();

  of(message: DbcMessage): MessageShape {
    let u = this.shapes.get(message);
    if (!u) {
      const all: Record<string, string> = {};
      const bySignal = new Map<string, string>();
      let multiplexed = false;
      const readable: Readable[] = [];
      for (const s of message.signals) {
        const unscaled = s.factor === 1 && s.offset === 0;
        if (s.valueType === 'float32' && s.length === 32) {
          if (unscaled) readable.push([s.name, FLOAT32]);
        } else if (s.valueType !== 'float64' && scaledDecimals(s.factor, s.offset) > 0) {
          readable.push([s.name, scaledDecimals(s.factor, s.offset)]);
        }
        if (s.unit) {
          all[s.name] = s.unit;
          bySignal.set(s.name, s.unit);
        }
        if (s.multiplexer || s.multiplexerValues !== undefined || s.multiplexerRanges !== undefined) multiplexed = true;
      }
      u = { all, bySignal, multiplexed, readable };
      this.shapes.set(message, u);
    }
    return u;
  }
}

/** The sample time of a frame in epoch ms: its own time, or now when it has none. */
export function frameTimeMs(frame: DecodableFrame): number {
  return frame.ts !== undefined ? frame.ts * 1000 : Date.now();
}

/** Appends one good sample per decoded signal to `out`, in the decoder's signal order. */
export function appendSignalSamples(out: TagSample[], device: string, signals: SignalValues, units: MessageUnits, ts: number): void {
  for (const name in signals) {
    const sample: TagSample = { device, name, value: signals[name], quality: 'good', ts, source: 'can' };
    const unit = units.bySignal.get(name);
    if (unit) sample.unit = unit;
    out.push(sample);
  }
}

/**
 * The value-table labels of a decoded frame: { signal: label } for the signals whose value has a
 * VAL_ entry. Decodes the frame a second time with labels, so it is only asked for when wanted.
 */
export function signalLabels(codec: DbcCodec, frame: DecodableFrame, signals: SignalValues): Record<string, string> {
  const labels: Record<string, string> = {};
  const labelled = codec.decode(frame.id, frame.extended, frame.data, { labels: true })?.signals ?? {};
  for (const name in labelled) {
    const v = labelled[name];
    if (typeof v === 'string' && v !== signals[name]) labels[name] = v;
  }
  return labels;
}

export interface CanScanOptions {
  /** the device of every tag sample; empty: the CAN message name */
  device: string;
  /** collect value-table labels (scan.labels) */
  labels: boolean;
  /** publish the exact decode (raw * factor + offset in doubles) instead of readable values */
  exact?: boolean;
}

/** What a batch held. count = decoded + unknown + invalid. */
export interface CanScanFrames {
  count: number;
  decoded: number;
  /** frames the DBC does not know, and remote frames (no data to decode) */
  unknown: number;
  /** items that are not CAN frames at all */
  invalid: number;
}

/** One batch of frames, decoded. */
export interface CanScan {
  /** { <message name>: { <signal>: value } }: the latest value of each signal in the batch */
  payload: Record<string, SignalValues>;
  /** every decoded signal of every frame, in frame order */
  tags: TagSample[];
  /** { <message name>: { <signal>: unit } } for the messages in the batch */
  units: Record<string, Record<string, string>>;
  /** { <message name>: { <signal>: label } } for the latest values that have a label (when asked) */
  labels?: Record<string, Record<string, string>>;
  frames: CanScanFrames;
}

/** Decodes batches of frames into scans; one per DBC. */
export class CanScanDecoder {
  readonly shapes = new MessageShapeTable();

  constructor(
    readonly codec: DbcCodec,
    readonly opts: CanScanOptions,
  ) {}

  /** Starts the scan of one batch: add its frames in order, then finish(). */
  begin(): CanScanBuilder {
    return new CanScanBuilder(this);
  }

  /** The scan of frames already known to be frames (remote frames count as unknown). */
  decode(frames: readonly DecodableFrame[]): CanScan {
    const scan = this.begin();
    for (let i = 0; i < frames.length; i++) {
      if (frames[i].rtr === true) scan.unknown();
      else scan.add(frames[i]);
    }
    return scan.finish();
  }

  /**
   * The scan of a batch of input items (frames as can-in sends them, or loosely shaped ones).
   * Items that are not frames are counted and the first is reported; remote frames count as
   * unknown. With keepUnknown, the items the DBC does not know are returned as they came.
   */
  decodeBatch(items: readonly unknown[], keepUnknown = false): DecodedBatch {
    const scan = this.begin();
    const unknown: unknown[] = [];
    let firstInvalid: DecodedBatch['firstInvalid'];
    for (let i = 0; i < items.length; i++) {
      let frame: DecodableFrame;
      try {
        frame = toDecodableFrame(items[i]);
      } catch (err) {
        scan.invalid();
        firstInvalid ??= { index: i, error: err as Error };
        continue;
      }
      if (frame.rtr === true) scan.unknown();
      else if (scan.add(frame)) continue;
      if (keepUnknown) unknown.push(items[i]);
    }
    return { scan: scan.finish(), unknown, firstInvalid };
  }
}

export interface DecodedBatch {
  scan: CanScan;
  /** the items the DBC does not know (and remote frames), when asked to keep them */
  unknown: unknown[];
  /** the first item that is not a CAN frame, and why */
  firstInvalid?: { index: number; error: Error };
}

export class CanScanBuilder {
  /** per message, the latest signal values (kept by message object: no name lookups per frame) */
  private readonly latest = new Map<DbcMessage, SignalValues>();
  private readonly labels: Map<DbcMessage, Record<string, string>> | undefined;
  private readonly tags: TagSample[] = [];
  private readonly frames: CanScanFrames = { count: 0, decoded: 0, unknown: 0, invalid: 0 };

  constructor(private readonly decoder: CanScanDecoder) {
    if (decoder.opts.labels) this.labels = new Map();
  }

  /** Decodes a frame into the scan; false (counted as unknown) when the DBC does not know its id. */
  add(frame: DecodableFrame): boolean {
    const { codec, opts } = this.decoder;
    const decoded = codec.decode(frame.id, frame.extended, frame.data);
    this.frames.count++;
    if (decoded === undefined) {
      this.frames.unknown++;
      return false;
    }
    this.frames.decoded++;
    const { message, signals } = decoded;
    const shape = this.decoder.shapes.of(message);
    if (!opts.exact && shape.readable.length > 0) makeReadable(signals, shape.readable);
    appendSignalSamples(this.tags, opts.device || message.name, signals, shape, frameTimeMs(frame));

    // The decoder returns a fresh object per frame, so the latest one can be kept as it is. It is
    // merged into instead when it may lack signals an earlier frame had: a multiplexed message
    // shows one page per frame, and a short frame carries only the signals that fit.
    const prev = this.latest.get(message);
    if (prev === undefined || (!shape.multiplexed && frame.data.length >= message.length)) this.latest.set(message, signals);
    else for (const s in signals) prev[s] = signals[s];

    if (this.labels) {
      const labels = signalLabels(codec, frame, signals);
      let acc = this.labels.get(message);
      if (!acc) this.labels.set(message, (acc = {}));
      // Latest value wins: a label stays only while its signal's latest value has one.
      for (const s in signals) {
        if (labels[s] !== undefined) acc[s] = labels[s];
        else if (acc[s] !== undefined) delete acc[s];
      }
    }
    return true;
  }

  /** Counts a frame that is not decoded (a remote frame) as unknown. */
  unknown(): void {
    this.frames.count++;
    this.frames.unknown++;
  }

  /** Counts an item that is not a CAN frame. */
  invalid(): void {
    this.frames.count++;
    this.frames.invalid++;
  }

  finish(): CanScan {
    const payload: Record<string, SignalValues> = {};
    const units: Record<string, Record<string, string>> = {};
    for (const [message, signals] of this.latest) {
      payload[message.name] = signals;
      // a copy: the cached table must not change when a downstream node edits msg.units
      units[message.name] = { ...this.decoder.shapes.of(message).all };
    }
    const scan: CanScan = { payload, tags: this.tags, units, frames: { ...this.frames } };
    if (this.labels) {
      const labels: Record<string, Record<string, string>> = {};
      for (const [message, l] of this.labels) labels[message.name] = l;
      scan.labels = labels;
    }
    return scan;
  }
}
