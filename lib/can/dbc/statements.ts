// What the statement parser collects: the file's statements, still unresolved (ids as written,
// references by name). The resolver turns them into a DbcDatabase.
import type { DbcByteOrder, DbcObjectType } from './types';

export type DbcTarget =
  { kind: 'network' } | { kind: 'node'; name: string } | { kind: 'message'; fileId: number } | { kind: 'signal'; fileId: number; name: string } | { kind: 'envvar'; name: string };

export interface RawSignal {
  name: string;
  /** M (switch), mN (value), mNM (both). */
  muxSwitch: boolean;
  muxValue?: number;
  startBit: number;
  length: number;
  byteOrder: DbcByteOrder;
  signed: boolean;
  factor: number;
  offset: number;
  min: number;
  max: number;
  unit: string;
  receivers: string[];
  line: number;
}

export interface RawMessage {
  /** The id as written: bit 31 marks an extended frame. */
  fileId: number;
  name: string;
  length: number;
  senders: string[];
  signals: RawSignal[];
  line: number;
}

export interface RawAttributeDefinition {
  objectType: DbcObjectType;
  name: string;
  type: 'INT' | 'HEX' | 'FLOAT' | 'STRING' | 'ENUM';
  min?: number;
  max?: number;
  enumValues?: string[];
  line: number;
}

export interface DbcStatements {
  version: string;
  newSymbols: string[];
  busTiming?: { baudrate: number; btr1: number; btr2: number };
  nodes: Array<{ name: string; line: number }>;
  messages: RawMessage[];
  comments: Array<{ target: DbcTarget; text: string; line: number }>;
  attributeDefinitions: RawAttributeDefinition[];
  attributeDefaults: Array<{ name: string; value: number | string; line: number }>;
  attributeValues: Array<{ name: string; target: DbcTarget; value: number | string; line: number }>;
  valueDescriptions: Array<{ target: DbcTarget; table: Map<number, string>; line: number }>;
  valueTables: Array<{ name: string; table: Map<number, string>; line: number }>;
  signalValueTypes: Array<{ fileId: number; signal: string; type: number; line: number }>;
  multiplexerValues: Array<{ fileId: number; signal: string; switchName: string; ranges: Array<[number, number]>; line: number }>;
  transmitters: Array<{ fileId: number; nodes: string[]; line: number }>;
  signalGroups: Array<{ fileId: number; name: string; repetitions: number; signals: string[]; line: number }>;
}

export function emptyStatements(): DbcStatements {
  return {
    version: '',
    newSymbols: [],
    nodes: [],
    messages: [],
    comments: [],
    attributeDefinitions: [],
    attributeDefaults: [],
    attributeValues: [],
    valueDescriptions: [],
    valueTables: [],
    signalValueTypes: [],
    multiplexerValues: [],
    transmitters: [],
    signalGroups: [],
  };
}
