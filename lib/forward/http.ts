// HttpDestination: forwards queued messages to a REST endpoint or digital twin with POST or PUT.
// The ack is the HTTP status: 2xx delivered; 4xx rejected (dead letter, never retried) except the
// statuses configured as transient (408, 429 by default); 5xx, 3xx, timeouts and connection errors
// are retried. Each message carries seq, id and queue: as top-level fields of a JSON object body
// and as X-Edgegw-* headers, so a consumer can prove that nothing is missing.
import type { DeliveryOutcome, Destination, DestinationStatus, QueuedMessage } from './destination';
import { DestinationConfigError, booleanSetting, errorText, integerSetting, oneOf, optionalString, parseHttpUrl, redactSecrets, redactUrl } from './errors';
import { HttpClient, basicAuth, bodyExcerpt, type HttpAnswer } from './http-request';
import { DestinationStatusCell } from './status';
import { textOf } from '../system/text/text-of';

export interface HttpDestinationOptions {
  url: URL;
  method: 'POST' | 'PUT';
  /** 'single': one request per message, body = that message; 'array': one request per batch, body = JSON array */
  batching: 'single' | 'array';
  /** what a message's JSON is: its payload, or the whole message (topic, payload, tag/tags, ...) */
  content: 'payload' | 'message';
  /** extra request headers (e.g. an API key) */
  headers: Record<string, string>;
  /** credentials: sent as Authorization: Bearer <token> */
  bearerToken?: string;
  /** credentials: sent as Authorization: Basic (also taken from user:password@ in the URL) */
  username?: string;
  password?: string;
  timeoutMs: number;
  maxBatch: number;
  maxInFlight: number;
  /** 4xx statuses that mean "try again later" rather than "this message is bad" */
  retryStatuses: number[];
  rejectUnauthorized: boolean;
  ca?: string;
}

const HEADER_NAME = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;
const SECRET_HEADER = /auth|token|key|secret|cookie|password/i;

function parseHeaders(value: unknown): Record<string, string> {
  if (value === undefined || value === null || value === '') return {};
  let obj = value;
  if (typeof value === 'string') {
    try {
      obj = JSON.parse(value);
    } catch (err) {
      throw new DestinationConfigError('http', 'headers', `is not valid JSON (${(err as Error).message}); expected an object like {"X-Api-Key": "..."}`);
    }
  }
  if (typeof obj !== 'object' || obj === null || Array.isArray(obj)) throw new DestinationConfigError('http', 'headers', 'must be an object of header name to value');
  const out: Record<string, string> = {};
  for (const [name, v] of Object.entries(obj as Record<string, unknown>)) {
    if (!HEADER_NAME.test(name)) throw new DestinationConfigError('http', `headers.${name}`, 'is not a valid header name');
    if (typeof v !== 'string' && typeof v !== 'number') throw new DestinationConfigError('http', `headers.${name}`, 'value must be a string');
    const text = String(v);
    if (/[\r\n\0]/.test(text)) throw new DestinationConfigError('http', `headers.${name}`, 'value must not contain line breaks or NUL');
    out[name] = text;
  }
  return out;
}

function parseRetryStatuses(value: unknown): number[] {
  if (value === undefined || value === null || value === '') return [408, 429];
  const items = Array.isArray(value)
    ? value
    : textOf(value)
        .split(',')
        .map((s) => s.trim())
        .filter(Boolean);
  return items.map((item, i) => {
    const n = Number(item);
    if (!Number.isInteger(n) || n < 400 || n > 499) throw new DestinationConfigError('http', `retryStatuses[${i}]`, `must be a 4xx status code, got ${JSON.stringify(item)}`);
    return n;
  });
}

/**
 * Validates an HTTP destination's settings (editor fields plus credentials) into options.
 * Throws DestinationConfigError naming the field; no error text contains a credential.
 */
