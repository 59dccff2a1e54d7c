// The can-interface node's fields: read at deploy (create.ts createFrameSource) and checked in the
// editor. The kernel filter list (`filters`) is parseFilters', which names the filter it refuses.
// Browser-safe: the editor bundles this declaration.
import type { FieldSchema } from '../../config/fields';

/** The CAN bit rates an SLCAN adapter can be set to (its S0..S8 commands). */
export const SLCAN_BIT_RATES = [10_000, 20_000, 50_000, 100_000, 125_000, 250_000, 500_000, 800_000, 1_000_000] as const;

const SOCKETCAN = { field: 'kind', in: ['socketcan'] } as const;
const SLCAN = { field: 'kind', in: ['slcan'] } as const;
const REPLAY = { field: 'kind', in: ['replay'] } as const;

export const CAN_INTERFACE_FIELDS = {
  fields: {
    kind: { kind: 'enum', values: ['socketcan', 'slcan', 'replay'], default: 'slcan', refused: '{got} is not socketcan, slcan or replay' },
    iface: { kind: 'string', required: true, default: 'can0', when: SOCKETCAN, pattern: '^[\\w.:-]{1,15}$', refused: '{got} is not a valid network interface name' },
    serialPath: { kind: 'string', required: true, default: '/dev/ttyACM0', when: SLCAN },
    baudRate: { kind: 'integer', above: 0, default: 115_200, when: SLCAN, refused: '{got} is not a baud rate' },
    bitrate: { kind: 'integer', oneOf: SLCAN_BIT_RATES, default: 500_000, when: SLCAN, refused: `{got} is not one of ${SLCAN_BIT_RATES.join(', ')} bit/s` },
    timestamps: { kind: 'boolean', default: true, when: SLCAN },
    listenOnly: { kind: 'boolean', default: false, when: SLCAN },
    statusPollMs: { kind: 'number', zeroAllowed: true, min: 10, default: 0, when: SLCAN, refused: '{got} is not 0 (off) or at least 10 ms' },
    // relative to the Node-RED user directory; missing from a flow: refused when the source is made
    file: { kind: 'string', required: true, default: '', when: REPLAY },
    pace: { kind: 'enum', values: ['realtime', 'fast'], default: 'realtime', when: REPLAY, refused: '{got} is not "realtime" or "fast"' },
    speed: { kind: 'number', above: 0, default: 1, when: REPLAY, refused: '{got} is not a speed factor above 0' },
    loop: { kind: 'boolean', default: false, when: REPLAY },
    replayTimestamps: { kind: 'enum', values: ['recorded', 'replay'], default: 'recorded', when: REPLAY, refused: '{got} is not "recorded" or "replay"' },
  },
} as const satisfies FieldSchema;
