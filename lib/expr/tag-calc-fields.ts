// The tag-calc node's fields: read at deploy and checked in the editor. The definitions are not a
// field value: compileDefinitions checks them, naming the line and column.
import type { FieldSchema } from '../config/fields';

export const CALC_TRIGGERS = ['input', 'interval', 'both'] as const;

export const TAG_CALC_FIELDS = {
  fields: {
    trigger: { kind: 'enum', values: CALC_TRIGGERS, default: 'input', refused: '{got} is not input, interval or both' },
    interval: {
      kind: 'number',
      min: 0.01,
      max: 86_400,
      default: 10,
      unit: 's',
      refused: '{got} is not a number of seconds between 0.01 and 86400',
      when: { field: 'trigger', in: ['interval', 'both'] },
    },
    output: { kind: 'enum', values: ['scan', 'tag'], default: 'scan', refused: '{got} is not scan or tag' },
    // what a definition gives while one of its inputs is missing
    missing: { kind: 'enum', values: ['uncertain', 'skip'], default: 'uncertain' },
    // blank: the node's name, else "calc"
    device: { kind: 'string', default: '' },
  },
} as const satisfies FieldSchema;