export function parseHttpDestinationConfig(raw: Record<string, unknown>): HttpDestinationOptions {
  const url = parseHttpUrl('http', 'url', raw.url);
  let username = optionalString('http', 'username', raw.username);
  let password = optionalString('http', 'password', raw.password);
  if (url.username || url.password) {
    // user:password@ in the URL becomes Basic auth unless explicit credentials are given.
    username ??= decodeURIComponent(url.username);
    password ??= decodeURIComponent(url.password);
    url.username = '';
    url.password = '';
  }
  const bearerToken = optionalString('http', 'bearerToken', raw.bearerToken);
  if (bearerToken && username) throw new DestinationConfigError('http', 'bearerToken', 'cannot be combined with username/password (choose one Authorization)');
  if (bearerToken && /[\r\n]/.test(bearerToken)) throw new DestinationConfigError('http', 'bearerToken', 'must not contain line breaks');
  const batching = oneOf('http', 'batching', raw.batching, ['single', 'array'] as const, 'single');
  const maxBatch = integerSetting('http', 'maxBatch', raw.maxBatch, batching === 'array' ? 100 : 10, 1, 100_000);
  return {
    url,
    method: oneOf('http', 'method', typeof raw.method === 'string' ? raw.method.toUpperCase() : raw.method, ['POST', 'PUT'] as const, 'POST'),
    batching,
    content: oneOf('http', 'content', raw.content, ['payload', 'message'] as const, 'payload'),
    headers: parseHeaders(raw.headers),
    bearerToken,
    username,
    password,
    timeoutMs: integerSetting('http', 'timeoutMs', raw.timeoutMs, 10_000, 1, 600_000),
    maxBatch,
    maxInFlight: integerSetting('http', 'maxInFlight', raw.maxInFlight, maxBatch, 1, 1_000_000),
    retryStatuses: parseRetryStatuses(raw.retryStatuses),
    rejectUnauthorized: booleanSetting('http', 'rejectUnauthorized', raw.rejectUnauthorized, true),
    ca: optionalString('http', 'ca', raw.ca),
  };
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** The JSON of one message as the endpoint receives it: seq, id, queue added to an object body. */
export function messageJson(m: QueuedMessage, content: 'payload' | 'message'): string {
  const base: unknown = content === 'message' ? m.msg : m.msg.payload;
  const body = isPlainObject(base) ? { ...base, seq: m.seq, id: m.id, queue: m.queue } : (base ?? null);
  const json = JSON.stringify(body);
  if (json === undefined) throw new Error(`seq ${m.seq}: the ${content} cannot be written as JSON`);
  return json;
}

type Verdict = { status: 'delivered' } | { status: 'retry' | 'rejected'; error: string };

export class HttpDestination implements Destination {
  readonly describe: string;
  readonly maxBatch: number;
  readonly maxInFlight: number;
  private readonly client: HttpClient;
  private readonly statusCell = new DestinationStatusCell('connecting');
  private readonly secrets: string[];
  private readonly baseHeaders: Record<string, string>;
  private closed = false;

  constructor(private readonly options: HttpDestinationOptions) {
    this.describe = `${options.method} ${redactUrl(options.url)}`;
    this.maxBatch = options.maxBatch;
    this.maxInFlight = options.maxInFlight;
    this.client = new HttpClient({ maxSockets: 8, rejectUnauthorized: options.rejectUnauthorized, ca: options.ca });
    this.baseHeaders = { 'Content-Type': 'application/json', 'User-Agent': 'edge-gateway-forwarder', ...options.headers };
    this.secrets = [options.bearerToken, options.password].filter((s): s is string => !!s);
    for (const [name, value] of Object.entries(options.headers)) if (SECRET_HEADER.test(name)) this.secrets.push(value);
    if (options.bearerToken) this.baseHeaders.Authorization = `Bearer ${options.bearerToken}`;
    else if (options.username !== undefined) {
      this.baseHeaders.Authorization = basicAuth(options.username, options.password ?? '');
      // A server that echoes the header would show user:password in base64.
      if (options.password) this.secrets.push(this.baseHeaders.Authorization.slice('Basic '.length));
    }
  }

  /** HTTP needs no session: start only checks that the destination is still open. */
  async start(): Promise<void> {
    if (this.closed) throw new Error(`${this.describe}: destination closed`);
  }

  async send(batch: readonly QueuedMessage[]): Promise<DeliveryOutcome[]> {
    if (batch.length === 0) return [];
    if (this.closed) return batch.map((m) => ({ seq: m.seq, status: 'retry', error: 'destination closed' }));
    return this.options.batching === 'array' ? this.sendArray(batch) : this.sendEach(batch, (m) => this.sendSingle(m));
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
   * Sends messages one request at a time, in order. After the first 'retry' the rest are not
   * sent: delivering a later message before an earlier one would break the order per queue.
   */
  private async sendEach(batch: readonly QueuedMessage[], sendOne: (m: QueuedMessage) => Promise<Verdict>): Promise<DeliveryOutcome[]> {
    const outcomes: DeliveryOutcome[] = [];
    for (let i = 0; i < batch.length; i++) {
      const verdict = await sendOne(batch[i]);
      outcomes.push({ seq: batch[i].seq, ...verdict });
      if (verdict.status === 'retry') {
        for (const rest of batch.slice(i + 1)) outcomes.push({ seq: rest.seq, status: 'retry', error: `not sent: seq ${batch[i].seq} before it must be retried first` });
        break;
      }
    }
    return outcomes;
  }

  private async sendSingle(m: QueuedMessage): Promise<Verdict> {
    let body: string;
    try {
      body = messageJson(m, this.options.content);
    } catch (err) {
      return { status: 'rejected', error: this.redact(errorText(err)) };
    }
    const headers = { ...this.baseHeaders, 'X-Edgegw-Queue': m.queue, 'X-Edgegw-Seq': String(m.seq), 'X-Edgegw-Id': m.id };
    return this.verdictOf(await this.client.request({ url: this.options.url, method: this.options.method, headers, body: Buffer.from(body), timeoutMs: this.options.timeoutMs }), 1);
  }

  private async sendArray(batch: readonly QueuedMessage[]): Promise<DeliveryOutcome[]> {
    const outcomes = new Map<number, DeliveryOutcome>();
    const sendable: QueuedMessage[] = [];
    const parts: string[] = [];
    for (const m of batch) {
      try {
        parts.push(messageJson(m, this.options.content));
        sendable.push(m);
      } catch (err) {
        outcomes.set(m.seq, { seq: m.seq, status: 'rejected', error: this.redact(errorText(err)) });
      }
    }
    if (sendable.length > 0) {
      const verdict = await this.postArray(sendable, parts);
      if (verdict.status === 'rejected' && sendable.length > 1) {
        // One bad message must not dead-letter its neighbours: find it by sending one at a time.
        const each = await this.sendEach(sendable, (m) => this.postArray([m], [messageJson(m, this.options.content)]));
        for (const o of each) outcomes.set(o.seq, o);
      } else {
        for (const m of sendable) outcomes.set(m.seq, { seq: m.seq, ...verdict });
      }
    }
    return batch.map((m) => outcomes.get(m.seq)!);
  }

  private async postArray(messages: readonly QueuedMessage[], parts: readonly string[]): Promise<Verdict> {
    const headers = {
      ...this.baseHeaders,
      'X-Edgegw-Queue': messages[0].queue,
      'X-Edgegw-Seq': String(messages[0].seq),
      'X-Edgegw-Seq-Last': String(messages[messages.length - 1].seq),
      'X-Edgegw-Count': String(messages.length),
    };
    const body = Buffer.from(`[${parts.join(',')}]`);
    return this.verdictOf(await this.client.request({ url: this.options.url, method: this.options.method, headers, body, timeoutMs: this.options.timeoutMs }), messages.length);
  }

  private verdictOf(answer: HttpAnswer, count: number): Verdict {
    if (answer.kind === 'failure') {
      if (!answer.aborted) this.statusCell.set('disconnected', this.redact(answer.error));
      return { status: 'retry', error: this.redact(`${this.describe}: ${answer.error}`) };
    }
    const { status } = answer;
    const what = `${this.describe} answered HTTP ${status}${count > 1 ? ` to a batch of ${count}` : ''}`;
    const detail = answer.body ? `: ${bodyExcerpt(answer.body)}` : '';
    if (status >= 200 && status < 300) {
      this.statusCell.set('connected');
      return { status: 'delivered' };
    }
    if (status >= 400 && status < 500) {
      this.statusCell.set('connected');
      if (this.options.retryStatuses.includes(status)) return { status: 'retry', error: this.redact(`${what} (transient)${detail}`) };
      return { status: 'rejected', error: this.redact(`${what}${detail}`) };
    }
    // 5xx: the server's trouble; 3xx: redirects are not followed (a wrong URL must not lose data).
    this.statusCell.set('error', this.redact(`HTTP ${status}`));
    return { status: 'retry', error: this.redact(`${what}${status < 400 ? ' (redirects are not followed: check the URL)' : ''}${detail}`) };
  }

  private redact(text: string): string {
    return redactSecrets(text, this.secrets);
  }
}
