// BatchHttpDestination: the one way a batch of queued messages goes out over HTTP, whatever the
// body (JSON for REST endpoints, line protocol for InfluxDB: an HttpBodyEncoder makes it).
// The ack is the HTTP status:
//   2xx                          delivered
//   429, 503 and the transient   retried; a Retry-After header (seconds or an HTTP date) is passed
//   4xx (408 and configured)     on to the forwarder, which waits at least that long
//   the setup 4xx (InfluxDB's    retried with an error status: the data is fine, the credentials,
//   401, 403, 404)               database or bucket are not, and the data must wait for the fix
//   other 4xx                    rejected (dead letter, never retried); in a batch, the bad message
//                                is found by sending the batch again one message per request
//   5xx, 3xx, timeouts,          retried (redirects are not followed: a wrong URL must not lose
//   connection errors            data)
// Every request says which messages it carries (X-Edgegw-Queue and -Seq, then -Id for a message
// sent alone or -Seq-Last and -Count for a batch), so a consumer can prove that nothing is missing.
import type { DeliveryOutcome, Destination, DestinationStatus, QueuedMessage } from './destination';
import { errorText } from './errors';
import { HttpClient, bodyExcerpt, type HttpAnswer } from './http-request';
import { DestinationStatusCell } from './status';
import { redactSecrets } from '../system/text/redact';

/** What a destination's request bodies are made of. */
export interface HttpBodyEncoder {
  readonly contentType: string;
  /**
   * The body part of one message; undefined when the message has nothing to write (it counts as
   * delivered). Throws when the message cannot be written: that message is rejected.
   */
  encode(m: QueuedMessage): string | undefined;
  /** One request body from the parts of several messages (also used for a batch of one). */
  join(parts: readonly string[]): string;
}

export interface BatchHttpOptions {
  /** e.g. "POST https://host/in", credentials redacted */
  describe: string;
  url: URL;
  method: 'POST' | 'PUT';
  /** 'each': one request per message, its part alone as the body; 'batch': one request per batch */
  requests: 'each' | 'batch';
  encoder: HttpBodyEncoder;
  /** extra request headers, Authorization included */
  headers: Record<string, string>;
  /** texts masked wherever they would appear in an error or status (passwords, tokens) */
  secrets: readonly string[];
  timeoutMs: number;
  maxBatch: number;
  maxInFlight: number;
  /** 4xx statuses that mean "try again later" besides 408 and 429 */
  transientStatuses: readonly number[];
  /** 4xx statuses that mean "the destination's setup is wrong": retried with an error status */
  setupStatuses: readonly number[];
  rejectUnauthorized: boolean;
  ca?: string;
}

/** Always transient: the server says "not now", never "this message is bad". */
const ALWAYS_TRANSIENT = [408, 429];

type Verdict = { status: 'delivered' } | { status: 'rejected'; error: string } | { status: 'retry'; error: string; retryAfterMs?: number };

interface Encoded {
  m: QueuedMessage;
  part: string;
}

function retryVerdict(error: string, retryAfterMs: number | undefined): Verdict {
  return retryAfterMs === undefined ? { status: 'retry', error } : { status: 'retry', error, retryAfterMs };
}

export class BatchHttpDestination implements Destination {
  readonly describe: string;
  readonly maxBatch: number;
  readonly maxInFlight: number;
  private readonly client: HttpClient;
  private readonly statusCell = new DestinationStatusCell('connecting');
  private readonly baseHeaders: Record<string, string>;
  private readonly transient: ReadonlySet<number>;
  private closed = false;

  constructor(private readonly options: BatchHttpOptions) {
    this.describe = options.describe;
    this.maxBatch = options.maxBatch;
    this.maxInFlight = options.maxInFlight;
    // The forwarder keeps one batch in flight at a time (the destination is not ordered).
    this.client = new HttpClient({ maxSockets: 4, rejectUnauthorized: options.rejectUnauthorized, ca: options.ca });
    this.baseHeaders = { 'Content-Type': options.encoder.contentType, 'User-Agent': 'edge-gateway-forwarder', ...options.headers };
    this.transient = new Set([...ALWAYS_TRANSIENT, ...options.transientStatuses]);
  }

  /** HTTP needs no session: the first request tells whether the server is there. */
  async start(): Promise<void> {
    if (this.closed) throw new Error(`${this.describe}: destination closed`);
  }

