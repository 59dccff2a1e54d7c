// The historian's samples numbered as they come (after the deadband), and the points the writer
// moves along them: the first sample still waiting (head; those before it were taken by the
// writer or dropped), the end of what is due for the writer (cut), and the end of what it has
// written or given up (done). flush() and taken() wait for one of these to pass a number.

interface Waiter {
  seq: number;
  resolve: () => void;
}

export class SampleSequence {
  /** the first sample still waiting */
  head = 0;
  /** samples before this one are due: the writer's next batch ends here */
  cut = 0;
  private done = 0;
  private readonly headWaiters: Waiter[] = [];
  private readonly doneWaiters: Waiter[] = [];

  /** Resolves when the samples before `seq` have left the backlog (taken by the writer, or dropped). */
  left(seq: number): Promise<void> {
    return waitFor(this.headWaiters, this.head, seq);
  }

  /** Resolves when the samples before `seq` were written (or their batch failed, or they were dropped). */
  written(seq: number): Promise<void> {
    return waitFor(this.doneWaiters, this.done, seq);
  }

  /** `count` samples left the backlog, taken or dropped. */
  advance(count: number): void {
    this.head += count;
    this.cut = Math.max(this.cut, this.head);
    settle(this.headWaiters, this.head);
  }

  /** Everything that left the backlog is written (or failed). */
  writtenToHead(): void {
    this.done = this.head;
    settle(this.doneWaiters, this.done);
  }
}

function waitFor(waiters: Waiter[], reached: number, seq: number): Promise<void> {
  if (seq <= reached) return Promise.resolve();
  // numbers waited for only grow (the end of the backlog), so the list stays in order
  return new Promise((resolve) => waiters.push({ seq, resolve }));
}

function settle(waiters: Waiter[], reached: number): void {
  let n = 0;
  while (n < waiters.length && waiters[n].seq <= reached) waiters[n++].resolve();
  waiters.splice(0, n);
}
