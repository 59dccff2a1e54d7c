// A node that fails message after message for the same reason (a queue without its sqlite3, a
// store that refuses every write) must not write the same line per message: 185 identical errors
// in 35 s hide everything else in the log. The first occurrence of each distinct error is reported
// in full; the repeats within the next 60 s are counted, and one line per minute and error says
// "... repeated N times in the last 60 s". Built on lib's LogThrottle, one per distinct text.
import { LogThrottle, type LogThrottleOptions } from '../../lib/system/process/log-throttle';

/** distinct errors tracked at once; past it the oldest is summarized and forgotten */
const MAX_DISTINCT = 100;

export class RepeatedErrorLog {
  private readonly byText = new Map<string, LogThrottle>();

  /** `write` logs a line (node.error or node.warn); opts: the interval and clock (tests). */
  constructor(
    private readonly write: (line: string) => void,
    private readonly opts: LogThrottleOptions = {},
  ) {}

  /**
   * Reports `text`: in full the first time in its interval (by `inFull`, else `write(text)`), then
   * counted. True when it was reported in full.
   */
  report(text: string, inFull?: () => void): boolean {
    let throttle = this.byText.get(text);
    if (!throttle) {
      if (this.byText.size >= MAX_DISTINCT) {
        const [oldest, t] = this.byText.entries().next().value as [string, LogThrottle];
        t.close();
        this.byText.delete(oldest);
      }
      throttle = new LogThrottle(this.write, 'errors', { ...this.opts, burst: 1, summary: (n, seconds) => `${text} ... repeated ${n} ${n === 1 ? 'time' : 'times'} in the last ${seconds} s` });
      this.byText.set(text, throttle);
    }
    return throttle.log(text, inFull);
  }

  /** Writes the pending summaries and stops (the node is closing). */
  close(): void {
    for (const t of this.byText.values()) t.close();
    this.byText.clear();
  }
}
