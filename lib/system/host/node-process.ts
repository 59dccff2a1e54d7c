// The Node-RED process itself: memory, event-loop lag and the resources keeping the loop alive.
import { monitorEventLoopDelay, type IntervalHistogram } from 'node:perf_hooks';

export interface ProcessFigures {
  rss_bytes: number;
  heap_used_bytes: number;
  heap_total_bytes: number;
  /** 99th percentile of the event-loop delay since the previous reading, ms (one decimal) */
  event_loop_lag_p99_ms: number;
  /** handles, requests and timers keeping the event loop alive; undefined where Node lacks the count */
  active_resources: number | undefined;
}

/** Measures the process; each reading covers the event-loop delay since the one before. */
export class ProcessMeter {
  private readonly delay: IntervalHistogram;

  constructor() {
    // 10 ms: fine enough for lag that matters to a poll loop, coarse enough to cost nothing
    this.delay = monitorEventLoopDelay({ resolution: 10 });
    this.delay.enable();
  }

  read(): ProcessFigures {
    const mem = process.memoryUsage();
    const p99 = this.delay.count > 0 ? this.delay.percentile(99) / 1e6 : 0;
    this.delay.reset();
    const resources = typeof process.getActiveResourcesInfo === 'function' ? process.getActiveResourcesInfo().length : undefined;
    return {
      rss_bytes: mem.rss,
      heap_used_bytes: mem.heapUsed,
      heap_total_bytes: mem.heapTotal,
      event_loop_lag_p99_ms: Math.round(p99 * 10) / 10,
      active_resources: resources,
    };
  }

  close(): void {
    this.delay.disable();
  }
}
