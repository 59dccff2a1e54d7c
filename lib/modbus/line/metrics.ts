// Prometheus metrics of one line. The metric objects are shared by every line of the process
// (lib/metrics/registry.ts); this keeps track of the label values this line used, so close()
// removes exactly its own series.
//
// The two per-request metrics (requests, round-trip histogram) are not touched on the request
// path: prom-client hashes the label object on every inc/observe (about 1 µs for the pair, a
// few % of a request's CPU). They are counted here in plain numbers and folded into the shared
// metrics when anything reads them: the metrics' collect() hook, which prom-client runs before
// every read (registry.metrics(), metric.get()), flushes every live line first.
import type { Counter, Gauge, Histogram } from 'prom-client';
import { counter, gauge, histogram } from '../../metrics/registry';
import type { BreakerState } from './types';

const BREAKER_VALUE: Record<BreakerState, number> = { closed: 0, 'half-open': 1, open: 2 };

type Removable = { remove(labels: Record<string, string>): void };

/** The slice of prom-client's Histogram internals the flush adds to (15.x); checked before use. */
interface HistogramEntry {
  labels: Record<string, string>;
  bucketValues: Record<number, number>;
  sum: number;
  count: number;
}
interface HistogramInternals {
  hashMap?: Record<string, HistogramEntry>;
  upperBounds?: number[];
  zero?(labels: Record<string, string>): void;
}

/** Lines with counts not yet folded into the shared metrics. */
const live = new Set<LineMetrics>();
const HOOKED = Symbol.for('edgegw.modbus.lineMetricsFlush');

function flushAll(): void {
  for (const m of live) m.flush();
}

/** Makes prom-client fold every line's pending counts in before it reads the metric. */
function hookCollect(metric: object): void {
  const m = metric as { collect?: () => unknown; [HOOKED]?: boolean };
  if (m[HOOKED]) return;
  m[HOOKED] = true;
  const previous = m.collect;
  m.collect = function (this: unknown) {
    flushAll();
    return previous?.call(this);
  };
}

/** Counts of one unit since the last flush. */
class UnitSeries {
  readonly labels: Record<string, string>;
  /** requests by function code (index = fc, 1..16 and 43) */
  readonly requests = new Float64Array(44);
  readonly requestLabels: Array<Record<string, string> | undefined> = new Array(44);
  pendingRequests = false;
  /** answered requests: counts per histogram bucket (last slot: above every bound) */
  readonly buckets: Float64Array;
  latencySum = 0;
  latencyCount = 0;

  constructor(
    line: string,
    readonly unit: number,
    bounds: number,
  ) {
    this.labels = { line, unit: String(unit) };
    this.buckets = new Float64Array(bounds + 1);
  }
}

export class LineMetrics {
  private readonly requestsMetric: Counter<'line' | 'unit' | 'fc'> = counter('edgegw_modbus_requests_total', 'Modbus requests sent, by line, unit and function code', ['line', 'unit', 'fc'] as const);
  private readonly errors = counter('edgegw_modbus_errors_total', 'Failed Modbus requests, by line, unit and kind (exception, timeout, protocol, connection, breaker, suspended, queue_full)', [
    'line',
    'unit',
    'kind',
  ] as const);
  private readonly timeouts = counter('edgegw_modbus_timeouts_total', 'Modbus requests that got no answer in time', ['line', 'unit'] as const);
  private readonly seconds: Histogram<'line' | 'unit'> = histogram('edgegw_modbus_request_seconds', 'Modbus request round trip (answered requests)', ['line', 'unit'] as const);
  private readonly breakerState: Gauge<'line' | 'unit'> = gauge('edgegw_modbus_breaker_state', 'Per-unit circuit breaker: 0 closed, 1 half-open, 2 open', ['line', 'unit'] as const);
  private readonly connectedGauge = gauge('edgegw_modbus_connected', 'Whether the Modbus line is connected (1) or not (0)', ['line'] as const);
  private readonly used = new Map<string, { metric: Removable; labels: Record<string, string> }>();
  private readonly units = new Map<number, UnitSeries>();
  /** the histogram's upper bounds, or undefined when its internals are not as expected (then observe() per request) */
  private readonly bounds: number[] | undefined;
  private dirty = false;

