// HttpDestination: forwards queued messages to a REST endpoint or digital twin with POST or PUT,
// as the batch-HTTP destination with a JSON body (one message per request, or a JSON array per
// batch). Statuses as BatchHttpDestination takes them; `retryStatuses` adds transient 4xx to
// 408 and 429. Each message carries seq, id and queue as top-level fields of a JSON object body.
import type { QueuedMessage } from './destination';
import { BatchHttpDestination, type HttpBodyEncoder } from './batch-http';
import { DestinationConfigError, destinationSetting, optionalString, parseHttpUrl } from './errors';
import { HTTP_SETTINGS } from './fields';
import { basicAuth } from './http-request';
import { textOf } from '../system/text/text-of';
import { isSecretKey, redactUrl } from '../system/text/redact';

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
  const setting = <K extends keyof typeof HTTP_SETTINGS>(field: K, value: unknown = raw[field]) => destinationSetting('http', field, HTTP_SETTINGS[field], value);
  const batching = setting('batching');
  const maxBatch = setting('maxBatch') ?? (batching === 'array' ? 100 : 10);
  return {
    url,
    method: setting('method', typeof raw.method === 'string' ? raw.method.toUpperCase() : raw.method),
    batching,
    content: setting('content'),
    headers: parseHeaders(raw.headers),
    bearerToken,
    username,
    password,
    timeoutMs: setting('timeoutMs'),
    maxBatch,
    maxInFlight: setting('maxInFlight') ?? maxBatch,
    retryStatuses: parseRetryStatuses(raw.retryStatuses),
    rejectUnauthorized: setting('rejectUnauthorized'),
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

/** Message JSON as the body: one object per request, or a JSON array of them per batch. */
const jsonEncoder = (content: 'payload' | 'message'): HttpBodyEncoder => ({
  contentType: 'application/json',
  encode: (m) => messageJson(m, content),
  join: (parts) => `[${parts.join(',')}]`,
});

/** The REST flavour of the batch-HTTP destination: JSON bodies, Basic or Bearer auth, optional headers. */
export class HttpDestination extends BatchHttpDestination {
  constructor(options: HttpDestinationOptions) {
    const headers = { ...options.headers };
    const secrets = [options.bearerToken, options.password].filter((s): s is string => !!s);
    for (const [name, value] of Object.entries(options.headers)) if (isSecretKey(name)) secrets.push(value);
    if (options.bearerToken) headers.Authorization = `Bearer ${options.bearerToken}`;
    else if (options.username !== undefined) {
      headers.Authorization = basicAuth(options.username, options.password ?? '');
      // A server that echoes the header would show user:password in base64.
      if (options.password) secrets.push(headers.Authorization.slice('Basic '.length));
    }
    super({
      describe: `${options.method} ${redactUrl(options.url, { user: 'mask' })}`,
      url: options.url,
      method: options.method,
      requests: options.batching === 'array' ? 'batch' : 'each',
      encoder: jsonEncoder(options.content),
      headers,
      secrets,
      timeoutMs: options.timeoutMs,
      maxBatch: options.maxBatch,
      maxInFlight: options.maxInFlight,
      transientStatuses: options.retryStatuses,
      setupStatuses: [],
      rejectUnauthorized: options.rejectUnauthorized,
      ca: options.ca,
    });
  }
}
