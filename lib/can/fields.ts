// The scalar fields of the CAN nodes that are not the interface: can-in, dbc-decode, dbc-encode.
// Read at deploy by the nodes and checked in the editor (browser-safe: the editor bundles these).
// What the nodes' own parsers read stays with them: can-in's filters (parseFilters, naming the
// filter), the DBC file or text (loadDbc, naming the file, line and column), dbc-encode's message
// (looked up in the DBC).
import type { FieldSchema } from '../config/fields';

/** The DBC source of dbc-decode and dbc-encode: a file path, or text pasted in the node. */
const DBC_SOURCE = { kind: 'enum', values: ['file', 'text'], default: 'file' } as const;

export const CAN_IN_FIELDS = {
  fields: {
    // 0: one message per frame
    batchMs: { kind: 'number', min: 0, default: 0, refused: '{got} is not 0 (one message per frame) or a number of milliseconds' },
  },
} as const satisfies FieldSchema;

export const DBC_DECODE_FIELDS = {
  fields: {
    dbcSource: DBC_SOURCE,
    output: { kind: 'enum', values: ['message', 'signal', 'batch'], default: 'message', refused: '{got} is not "message", "signal" or "batch"' },
    labels: { kind: 'boolean', default: false },
    exact: { kind: 'boolean', default: false },
    // blank: each CAN message's name
    device: { kind: 'string', default: '' },
    unknown: { kind: 'enum', values: ['drop', 'pass'], default: 'drop' },
  },
} as const satisfies FieldSchema;

export const DBC_ENCODE_FIELDS = {
  fields: {
    dbcSource: DBC_SOURCE,
    // blank: the message msg.topic names
    message: { kind: 'string', default: '' },
  },
} as const satisfies FieldSchema;
