// The modbus-server node's fields: read at deploy (config.ts serverOptionsFromSettings) and checked
// in the editor (browser-safe: it imports no runtime module). Errors read "Modbus server option <field>: ...", as ServerConfigError's do. The
// tag table (`tags`) and the register persistence fields are read by their own parsers.
import type { FieldSchema } from '../../config/fields';

/** Modbus has no authentication: unless told otherwise the server is reachable from this machine only. */
export const DEFAULT_BIND_HOST = '127.0.0.1';
export const DEFAULT_MAX_CONNECTIONS = 32;
/** seconds without traffic before a TCP client is closed */
export const DEFAULT_IDLE_TIMEOUT_S = 120;

/** What FC 43/14 (read device identification) answers unless configured otherwise. */
export const DEFAULT_DEVICE_IDENTIFICATION = {
  vendorName: 'edgegw',
  productCode: 'edge-gateway',
  majorMinorRevision: '1.0',
  vendorUrl: '',
  productName: '',
  modelName: '',
  userApplicationName: '',
} as const;

const TCP_LIKE = { field: 'transport', in: ['tcp', 'rtu-over-tcp'] } as const;
const SERIAL = { field: 'transport', in: ['rtu'] } as const;

/** An integer within min..max, in the words the server's options have always used. */
function integer<D extends number>(min: number, max: number, dflt: D) {
  return { kind: 'integer', min, max, default: dflt, rule: `must be an integer ${min}..${max}` } as const;
}

/**
 * A Read Device Identification object (FC 43/14): printable ASCII, the specification's strings,
 * short enough that one object fits one response PDU (MAX_DEVICE_ID_VALUE).
 */
function deviceIdObject(dflt: string) {
  return { kind: 'string', default: dflt, pattern: '^[\\x20-\\x7e]{0,244}$', rule: 'must be printable ASCII text of at most 244 characters' } as const;
}

const AREA_SIZE = integer(0, 65_536, 10_000);
// the first address of an area: requests below it are refused (exception 02); 0 in flows saved before
const AREA_START = integer(0, 65_535, 0);

export const MODBUS_SERVER_FIELDS = {
  errorPrefix: 'Modbus server option ',
  fields: {
    transport: { kind: 'enum', values: ['tcp', 'rtu-over-tcp', 'rtu'], default: 'tcp', rule: 'must be tcp, rtu-over-tcp or rtu' },
    // blank: this machine only (Modbus has no authentication)
    host: { kind: 'string', default: DEFAULT_BIND_HOST, when: TCP_LIKE },
    // 0: any free port (tests)
    port: { ...integer(0, 65_535, 502), when: TCP_LIKE },
    path: { kind: 'string', required: true, default: '/dev/ttyUSB0', when: SERIAL },
    baudRate: { ...integer(50, 4_000_000, 9600), when: SERIAL },
    parity: { kind: 'enum', values: ['none', 'even', 'odd'], default: 'none', when: SERIAL, rule: 'must be none, even or odd' },
    dataBits: { kind: 'integer', oneOf: [7, 8], default: 8, when: SERIAL },
    stopBits: { kind: 'integer', oneOf: [1, 2], default: 1, when: SERIAL },
    // blank: any unit id. The list itself is parseUnits', which names the part it refuses (the
    // editor's quick check mirrors it)
    units: { kind: 'string', default: '' },
    coilSize: AREA_SIZE,
    discreteSize: AREA_SIZE,
    holdingSize: AREA_SIZE,
    inputSize: AREA_SIZE,
    coilStart: AREA_START,
    discreteStart: AREA_START,
    holdingStart: AREA_START,
    inputStart: AREA_START,
    // missing in flows saved before these two existed: the defaults
    maxConnections: integer(1, 10_000, DEFAULT_MAX_CONNECTIONS),
    idleTimeout: { ...integer(0, 86_400, DEFAULT_IDLE_TIMEOUT_S), unit: 's' },
    notation: { kind: 'enum', values: ['zero', 'one', 'modicon'], default: 'zero' },
    // "<unit>: <template>, ...": units simulating a shipped device template (blank: none); the
    // list is parseSimulation's, which names the part it refuses
    simulation: { kind: 'string', default: '' },
    // what FC 43/14 answers; missing in flows saved before they existed: the defaults. A blank
    // basic object reads as its default (the three are mandatory), a blank regular one is absent
    vendorName: deviceIdObject(DEFAULT_DEVICE_IDENTIFICATION.vendorName),
    productCode: deviceIdObject(DEFAULT_DEVICE_IDENTIFICATION.productCode),
    majorMinorRevision: deviceIdObject(DEFAULT_DEVICE_IDENTIFICATION.majorMinorRevision),
    vendorUrl: deviceIdObject(DEFAULT_DEVICE_IDENTIFICATION.vendorUrl),
    productName: deviceIdObject(DEFAULT_DEVICE_IDENTIFICATION.productName),
    modelName: deviceIdObject(DEFAULT_DEVICE_IDENTIFICATION.modelName),
    userApplicationName: deviceIdObject(DEFAULT_DEVICE_IDENTIFICATION.userApplicationName),
  },
} as const satisfies FieldSchema;
