// Turns a decoded CAN frame into the messages dbc-decode sends in its per-frame modes: one per
// CAN message (a scan: payload { signal: value } with units, labels and tag samples) or one per
// signal (the tag message contract). The batch mode's scans come from lib/can/decoded-scan.ts.
import type { DbcCodec } from '../../lib/can/codec';
import { MessageShapeTable, appendSignalSamples, makeReadable, frameTimeMs, signalLabels, type DecodableFrame } from '../../lib/can/decoded-scan';
import { tagMessage, type TagSample } from '../../lib/tags/contract';
import type { NodeMessage } from '../common/red';

export type DecodeOutput = 'message' | 'signal';

export interface DecodedMessagesOptions {
  output: DecodeOutput;
  /** add msg.labels (value-table labels of the signals that have one) */
  labels: boolean;
  /** the tag device; empty: the CAN message name */
  device: string;
  /** publish the exact decode instead of readable values */
  exact?: boolean;
}

export type FrameLike = DecodableFrame;

export class DecodedMessages {
  private readonly units = new MessageShapeTable();

  constructor(
    private readonly codec: DbcCodec,
    private readonly opts: DecodedMessagesOptions,
  ) {}

  /**
   * The messages for one frame, or undefined when the DBC does not know its id. `collect` (a
   * tag store's batch) receives the frame's samples too, the same objects the messages carry.
   */
  messages(frame: FrameLike, collect?: TagSample[]): NodeMessage[] | undefined {
    const decoded = this.codec.decode(frame.id, frame.extended, frame.data);
    if (!decoded) return undefined;
    const { message, signals } = decoded;
    const units = this.units.of(message);
    if (!this.opts.exact && units.readable.length > 0) makeReadable(signals, units.readable);
    const can = { id: message.id, extended: message.extended, message: message.name };
    const labels = this.opts.labels ? signalLabels(this.codec, frame, signals) : undefined;
    const samples: TagSample[] = [];
    appendSignalSamples(samples, this.opts.device || message.name, signals, units, frameTimeMs(frame));
    if (collect) for (let i = 0; i < samples.length; i++) collect.push(samples[i]);
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
}
