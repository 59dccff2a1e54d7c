// Turns a decoded CAN frame into the messages dbc-decode sends: one per CAN message (a scan:
// payload { signal: value } with units, labels and tag samples) or one per signal (the tag
// message contract).
import type { DbcCodec } from '../../lib/can/codec';
import type { DbcMessage } from '../../lib/can/dbc';
import { tagMessage, type TagSample } from '../../lib/tags/contract';
import type { NodeMessage } from '../common/red';

export type DecodeOutput = 'message' | 'signal';

export interface DecodedMessagesOptions {
  output: DecodeOutput;
  /** add msg.labels (value-table labels of the signals that have one) */
  labels: boolean;
  /** the tag device; empty: the CAN message name */
  device: string;
}

export interface FrameLike {
  id: number;
  extended: boolean;
  data: Uint8Array;
  /** seconds since the epoch */
  ts?: number;
}

export class DecodedMessages {
  private readonly units = new Map<DbcMessage, { all: Record<string, string>; bySignal: Map<string, string> }>();

  constructor(private readonly codec: DbcCodec, private readonly opts: DecodedMessagesOptions) {}

  /** The messages for one frame, or undefined when the DBC does not know its id. */
  messages(frame: FrameLike): NodeMessage[] | undefined {
    const decoded = this.codec.decode(frame.id, frame.extended, frame.data);
    if (!decoded) return undefined;
    const { message, signals } = decoded;
    const units = this.unitsOf(message);
    const device = this.opts.device || message.name;
    const ts = frame.ts !== undefined ? frame.ts * 1000 : Date.now();
    const can = { id: message.id, extended: message.extended, message: message.name };
    let labels: Record<string, string> | undefined;
    if (this.opts.labels) {
      const labelled = this.codec.decode(frame.id, frame.extended, frame.data, { labels: true })!.signals;
      labels = {};
      for (const name in labelled) {
        const v = labelled[name];
        if (typeof v === 'string' && v !== signals[name]) labels[name] = v;
      }
    }
    const samples: TagSample[] = [];
    for (const name in signals) {
      const sample: TagSample = { device, name, value: signals[name], quality: 'good', ts, source: 'can' };
      const unit = units.bySignal.get(name);
      if (unit) sample.unit = unit;
      samples.push(sample);
    }
    if (this.opts.output === 'signal') {
      return samples.map((s) => {
        const m: NodeMessage = { ...tagMessage(s), can };
        if (labels && labels[s.name] !== undefined) m.label = labels[s.name];
        return m;
      });
    }
    // units is cached per message: each msg gets its own copy, as a downstream node may change it
    const msg: NodeMessage = { topic: message.name, payload: signals, units: { ...units.all }, tags: samples, can };
    if (labels) msg.labels = labels;
    return [msg];
  }

  private unitsOf(message: DbcMessage) {
    let u = this.units.get(message);
    if (!u) {
      const all: Record<string, string> = {};
      const bySignal = new Map<string, string>();
      for (const s of message.signals) {
        if (s.unit) {
          all[s.name] = s.unit;
          bySignal.set(s.name, s.unit);
        }
      }
      u = { all, bySignal };
      this.units.set(message, u);
    }
    return u;
  }
}
