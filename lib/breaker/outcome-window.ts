// Outcomes (calls, failures) counted over a sliding time window for the failure-rate threshold.
// Fixed buckets (a tenth of the window each) keep memory constant however many calls arrive.

export class OutcomeWindow {
  private readonly bucketMs: number;
  private readonly index: number[];
  private readonly calls: number[];
  private readonly failures: number[];

  constructor(
    readonly windowMs: number,
    readonly buckets = 10,
  ) {
    this.bucketMs = Math.max(1, windowMs / buckets);
    this.index = new Array<number>(buckets).fill(-Infinity);
    this.calls = new Array<number>(buckets).fill(0);
    this.failures = new Array<number>(buckets).fill(0);
  }

  record(now: number, failed: boolean): void {
    const idx = Math.floor(now / this.bucketMs);
    const slot = ((idx % this.buckets) + this.buckets) % this.buckets;
    if (this.index[slot] !== idx) {
      this.index[slot] = idx;
      this.calls[slot] = 0;
      this.failures[slot] = 0;
    }
    this.calls[slot]++;
    if (failed) this.failures[slot]++;
  }

  /** Calls and failures recorded within the window ending at `now`. */
  counts(now: number): { calls: number; failures: number } {
    const current = Math.floor(now / this.bucketMs);
    let calls = 0;
    let failures = 0;
    for (let i = 0; i < this.buckets; i++) {
      if (this.index[i] > current - this.buckets && this.index[i] <= current) {
        calls += this.calls[i];
        failures += this.failures[i];
      }
    }
    return { calls, failures };
  }

  clear(): void {
    this.index.fill(-Infinity);
    this.calls.fill(0);
    this.failures.fill(0);
  }
}
