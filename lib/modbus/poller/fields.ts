// The modbus-device node's scalar fields: read at deploy (config.ts resolveDeviceConfig) and checked
// in the editor. The tag table, the poll groups and the identity tag are read by their own parsers
// (they name the line, group or tag they refuse). Browser-safe: the editor bundles this declaration.
import type { FieldSchema } from '../../config/fields';

/** The most registers, and bits, one Modbus read may ask for (the protocol's limits). */
export const MAX_READ_REGISTERS = 125;
export const MAX_READ_BITS = 2000;

/** A whole number within min..max, in the words the device's settings have always used. */
function wholeNumber<D extends number>(min: number, max: number, dflt: D) {
  return { kind: 'integer', min, max, default: dflt, rule: `must be a whole number ${min}..${max}` } as const;
}

export const MODBUS_DEVICE_FIELDS = {
  fields: {
    unit: wholeNumber(0, 255, 1),
    notation: { kind: 'enum', values: ['zero', 'one', 'modicon'], default: 'zero', rule: 'must be zero, one, modicon' },
    output: { kind: 'enum', values: ['rbe', 'scan', 'both'], default: 'rbe', rule: 'must be rbe, scan, both' },
    maxGap: wholeNumber(0, 65_535, 10),
    maxRegisters: wholeNumber(1, MAX_READ_REGISTERS, MAX_READ_REGISTERS),
    maxBits: wholeNumber(1, MAX_READ_BITS, MAX_READ_BITS),
    parseJson: { kind: 'boolean', default: false },
    // counts only with an identity tag; missing from flows saved before it existed: the default
    identityEvery: wholeNumber(1, 1_000_000, 10),
    // what identifies the device: a tag of its table (identityTag), or an object of its Read
    // Device Identification (function 43 / MEI 14); flows saved before it existed: register
    identityMode: { kind: 'enum', values: ['register', 'device-id'], default: 'register', rule: 'must be register or device-id' },
    // the object's name as the specification has it (ProductCode, ModelName...) or its id (0x80)
    identityObject: {
      kind: 'string',
      default: 'ProductCode',
      when: { field: 'identityMode', in: ['device-id'] },
      pattern: '^(VendorName|ProductCode|MajorMinorRevision|VendorUrl|ProductName|ModelName|UserApplicationName|0x[0-9a-f]{1,2}|25[0-5]|2[0-4]\\d|1?\\d{1,2})$',
      flags: 'i',
      rule: 'must be an object name (VendorName, ProductCode, MajorMinorRevision, VendorUrl, ProductName, ModelName, UserApplicationName) or an object id 0..255',
    },
  },
} as const satisfies FieldSchema;
