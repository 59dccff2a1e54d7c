// InfluxDestination: writes queued messages as line protocol, one POST per batch, to InfluxDB 1.x
// (/write?db=&rp=&precision=ms, user/password as Basic auth) or 2.x (/api/v2/write?org=&bucket=
// &precision=ms, Authorization: Token). 2xx delivered; 5xx, timeouts, connection errors, 408, 429
// retried; 401/403/404 (bad credentials, missing database or bucket) retried with an error status,
// since the data is fine and must wait for the fix; any other 4xx dead-letters the bad message,
// found by re-sending the batch one message per request (InfluxDB overwrites identical points,
// so re-sending the good ones writes nothing twice).
import type { DeliveryOutcome, Destination, DestinationStatus, QueuedMessage } from './destination';
import { DestinationConfigError, booleanSetting, errorText, integerSetting, oneOf, optionalString, parseHttpUrl, redactSecrets, redactUrl, requiredString } from './errors';
import { HttpClient, basicAuth, bodyExcerpt, type HttpAnswer } from './http-request';
import { messageLines, type LineProtocolOptions } from './line-protocol';
import { DestinationStatusCell } from './status';

export interface InfluxDestinationOptions extends LineProtocolOptions {
  /** base URL of the server, e.g. http://127.0.0.1:8086 (a path prefix is kept) */
  url: URL;
  version: 'v1' | 'v2';
  /** v1 */
  database?: string;
  retentionPolicy?: string;
  username?: string;
  password?: string;
  /** v2 */
  org?: string;
  bucket?: string;
  token?: string;
  timeoutMs: number;
  maxBatch: number;
  maxInFlight: number;
  rejectUnauthorized: boolean;
  ca?: string;
}

export function parseInfluxDestinationConfig(raw: Record<string, unknown>): InfluxDestinationOptions {
  const url = parseHttpUrl('influxdb', 'url', raw.url);
  if (url.username || url.password) throw new DestinationConfigError('influxdb', 'url', 'must not contain user:password@ (use the username/password or token credentials)');
  if (url.search) throw new DestinationConfigError('influxdb', 'url', 'must be the server base URL without a query (database, org and bucket are settings of their own)');
  const version = oneOf('influxdb', 'version', raw.version, ['v1', 'v2'] as const, 'v1');
  const maxBatch = integerSetting('influxdb', 'maxBatch', raw.maxBatch, 1000, 1, 100_000);
  const common = {
    url,
    version,
    timeoutMs: integerSetting('influxdb', 'timeoutMs', raw.timeoutMs, 10_000, 1, 600_000),
    maxBatch,
    maxInFlight: integerSetting('influxdb', 'maxInFlight', raw.maxInFlight, maxBatch, 1, 10_000_000),
    rejectUnauthorized: booleanSetting('influxdb', 'rejectUnauthorized', raw.rejectUnauthorized, true),
    ca: optionalString('influxdb', 'ca', raw.ca),
    valueFields: oneOf('influxdb', 'valueFields', raw.valueFields, ['by-type', 'single'] as const, 'by-type'),
    nonTagMessages: oneOf('influxdb', 'nonTagMessages', raw.nonTagMessages, ['fields', 'reject'] as const, 'fields'),
    fallbackMeasurement: optionalString('influxdb', 'fallbackMeasurement', raw.fallbackMeasurement) ?? 'message',
  };
  if (/[\r\n]/.test(common.fallbackMeasurement)) throw new DestinationConfigError('influxdb', 'fallbackMeasurement', 'must not contain a line break');
  if (version === 'v1') {
    const username = optionalString('influxdb', 'username', raw.username);
    const password = optionalString('influxdb', 'password', raw.password);
    if (password !== undefined && username === undefined) throw new DestinationConfigError('influxdb', 'username', 'is required when a password is set');
    if (raw.token) throw new DestinationConfigError('influxdb', 'token', 'is for version v2; v1 uses username/password');
    return { ...common, database: requiredString('influxdb', 'database', raw.database), retentionPolicy: optionalString('influxdb', 'retentionPolicy', raw.retentionPolicy), username, password };
  }
  if (raw.username || raw.password) throw new DestinationConfigError('influxdb', 'username', 'is for version v1; v2 uses a token');
  const token = requiredString('influxdb', 'token', raw.token);
  if (/[\r\n]/.test(token)) throw new DestinationConfigError('influxdb', 'token', 'must not contain line breaks');
  return { ...common, org: requiredString('influxdb', 'org', raw.org), bucket: requiredString('influxdb', 'bucket', raw.bucket), token };
}

type Verdict = { status: 'delivered' } | { status: 'retry' | 'rejected'; error: string };

/** Statuses that say "the server or its setup is not ready", not "this data is bad". */
const RETRY_4XX = new Set([401, 403, 404, 408, 429]);

export class InfluxDestination implements Destination {
  readonly describe: string;
  readonly maxBatch: number;
  readonly maxInFlight: number;
  private readonly writeUrl: URL;
  private readonly headers: Record<string, string>;
  private readonly secrets: string[];
  private readonly client: HttpClient;
  private readonly statusCell = new DestinationStatusCell('connecting');
  private closed = false;

