// The /metrics series of one can-interface node. A source keeps running totals; the counters
// move by what changed since the last update, so a reopened source does not count twice.
import type { SourceStats } from '../../lib/can/sources';
import { counter, gauge } from '../../lib/metrics/registry';
import type { TelemetryScope } from '../common/telemetry';

const LABELS = ['interface', 'name', 'kind'] as const;
type Label = (typeof LABELS)[number];
type Labels = Record<Label, string>;
type Totals = Pick<SourceStats, 'frames' | 'sent' | 'errors' | 'busOff'>;

function canMetrics() {
  return {
    received: counter<Label>('edgegw_can_frames_received_total', 'CAN frames received, by interface node', LABELS),
    sent: counter<Label>('edgegw_can_frames_sent_total', 'CAN frames sent, by interface node', LABELS),
    errors: counter<Label>('edgegw_can_errors_total', 'CAN errors (error frames, adapter errors, malformed input, lost connections), by interface node', LABELS),
    busOff: counter<Label>('edgegw_can_bus_off_total', 'Times a CAN controller went bus-off, by interface node', LABELS),
    rate: gauge<Label>('edgegw_can_frames_per_second', 'CAN frames received per second over the last interval, by interface node', LABELS),
    up: gauge<Label>('edgegw_can_interface_up', '1 when the CAN interface passes frames (open), else 0', LABELS),
  };
}

export class CanInterfaceMetrics {
  private readonly metrics = canMetrics();
  private readonly labels: Labels;
  private readonly counted: Totals = { frames: 0, sent: 0, errors: 0, busOff: 0 };

  /** The series are removed when the telemetry scope closes. */
  constructor(telemetry: TelemetryScope, labels: Labels) {
    this.labels = labels;
    for (const metric of Object.values(this.metrics)) telemetry.labels(metric, labels);
  }

  update(stats: Readonly<SourceStats>, framesPerSecond: number): void {
    const { metrics: m, labels, counted } = this;
    m.received.inc(labels, stats.frames - counted.frames);
    m.sent.inc(labels, stats.sent - counted.sent);
    m.errors.inc(labels, stats.errors - counted.errors);
    m.busOff.inc(labels, stats.busOff - counted.busOff);
    Object.assign(counted, { frames: stats.frames, sent: stats.sent, errors: stats.errors, busOff: stats.busOff });
    m.rate.set(labels, framesPerSecond);
    m.up.set(labels, stats.state === 'open' ? 1 : 0);
  }
}
