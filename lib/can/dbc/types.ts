// The parsed model of a DBC file. Names and ids are those of the file, after the long-name
// attributes (SystemSignalLongSymbol and friends) have been applied.

export type DbcByteOrder = 'little_endian' | 'big_endian';
export type DbcValueType = 'integer' | 'float32' | 'float64';
export type DbcAttributeValue = number | string;
export type DbcObjectType = 'network' | 'node' | 'message' | 'signal' | 'envvar';

export interface DbcSignal {
  name: string;
  /** As written in the file: LSB position for Intel, MSB position (sawtooth numbering) for Motorola. */
  startBit: number;
  length: number;
  /** @1 Intel = little_endian, @0 Motorola = big_endian. */
  byteOrder: DbcByteOrder;
  signed: boolean;
  valueType: DbcValueType;
  factor: number;
  offset: number;
  min: number;
  max: number;
  unit: string;
  receivers: string[];
  /** This signal is a multiplexer switch (M, or the M of mNM). */
  multiplexer: boolean;
  /** The switch values (raw) that select this signal: N of mN, or the SG_MUL_VAL_ ranges expanded. */
  multiplexerValues?: number[];
  /** The same selection as inclusive ranges (SG_MUL_VAL_ ranges can be too wide to expand). */
  multiplexerRanges?: Array<[number, number]>;
  /**
   * The switch that selects this signal (extended multiplexing names it; otherwise the message's M).
   * Unset with multiplexerValues set: the file names no switch for it, so it is never decoded;
   * likewise when the named switch is not marked M (multiplexer false).
   */
  multiplexerSignal?: string;
  comment?: string;
  /** Raw value -> label (VAL_). */
  valueTable?: Map<number, string>;
  /** Effective attribute values: BA_DEF_DEF_ defaults overlaid with BA_; ENUM values as their labels. */
  attributes: Record<string, DbcAttributeValue>;
  /** Line of the SG_ statement. */
  line: number;
}

export interface DbcMessage {
  /** Frame id without the extended flag (bit 31 of the file's id). */
  id: number;
  extended: boolean;
  name: string;
  /** Length in bytes (up to 64 for CAN FD). */
  length: number;
  /** BO_ sender followed by the BO_TX_BU_ transmitters. */
  senders: string[];
  signals: DbcSignal[];
  comment?: string;
  attributes: Record<string, DbcAttributeValue>;
  /** GenMsgCycleTime in ms when it is set and not 0. */
  cycleTime?: number;
  /** CAN FD frame: VFrameFormat StandardCAN_FD / ExtendedCAN_FD, or longer than 8 bytes. */
  fd: boolean;
  /** Line of the BO_ statement. */
  line: number;
}

export interface DbcNode {
  name: string;
  comment?: string;
  attributes: Record<string, DbcAttributeValue>;
}

export interface DbcAttributeDefinition {
  name: string;
  objectType: DbcObjectType;
  type: 'INT' | 'HEX' | 'FLOAT' | 'STRING' | 'ENUM';
  min?: number;
  max?: number;
  enumValues?: string[];
  default?: DbcAttributeValue;
}

export interface DbcSignalGroup {
  messageId: number;
  extended: boolean;
  name: string;
  repetitions: number;
  signals: string[];
}

export interface DbcDatabase {
  version: string;
  /** New symbols (NS_) as listed. */
  newSymbols: string[];
  /** BS_ baud rate and BTR registers, when given. */
  busTiming?: { baudrate: number; btr1: number; btr2: number };
  nodes: DbcNode[];
  messages: DbcMessage[];
  /** Named value tables (VAL_TABLE_). */
  valueTables: Map<string, Map<number, string>>;
  attributeDefinitions: DbcAttributeDefinition[];
  /** Network attributes (BA_ without an object), defaults applied. */
  attributes: Record<string, DbcAttributeValue>;
  signalGroups: DbcSignalGroup[];
  /** Network comment (CM_ "text";). */
  comment?: string;
  /** Environment-variable value tables (VAL_ on an EV_ name): kept so nothing of the file is lost. */
  environmentValueTables: Map<string, Map<number, string>>;
}

export interface ParseDbcOptions {
  /** Names the file in errors and warnings. */
  filename?: string;
}

export interface ParseDbcResult {
  db: DbcDatabase;
  warnings: import('./errors').DbcWarning[];
}
