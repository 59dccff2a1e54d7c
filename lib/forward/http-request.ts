// One HTTP(S) request as the HTTP and InfluxDB destinations make it: keep-alive agents, a whole-
// request deadline, and an answer that never rejects (a response, or a transport failure), so the
// caller maps it to delivery outcomes. Requests in flight are tracked so close() can abort them.
import http from 'node:http';
import https from 'node:https';

export interface HttpRequestSpec {
  url: URL;
  method: 'POST' | 'PUT';
  headers: Record<string, string>;
  body: Buffer;
  timeoutMs: number;
}

export type HttpAnswer =
  /** retryAfterMs: the Retry-After header, when there is a valid one, in ms from now (at most MAX_RETRY_AFTER_MS) */
  | { kind: 'response'; status: number; body: string; retryAfterMs?: number }
  /** connection refused/reset, timeout, TLS failure, or aborted by close() */
  | { kind: 'failure'; error: string; aborted: boolean };

export interface HttpClientOptions {
  /** keep-alive sockets kept per host */
  maxSockets: number;
  /** https only: verify the server certificate (default true) */
  rejectUnauthorized?: boolean;
  /** https only: extra CA certificates (PEM) */
  ca?: string;
}

/** Response bodies are read for error texts only: a bounded prefix is enough. */
const MAX_ERROR_BODY = 2048;

export class HttpClient {
  private readonly httpAgent: http.Agent;
  private readonly httpsAgent: https.Agent;
  private readonly active = new Set<http.ClientRequest>();
  private closed = false;

  constructor(options: HttpClientOptions) {
    this.httpAgent = new http.Agent({ keepAlive: true, maxSockets: options.maxSockets });
    this.httpsAgent = new https.Agent({ keepAlive: true, maxSockets: options.maxSockets, rejectUnauthorized: options.rejectUnauthorized ?? true, ca: options.ca });
  }

  request(spec: HttpRequestSpec): Promise<HttpAnswer> {
    if (this.closed) return Promise.resolve({ kind: 'failure', error: 'destination closed', aborted: true });
    return new Promise<HttpAnswer>((resolve) => {
      let settled = false;
      const finish = (answer: HttpAnswer) => {
        if (settled) return;
        settled = true;
        clearTimeout(deadline);
        this.active.delete(req);
        resolve(answer);
      };
      const isHttps = spec.url.protocol === 'https:';
      const req = (isHttps ? https : http).request(spec.url, {
        method: spec.method,
        agent: isHttps ? this.httpsAgent : this.httpAgent,
        headers: { ...spec.headers, 'Content-Length': String(spec.body.length) },
      });
      this.active.add(req);
      // One deadline for the whole exchange (connect, send, response body), not an idle timer.
      const deadline = setTimeout(() => {
        finish({ kind: 'failure', error: `no complete response within ${spec.timeoutMs} ms`, aborted: false });
        req.destroy();
      }, spec.timeoutMs);
      req.on('error', (err: NodeJS.ErrnoException) => {
        finish({ kind: 'failure', error: this.closed ? 'destination closed' : `${err.message}${err.code && !err.message.includes(err.code) ? ` (${err.code})` : ''}`, aborted: this.closed });
      });
      req.on('response', (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => {
          if (text.length < MAX_ERROR_BODY) text += chunk;
        });
        res.on('end', () => {
          const retryAfterMs = retryAfterOf(res.headers['retry-after']);
          const answer: HttpAnswer = { kind: 'response', status: res.statusCode ?? 0, body: text.slice(0, MAX_ERROR_BODY) };
          finish(retryAfterMs === undefined ? answer : { ...answer, retryAfterMs });
        });
        res.on('error', (err) => finish({ kind: 'failure', error: `response broken: ${err.message}`, aborted: this.closed }));
        res.on('aborted', () => finish({ kind: 'failure', error: 'response aborted by the server', aborted: this.closed }));
      });
      req.end(spec.body);
    });
  }

  /** Aborts every request in flight (they answer 'failure', aborted) and drops pooled sockets. */
  close(): void {
    this.closed = true;
    for (const req of [...this.active]) req.destroy(new Error('destination closed'));
    this.httpAgent.destroy();
    this.httpsAgent.destroy();
  }
}

/** A server may ask for a pause, not stop a queue: a longer Retry-After is cut to this. */
export const MAX_RETRY_AFTER_MS = 15 * 60_000;

/** Retry-After (RFC 9110: delay-seconds or an HTTP date) as ms from `now`, undefined when absent or invalid. */
function retryAfterOf(header: string | undefined, now = Date.now()): number | undefined {
  if (header === undefined) return undefined;
  const text = header.trim();
  const ms = /^\d+$/.test(text) ? Number(text) * 1000 : Date.parse(text) - now;
  if (!Number.isFinite(ms)) return undefined;
  return Math.min(MAX_RETRY_AFTER_MS, Math.max(0, ms));
}

/** A short, single-line excerpt of a response body for an error text. */
export function bodyExcerpt(body: string, max = 300): string {
  const oneLine = body.replace(/\s+/g, ' ').trim();
  return oneLine.length > max ? `${oneLine.slice(0, max)}…` : oneLine;
}

export function basicAuth(username: string, password: string): string {
  return `Basic ${Buffer.from(`${username}:${password}`).toString('base64')}`;
}