  constructor(private readonly line: string) {
    const h = this.seconds as unknown as HistogramInternals;
    this.bounds = Array.isArray(h.upperBounds) && typeof h.hashMap === 'object' && typeof h.zero === 'function' ? h.upperBounds : undefined;
    hookCollect(this.requestsMetric);
    hookCollect(this.seconds);
    live.add(this);
  }

  request(unit: number, fc: number): void {
    const s = this.series(unit);
    if (s.requestLabels[fc] === undefined) {
      const labels = { line: this.line, unit: s.labels.unit, fc: String(fc) };
      s.requestLabels[fc] = labels;
      this.note('r', this.requestsMetric, labels);
    }
    s.requests[fc]++;
    s.pendingRequests = true;
    this.dirty = true;
  }

  error(unit: number, kind: string): void {
    const labels = { line: this.line, unit: String(unit), kind };
    this.note('e', this.errors, labels);
    this.errors.inc(labels);
  }

  timeout(unit: number): void {
    const labels = this.series(unit).labels;
    this.note('t', this.timeouts, labels);
    this.timeouts.inc(labels);
  }

  latency(unit: number, seconds: number): void {
    const s = this.series(unit);
    const bounds = this.bounds;
    if (!bounds) {
      this.note('s', this.seconds, s.labels);
      this.seconds.observe(s.labels, seconds);
      return;
    }
    let i = 0;
    while (i < bounds.length && seconds > bounds[i]) i++;
    s.buckets[i]++;
    s.latencySum += seconds;
    s.latencyCount++;
    this.dirty = true;
  }

  breaker(unit: number, state: BreakerState): void {
    const labels = this.series(unit).labels;
    this.note('b', this.breakerState, labels);
    this.breakerState.set(labels, BREAKER_VALUE[state]);
  }

  connected(on: boolean): void {
    const labels = { line: this.line };
    this.note('c', this.connectedGauge, labels);
    this.connectedGauge.set(labels, on ? 1 : 0);
  }

  /** Folds the counts gathered since the last flush into the shared metrics. */
  flush(): void {
    if (!this.dirty) return;
    this.dirty = false;
    for (const s of this.units.values()) {
      if (s.pendingRequests) {
        s.pendingRequests = false;
        for (let fc = 0; fc < s.requests.length; fc++) {
          const n = s.requests[fc];
          if (n === 0) continue;
          s.requests[fc] = 0;
          this.requestsMetric.inc(s.requestLabels[fc]!, n);
        }
      }
      if (s.latencyCount > 0) this.flushLatency(s);
    }
  }

  remove(): void {
    live.delete(this);
    for (const { metric, labels } of this.used.values()) metric.remove(labels);
    this.used.clear();
    this.units.clear();
  }

  private flushLatency(s: UnitSeries): void {
    const h = this.seconds as unknown as HistogramInternals;
    const bounds = this.bounds!;
    this.note('s', this.seconds, s.labels);
    let entry = findEntry(h, s.labels);
    if (!entry) {
      h.zero!(s.labels);
      entry = findEntry(h, s.labels);
    }
    if (!entry) throw new Error('edgegw_modbus_request_seconds: prom-client histogram internals changed');
    for (let i = 0; i < bounds.length; i++) {
      const n = s.buckets[i];
      if (n === 0) continue;
      s.buckets[i] = 0;
      entry.bucketValues[bounds[i]] += n;
    }
    s.buckets[bounds.length] = 0; // above the last bound: only in count and sum, as prom-client does
    entry.sum += s.latencySum;
    entry.count += s.latencyCount;
    s.latencySum = 0;
    s.latencyCount = 0;
  }

  private series(unit: number): UnitSeries {
    let s = this.units.get(unit);
    if (!s) {
      s = new UnitSeries(this.line, unit, this.bounds?.length ?? 0);
      this.units.set(unit, s);
    }
    return s;
  }

  private note(kind: string, metric: Removable, labels: Record<string, string>): void {
    const key = kind + JSON.stringify(labels);
    if (!this.used.has(key)) this.used.set(key, { metric, labels });
  }
}

/** The histogram's series for these label values (prom-client keeps the labels object it was given). */
function findEntry(h: HistogramInternals, labels: Record<string, string>): HistogramEntry | undefined {
  for (const e of Object.values(h.hashMap ?? {})) {
    if (e.labels === labels) return e;
    if (e.labels && e.labels.line === labels.line && e.labels.unit === labels.unit && Object.keys(e.labels).length === 2) return e;
  }
  return undefined;
}
