// InfluxDestination: writes queued messages as line protocol, one POST per batch, to InfluxDB 1.x
// (/write?db=&rp=&precision=ms, user/password as Basic auth) or 2.x (/api/v2/write?org=&bucket=
// &precision=ms, Authorization: Token), as the batch-HTTP destination with a line-protocol body.
// 401/403/404 (bad credentials, missing database or bucket) are retried with an error status,
// since the data is fine and must wait for the fix. A rejected batch is re-sent one message per
// request to dead-letter only the bad one (InfluxDB overwrites identical points, so re-sending the
// good ones writes nothing twice).
import { BatchHttpDestination, type HttpBodyEncoder } from './batch-http';
import { DestinationConfigError, destinationSetting, optionalString, parseHttpUrl, requiredString } from './errors';
import { INFLUX_SETTINGS } from './fields';
import { redactUrl } from '../system/text/redact';
import { basicAuth } from './http-request';
import { messageLines, type LineProtocolOptions } from './line-protocol';

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
  const setting = <K extends keyof typeof INFLUX_SETTINGS>(field: K) => destinationSetting('influxdb', field, INFLUX_SETTINGS[field], raw[field]);
  const version = setting('version');
  const maxBatch = setting('maxBatch');
  const common = {
    url,
    version,
    timeoutMs: setting('timeoutMs'),
    maxBatch,
    maxInFlight: setting('maxInFlight') ?? maxBatch,
    rejectUnauthorized: setting('rejectUnauthorized'),
    ca: optionalString('influxdb', 'ca', raw.ca),
    valueFields: setting('valueFields'),
    nonTagMessages: setting('nonTagMessages'),
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

/** Statuses that say "the server's setup is not ready" (credentials, database, bucket), not "this data is bad". */
const SETUP_STATUSES = [401, 403, 404];

/** Line protocol: a message's lines, a batch's lines one after the other. */
const lineProtocolEncoder = (options: LineProtocolOptions): HttpBodyEncoder => ({
  contentType: 'text/plain; charset=utf-8',
  encode: (m) => {
    const lines = messageLines(m, options);
    return lines.length === 0 ? undefined : lines.join('\n');
  },
  join: (parts) => parts.join('\n'),
});

/** The InfluxDB flavour of the batch-HTTP destination: line protocol to /write (v1) or /api/v2/write (v2). */
export class InfluxDestination extends BatchHttpDestination {
  constructor(options: InfluxDestinationOptions) {
    const base = options.url.href.replace(/\/+$/, '');
    const headers: Record<string, string> = {};
    let writeUrl: URL;
    let describe: string;
    if (options.version === 'v1') {
      writeUrl = new URL(`${base}/write`);
      writeUrl.searchParams.set('db', options.database!);
      if (options.retentionPolicy) writeUrl.searchParams.set('rp', options.retentionPolicy);
      if (options.username !== undefined) headers.Authorization = basicAuth(options.username, options.password ?? '');
      describe = `influxdb v1 ${redactUrl(options.url, { user: 'mask' }).replace(/\/$/, '')} db=${options.database}${options.retentionPolicy ? ` rp=${options.retentionPolicy}` : ''}`;
    } else {
      writeUrl = new URL(`${base}/api/v2/write`);
      writeUrl.searchParams.set('org', options.org!);
      writeUrl.searchParams.set('bucket', options.bucket!);
      headers.Authorization = `Token ${options.token}`;
      describe = `influxdb v2 ${redactUrl(options.url, { user: 'mask' }).replace(/\/$/, '')} org=${options.org} bucket=${options.bucket}`;
    }
    writeUrl.searchParams.set('precision', 'ms');
    const secrets = [options.password, options.token].filter((s): s is string => !!s);
    // A server that echoes the header would show user:password in base64.
    if (options.password && headers.Authorization) secrets.push(headers.Authorization.slice('Basic '.length));
    super({
      describe,
      url: writeUrl,
      method: 'POST',
      requests: 'batch',
      encoder: lineProtocolEncoder(options),
      headers,
      secrets,
      timeoutMs: options.timeoutMs,
      maxBatch: options.maxBatch,
      maxInFlight: options.maxInFlight,
      transientStatuses: [],
      setupStatuses: SETUP_STATUSES,
      rejectUnauthorized: options.rejectUnauthorized,
      ca: options.ca,
    });
  }
}
