// What a node reports outside Node-RED: its /health entry and the label sets it counted under in
// /metrics. A scope remembers both, so close() removes all of them and a redeployed node leaves
// no stale entry or series behind.
import { healthRegistry, type HealthDetail, type HealthState } from '../../lib/health/registry';
import type { Node } from './red';

/** The one thing a scope needs of a metric: prom-client's counters, gauges and histograms all have it. */
interface LabelledMetric<L extends string> {
  remove(labels: Partial<Record<L, string | number>>): void;
}

export class TelemetryScope {
  private readonly series: Array<() => void> = [];
  private reported = false;

  constructor(
    private readonly node: Pick<Node, 'id' | 'name'>,
    private readonly type: string,
  ) {}

  health(state: HealthState, detail?: HealthDetail): void {
    this.reported = true;
    healthRegistry().report(this.node.id, this.type, state, detail, this.node.name);
  }

  /** Returns the labels, and removes the metric's series under them on close. */
  labels<L extends string, T extends Partial<Record<L, string | number>>>(metric: LabelledMetric<L>, labels: T): T {
    this.series.push(() => metric.remove(labels));
    return labels;
  }

  close(): void {
    if (this.reported) healthRegistry().remove(this.node.id);
    this.reported = false;
    for (const remove of this.series.splice(0)) remove();
  }
}
