// One serial port's settings, shared by everything that opens one (Modbus RTU/ASCII lines, SLCAN
// CAN adapters): the serial-port config node holds them once, and a node that uses it takes them
// in place of its own inline fields. Browser-safe: the editor's validators are built from this.
import { readFields, type FieldSchema, type RawConfig } from '../config/fields';

export const SERIAL_PARITIES = ['none', 'even', 'odd'] as const;

export const SERIAL_PORT_FIELDS = {
  errorPrefix: 'serial port ',
  fields: {
    path: { kind: 'string', required: true, default: '/dev/ttyUSB0', rule: 'must be a device path (e.g. /dev/ttyUSB0, /dev/serial/by-id/...)', message: 'serial-port.errors.path' },
    baudRate: { kind: 'integer', min: 50, max: 4_000_000, default: 9600, refused: '{got} is not a baud rate', message: 'serial-port.errors.baudRate' },
    parity: { kind: 'enum', values: SERIAL_PARITIES, default: 'none', rule: 'must be none, even or odd' },
    dataBits: { kind: 'integer', oneOf: [5, 6, 7, 8], default: 8, message: 'serial-port.errors.dataBits' },
    stopBits: { kind: 'integer', oneOf: [1, 2], default: 1, message: 'serial-port.errors.stopBits' },
  },
} as const satisfies FieldSchema;

export interface SerialPortSettings {
  path: string;
  baudRate: number;
  parity: (typeof SERIAL_PARITIES)[number];
  dataBits: number;
  stopBits: number;
}

/** The settings of a serial-port config node; throws naming the field it refuses. */
export function serialPortSettings(raw: RawConfig): SerialPortSettings {
  const f = readFields(SERIAL_PORT_FIELDS, raw);
  return { path: f.path.trim(), baudRate: f.baudRate, parity: f.parity, dataBits: f.dataBits, stopBits: f.stopBits };
}

/** What a node calls each setting in its own (inline) fields, e.g. SLCAN's `serialPath`. */
export type InlineSerialFields = Partial<Record<keyof SerialPortSettings, string>>;

/**
 * A node's config with the chosen port's settings in place of its inline fields: the config node,
 * when one is chosen, wins; a flow saved before it existed keeps its inline fields untouched.
 */
export function withSerialPort<T extends object>(config: T, port: SerialPortSettings | undefined, names: InlineSerialFields): T {
  if (!port) return config;
  const out = { ...config } as Record<string, unknown>;
  for (const [setting, field] of Object.entries(names) as Array<[keyof SerialPortSettings, string]>) out[field] = port[setting];
  return out as T;
}