  constructor(private readonly options: InfluxDestinationOptions) {
    const base = options.url.href.replace(/\/+$/, '');
    this.headers = { 'Content-Type': 'text/plain; charset=utf-8', 'User-Agent': 'edge-gateway-forwarder' };
    if (options.version === 'v1') {
      this.writeUrl = new URL(`${base}/write`);
      this.writeUrl.searchParams.set('db', options.database!);
      if (options.retentionPolicy) this.writeUrl.searchParams.set('rp', options.retentionPolicy);
      if (options.username !== undefined) this.headers.Authorization = basicAuth(options.username, options.password ?? '');
      this.describe = `influxdb v1 ${redactUrl(options.url).replace(/\/$/, '')} db=${options.database}${options.retentionPolicy ? ` rp=${options.retentionPolicy}` : ''}`;
    } else {
      this.writeUrl = new URL(`${base}/api/v2/write`);
      this.writeUrl.searchParams.set('org', options.org!);
      this.writeUrl.searchParams.set('bucket', options.bucket!);
      this.headers.Authorization = `Token ${options.token}`;
      this.describe = `influxdb v2 ${redactUrl(options.url).replace(/\/$/, '')} org=${options.org} bucket=${options.bucket}`;
    }
    this.writeUrl.searchParams.set('precision', 'ms');
    this.secrets = [options.password, options.token].filter((s): s is string => !!s);
    if (options.password && this.headers.Authorization) this.secrets.push(this.headers.Authorization.slice('Basic '.length));
    this.maxBatch = options.maxBatch;
    this.maxInFlight = options.maxInFlight;
    this.client = new HttpClient({ maxSockets: 4, rejectUnauthorized: options.rejectUnauthorized, ca: options.ca });
  }

  /** Writes need no session: the first write tells whether the server is there. */
  async start(): Promise<void> {
    if (this.closed) throw new Error(`${this.describe}: destination closed`);
  }

  async send(batch: readonly QueuedMessage[]): Promise<DeliveryOutcome[]> {
    if (batch.length === 0) return [];
    if (this.closed) return batch.map((m) => ({ seq: m.seq, status: 'retry', error: 'destination closed' }));
    const outcomes = new Map<number, DeliveryOutcome>();
    const encoded: Array<{ m: QueuedMessage; lines: string[] }> = [];
    for (const m of batch) {
      try {
        const lines = messageLines(m, this.options);
        if (lines.length === 0) outcomes.set(m.seq, { seq: m.seq, status: 'delivered' });
        else encoded.push({ m, lines });
      } catch (err) {
        outcomes.set(m.seq, { seq: m.seq, status: 'rejected', error: this.redact(errorText(err)) });
      }
    }
    if (encoded.length > 0) {
      const verdict = await this.write(
        encoded.flatMap((e) => e.lines),
        encoded.length,
      );
      if (verdict.status === 'rejected' && encoded.length > 1) {
        await this.isolate(encoded, outcomes);
      } else {
        for (const { m } of encoded) outcomes.set(m.seq, { seq: m.seq, ...verdict });
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

  /** Re-sends a rejected batch one message per request, in order, to dead-letter only the bad ones. */
  private async isolate(encoded: Array<{ m: QueuedMessage; lines: string[] }>, outcomes: Map<number, DeliveryOutcome>): Promise<void> {
    for (let i = 0; i < encoded.length; i++) {
      const { m, lines } = encoded[i];
      const verdict = await this.write(lines, 1);
      outcomes.set(m.seq, { seq: m.seq, ...verdict });
      if (verdict.status === 'retry') {
        for (const rest of encoded.slice(i + 1)) outcomes.set(rest.m.seq, { seq: rest.m.seq, status: 'retry', error: `not sent: seq ${m.seq} before it must be retried first` });
        return;
      }
    }
  }

  private async write(lines: string[], messages: number): Promise<Verdict> {
    const answer = await this.client.request({ url: this.writeUrl, method: 'POST', headers: this.headers, body: Buffer.from(lines.join('\n')), timeoutMs: this.options.timeoutMs });
    return this.verdictOf(answer, messages);
  }

  private verdictOf(answer: HttpAnswer, messages: number): Verdict {
    if (answer.kind === 'failure') {
      if (!answer.aborted) this.statusCell.set('disconnected', this.redact(answer.error));
      return { status: 'retry', error: this.redact(`${this.describe}: ${answer.error}`) };
    }
    const { status } = answer;
    const what = `${this.describe} answered HTTP ${status}${messages > 1 ? ` to a batch of ${messages} messages` : ''}${answer.body ? `: ${bodyExcerpt(answer.body)}` : ''}`;
    if (status >= 200 && status < 300) {
      this.statusCell.set('connected');
      return { status: 'delivered' };
    }
    if (RETRY_4XX.has(status)) {
      if (status !== 408 && status !== 429) this.statusCell.set('error', this.redact(`HTTP ${status}${answer.body ? `: ${bodyExcerpt(answer.body, 120)}` : ''}`));
      return { status: 'retry', error: this.redact(what) };
    }
    if (status >= 400 && status < 500) {
      this.statusCell.set('connected');
      return { status: 'rejected', error: this.redact(what) };
    }
    this.statusCell.set('error', this.redact(`HTTP ${status}`));
    return { status: 'retry', error: this.redact(what) };
  }

  private redact(text: string): string {
    return redactSecrets(text, this.secrets);
  }
}
