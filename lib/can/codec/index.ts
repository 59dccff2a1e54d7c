// DbcCodec: frames <-> signal values for one DBC database. Each message is compiled on first
// use (see codec/decoder-source.ts); lookups by id go through a flat array for standard ids.
import type { DbcDatabase, DbcMessage } from '../dbc/types';
import { compileDecoder, type MessageDecoder, type SignalValues } from './decoder-source';
import { encodeMessage, type EncodeValue } from './encoder';
import { DbcEncodeError } from './errors';
import { interpretDecode } from './interpreted';
import { type MessagePlan, planMessage } from './message-plan';

export { DbcEncodeError } from './errors';
export type { SignalValues } from './decoder-source';
export type { EncodeValue } from './encoder';

export interface DecodedMessage {
  message: DbcMessage;
  /** Physical values (factor and offset applied); labels when asked; BigInt only beyond 2^53. */
  signals: Record<string, number | bigint | string>;
}

export interface DecodeOptions {
  /** Replace values that have a value-table entry by the label. */
  labels?: boolean;
}

export interface DbcCodecOptions {
  /** Generate code per message (default). false walks the plan instead: slower, same results. */
  compile?: boolean;
}

/** The compiled form of one message; decoders are generated on first use. */
class CompiledMessage {
  readonly plan: MessagePlan;
  /** Frame length from which every signal fits: the common case, decoded without length tests. */
  private readonly fullLength: number;
  private fast: MessageDecoder | undefined;
  /** [labels][short frame] variants other than the fast one. */
  private others: Array<MessageDecoder | undefined> = [undefined, undefined, undefined];

  constructor(
    readonly message: DbcMessage,
    private readonly compile: boolean,
  ) {
    this.plan = planMessage(message);
    this.fullLength = this.plan.bytesNeeded;
  }

  decode(data: Uint8Array, labels: boolean): SignalValues {
    if (!labels && data.length >= this.fullLength) return (this.fast ?? this.build(false, false))(data);
    return this.variant(labels, data.length < this.fullLength)(data);
  }

  private variant(labels: boolean, checked: boolean): MessageDecoder {
    const slot = (labels ? 1 : 0) + (checked ? 2 : 0) - 1;
    return this.others[slot] ?? this.build(labels, checked);
  }

  private build(labels: boolean, checked: boolean): MessageDecoder {
    const fn = (this.compile && compileDecoder(this.plan, labels, checked)) || ((d: Uint8Array) => interpretDecode(this.plan, d, labels));
    if (!labels && !checked) this.fast = fn;
    else this.others[(labels ? 1 : 0) + (checked ? 2 : 0) - 1] = fn;
    return fn;
  }
}

const STANDARD_IDS = 0x800;
const EXTENDED_KEY = 0x100000000;

export class DbcCodec {
  private readonly standard: Array<CompiledMessage | undefined> = new Array(STANDARD_IDS).fill(undefined);
  private readonly others = new Map<number, CompiledMessage>();
  private readonly byName = new Map<string, CompiledMessage>();
  private readonly compiled = new Map<DbcMessage, CompiledMessage>();
  private readonly compile: boolean;

  constructor(
    readonly db: DbcDatabase,
    opts: DbcCodecOptions = {},
  ) {
    this.compile = opts.compile !== false;
    for (const m of db.messages) {
      const entry = new CompiledMessage(m, this.compile);
      this.compiled.set(m, entry);
      if (!m.extended && m.id < STANDARD_IDS) {
        if (!this.standard[m.id]) this.standard[m.id] = entry;
      } else {
        const key = m.extended ? m.id + EXTENDED_KEY : m.id;
        if (!this.others.has(key)) this.others.set(key, entry);
      }
      if (!this.byName.has(m.name)) this.byName.set(m.name, entry);
    }
  }

  private entry(id: number, extended: boolean): CompiledMessage | undefined {
    if (!extended && id >= 0 && id < STANDARD_IDS) return this.standard[id];
    return this.others.get(extended ? id + EXTENDED_KEY : id);
  }

  private find(idOrName: string | number, extended?: boolean): CompiledMessage | undefined {
    if (typeof idOrName === 'string') return this.byName.get(idOrName);
    if (extended !== undefined) return this.entry(idOrName, extended);
    return this.entry(idOrName, false) ?? this.entry(idOrName, true);
  }

  /** A message by name, or by id (standard first unless `extended` says which). */
  message(idOrName: string | number, extended?: boolean): DbcMessage | undefined {
    return this.find(idOrName, extended)?.message;
  }

  /** The decode plan of a message (which signals, where, how scaled): for tools and tests. */
  plan(idOrName: string | number, extended?: boolean): MessagePlan | undefined {
    return this.find(idOrName, extended)?.plan;
  }

  /**
   * Decodes a frame; undefined when the database has no such message. Only the signals the
   * multiplexer selects are present, and only those that fit in `data` when it is short.
   */
  decode(id: number, extended: boolean, data: Uint8Array, opts?: DecodeOptions): DecodedMessage | undefined {
    const entry = !extended && id >= 0 && id < STANDARD_IDS ? this.standard[id] : this.entry(id, extended);
    if (entry === undefined) return undefined;
    return { message: entry.message, signals: entry.decode(data, opts?.labels === true) };
  }

  /** Encodes signal values (physical, or labels) into a frame of the message's length. */
  encode(messageNameOrId: string | number, signals: Record<string, EncodeValue>, extended?: boolean): { id: number; extended: boolean; data: Buffer } {
    const entry = this.find(messageNameOrId, extended);
    if (!entry) {
      const what =
        typeof messageNameOrId === 'string' ? `"${messageNameOrId}"` : `id ${messageNameOrId} (0x${messageNameOrId.toString(16)})${extended === undefined ? '' : extended ? ' extended' : ' standard'}`;
      throw new DbcEncodeError(String(messageNameOrId), undefined, `the database has no message ${what}`);
    }
    if (signals === null || typeof signals !== 'object') {
      throw new DbcEncodeError(entry.message.name, undefined, 'signals must be an object of { name: value }');
    }
    return { id: entry.message.id, extended: entry.message.extended, data: encodeMessage(entry.plan, signals) };
  }
}
