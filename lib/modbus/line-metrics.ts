// Prometheus metrics of one line. The metric objects are shared by every line of the process
// (lib/metrics/registry.ts); this keeps track of the label values this line used, so close()
// removes exactly its own series.
import { counter, gauge, histogram } from '../metrics/registry';
import type { BreakerState } from './line-types';

const BREAKER_VALUE: Record<BreakerState, number> = { closed: 0, 'half-open': 1, open: 2 };

export class LineMetrics {
  private readonly requests = counter('edgegw_modbus_requests_total', 'Modbus requests sent, by line, unit and function code', ['line', 'unit', 'fc'] as const);
  private readonly errors = counter('edgegw_modbus_errors_total', 'Failed Modbus requests, by line, unit and kind (exception, timeout, protocol, connection, breaker, suspended)', ['line', 'unit', 'kind'] as const);
  private readonly timeouts = counter('edgegw_modbus_timeouts_total', 'Modbus requests that got no answer in time', ['line', 'unit'] as const);
  private readonly seconds = histogram('edgegw_modbus_request_seconds', 'Modbus request round trip (answered requests)', ['line', 'unit'] as const);
  private readonly breakerState = gauge('edgegw_modbus_breaker_state', 'Per-unit circuit breaker: 0 closed, 1 half-open, 2 open', ['line', 'unit'] as const);
  private readonly connectedGauge = gauge('edgegw_modbus_connected', 'Whether the Modbus line is connected (1) or not (0)', ['line'] as const);
  private readonly used = new Map<string, { metric: { remove(labels: Record<string, string>): void }; labels: Record<string, string> }>();

  constructor(private readonly line: string) {}

  request(unit: number, fc: number): void {
    const labels = { line: this.line, unit: String(unit), fc: String(fc) };
    this.note('r', this.requests, labels);
    this.requests.inc(labels);
  }

  error(unit: number, kind: string): void {
    const labels = { line: this.line, unit: String(unit), kind };
    this.note('e', this.errors, labels);
    this.errors.inc(labels);
  }

  timeout(unit: number): void {
    const labels = { line: this.line, unit: String(unit) };
    this.note('t', this.timeouts, labels);
    this.timeouts.inc(labels);
  }

  latency(unit: number, seconds: number): void {
    const labels = { line: this.line, unit: String(unit) };
    this.note('s', this.seconds, labels);
    this.seconds.observe(labels, seconds);
  }

  breaker(unit: number, state: BreakerState): void {
    const labels = { line: this.line, unit: String(unit) };
    this.note('b', this.breakerState, labels);
    this.breakerState.set(labels, BREAKER_VALUE[state]);
  }

  connected(on: boolean): void {
    const labels = { line: this.line };
    this.note('c', this.connectedGauge, labels);
    this.connectedGauge.set(labels, on ? 1 : 0);
  }

  remove(): void {
    for (const { metric, labels } of this.used.values()) metric.remove(labels);
    this.used.clear();
  }

  private note(kind: string, metric: { remove(labels: Record<string, string>): void }, labels: Record<string, string>): void {
    const key = kind + JSON.stringify(labels);
    if (!this.used.has(key)) this.used.set(key, { metric, labels });
  }
}