  async send(batch: readonly QueuedMessage[]): Promise<DeliveryOutcome[]> {
    if (batch.length === 0) return [];
    if (this.closed) return batch.map((m) => ({ seq: m.seq, status: 'retry', error: 'destination closed' }));
    const outcomes = new Map<number, DeliveryOutcome>();
    const encoded: Encoded[] = [];
    for (const m of batch) {
      try {
        const part = this.options.encoder.encode(m);
        if (part === undefined) outcomes.set(m.seq, { seq: m.seq, status: 'delivered' });
        else encoded.push({ m, part });
      } catch (err) {
        outcomes.set(m.seq, { seq: m.seq, status: 'rejected', error: this.redact(errorText(err)) });
      }
    }
    if (encoded.length > 0) {
      if (this.options.requests === 'each') {
        await this.sendEach(encoded, outcomes, (e) => this.post([e], e.part));
      } else {
        const verdict = await this.post(encoded, this.options.encoder.join(encoded.map((e) => e.part)));
        if (verdict.status === 'rejected' && encoded.length > 1) {
          // One bad message must not dead-letter its neighbours: find it by sending one at a time.
          await this.sendEach(encoded, outcomes, (e) => this.post([e], this.options.encoder.join([e.part])));
        } else {
          for (const { m } of encoded) outcomes.set(m.seq, { seq: m.seq, ...verdict });
        }
      }
    }
    return batch.map((m) => outcomes.get(m.seq)!);
  }

  status(): DestinationStatus {
    return this.statusCell.get();
  }

  onStatus(listener: (s: DestinationStatus) => void): () => void {
    return this.statusCell.subscribe(listener);
  }

  async close(): Promise<void> {
    this.closed = true;
    this.client.close();
    this.statusCell.set('disconnected', 'closed');
    this.statusCell.clear();
  }

  /**
   * Sends messages one request each, in order. After the first 'retry' the rest are not sent:
   * delivering a later message before an earlier one would break the order per queue.
   */
  private async sendEach(encoded: readonly Encoded[], outcomes: Map<number, DeliveryOutcome>, sendOne: (e: Encoded) => Promise<Verdict>): Promise<void> {
    for (let i = 0; i < encoded.length; i++) {
      const { m } = encoded[i];
      const verdict = await sendOne(encoded[i]);
      outcomes.set(m.seq, { seq: m.seq, ...verdict });
      if (verdict.status === 'retry') {
        for (const rest of encoded.slice(i + 1)) outcomes.set(rest.m.seq, { seq: rest.m.seq, status: 'retry', error: `not sent: seq ${m.seq} before it must be retried first` });
        return;
      }
    }
  }

  private async post(messages: readonly Encoded[], body: string): Promise<Verdict> {
    const first = messages[0].m;
    const last = messages[messages.length - 1].m;
    const headers: Record<string, string> = { ...this.baseHeaders, 'X-Edgegw-Queue': first.queue, 'X-Edgegw-Seq': String(first.seq) };
    if (this.options.requests === 'each') headers['X-Edgegw-Id'] = first.id;
    else Object.assign(headers, { 'X-Edgegw-Seq-Last': String(last.seq), 'X-Edgegw-Count': String(messages.length) });
    const answer = await this.client.request({ url: this.options.url, method: this.options.method, headers, body: Buffer.from(body), timeoutMs: this.options.timeoutMs });
    return this.verdictOf(answer, messages.length);
  }

  private verdictOf(answer: HttpAnswer, count: number): Verdict {
    if (answer.kind === 'failure') {
      if (!answer.aborted) this.statusCell.set('disconnected', this.redact(answer.error));
      return { status: 'retry', error: this.redact(`${this.describe}: ${answer.error}`) };
    }
    const { status } = answer;
    const what = `${this.describe} answered HTTP ${status}${count > 1 ? ` to a batch of ${count} messages` : ''}`;
    const detail = answer.body ? `: ${bodyExcerpt(answer.body)}` : '';
    const retryAfterMs = status === 429 || status === 503 ? answer.retryAfterMs : undefined;
    const later = retryAfterMs !== undefined ? ` (retry after ${Math.ceil(retryAfterMs / 1000)} s)` : '';
    if (status >= 200 && status < 300) {
      this.statusCell.set('connected');
      return { status: 'delivered' };
    }
    if (this.options.setupStatuses.includes(status)) {
      this.statusCell.set('error', this.redact(`HTTP ${status}${answer.body ? `: ${bodyExcerpt(answer.body, 120)}` : ''}`));
      return { status: 'retry', error: this.redact(`${what}${detail}`) };
    }
    if (status >= 400 && status < 500) {
      this.statusCell.set('connected');
      if (this.transient.has(status)) return retryVerdict(this.redact(`${what} (transient)${later}${detail}`), retryAfterMs);
      return { status: 'rejected', error: this.redact(`${what}${detail}`) };
    }
    this.statusCell.set('error', this.redact(`HTTP ${status}`));
    const redirect = status < 400 ? ' (redirects are not followed: check the URL)' : '';
    return retryVerdict(this.redact(`${what}${redirect}${later}${detail}`), retryAfterMs);
  }

  private redact(text: string): string {
    return redactSecrets(text, this.options.secrets);
  }
}
