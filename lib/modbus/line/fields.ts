// The modbus-connection node's fields: read at deploy (status.ts lineOptionsFromSettings) and
// checked in the editor. Errors name the LineOptions path a field becomes (e.g. reconnect.maxMs).
import type { FieldSchema } from '../../config/fields';

const TCP_LIKE = { field: 'transport', in: ['tcp', 'rtu-over-tcp'] } as const;
const SERIAL = { field: 'transport', in: ['rtu', 'ascii'] } as const;
const MS = { kind: 'number', min: 0, max: 3_600_000, unit: 'ms' } as const;

export const MODBUS_CONNECTION_FIELDS = {
  errorPrefix: 'Modbus line option ',
  fields: {
    transport: { kind: 'enum', values: ['tcp', 'rtu-over-tcp', 'rtu', 'ascii'], default: 'tcp', rule: 'must be tcp, rtu-over-tcp, rtu or ascii' },
    host: { kind: 'string', required: true, default: '127.0.0.1', when: TCP_LIKE, label: 'transport.host' },
    port: { kind: 'integer', min: 1, max: 65_535, default: 502, when: TCP_LIKE, label: 'transport.port' },
    path: { kind: 'string', required: true, default: '/dev/ttyUSB0', when: SERIAL, label: 'transport.path' },
    baudRate: { kind: 'number', min: 50, max: 4_000_000, default: 9600, when: SERIAL, label: 'transport.baudRate' },
    parity: { kind: 'enum', values: ['none', 'even', 'odd'], default: 'none', when: SERIAL, label: 'transport.parity', rule: 'must be none, even or odd' },
    // missing: 7 for ASCII, 8 for RTU
    dataBits: { kind: 'integer', oneOf: [7, 8], when: SERIAL, label: 'transport.dataBits' },
    stopBits: { kind: 'integer', oneOf: [1, 2], default: 1, when: SERIAL, label: 'transport.stopBits' },
    timeoutMs: { kind: 'number', min: 1, max: 600_000, default: 1000, unit: 'ms' },
    // several requests on the wire at once: Modbus TCP only; blank: auto (measured at every connect)
    maxInFlight: { kind: 'integer', min: 1, max: 64, when: { field: 'transport', in: ['tcp'] } },
    reconnectMinMs: { ...MS, default: 500, label: 'reconnect.minMs' },
    reconnectMaxMs: { ...MS, default: 30_000, label: 'reconnect.maxMs', atLeast: { field: 'reconnectMinMs', says: 'reconnect.minMs' } },
    unitBackoffMinMs: { ...MS, default: 1000, label: 'unitBackoff.minMs' },
    unitBackoffMaxMs: { ...MS, default: 30_000, label: 'unitBackoff.maxMs', atLeast: { field: 'unitBackoffMinMs', says: 'unitBackoff.minMs' } },
    breakerThreshold: { kind: 'integer', min: 1, max: 1_000_000, default: 5, label: 'breaker.failureThreshold' },
    breakerResetMs: { kind: 'number', min: 0, max: 86_400_000, default: 30_000, unit: 'ms', label: 'breaker.resetTimeoutMs' },
    // blank: twice the timeout, at least 10 s
    queueTimeoutMs: { kind: 'number', min: 1, max: 3_600_000, unit: 'ms' },
    // blank: 3.5 characters at the baud rate (serial), none (TCP)
    interFrameDelayMs: { kind: 'number', min: 0, max: 10_000, unit: 'ms' },
  },
} as const satisfies FieldSchema;
