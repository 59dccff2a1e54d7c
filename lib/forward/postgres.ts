// PostgresDestination: inserts queued messages into a table of the user's choice (PostgreSQL or
// TimescaleDB) through `pg` (an optional package, loaded lazily). One transaction per batch; the
// COMMIT is the ack. Connection loss, shutdowns, timeouts = 'retry' (a re-send inserts nothing
// twice: unique (queue, seq, part) + ON CONFLICT DO NOTHING). A data error (class 22/23: a value
// the column refuses, a failed constraint) sends the batch again with one SAVEPOINT per message:
// the messages the database refuses are 'rejected' with its error, the others commit.
// Setup errors (authentication, missing table or privilege) are 'retry' with an error status:
// the data is fine and waits for the fix.
import type * as Pg from 'pg';
import { MissingPackageError, loadOptional } from '../system/process/optional';
import type { DeliveryOutcome, Destination, DestinationStatus, QueuedMessage } from './destination';
import { DestinationConfigError, destinationSetting, errorText, optionalString } from './errors';
import { POSTGRES_SETTINGS } from './fields';
import { redactSecrets } from '../system/text/redact';
import { RowMappingError, appendMessageRows, columnParams, createTableSql, emptyColumns, insertSql, parseTableName, tableDisplay, type RowColumns, type TableName } from './postgres-rows';
import { DestinationStatusCell } from './status';

export interface PostgresDestinationOptions {
  host: string;
  port: number;
  database: string;
  user: string;
  /** credentials */
  password?: string;
  ssl: boolean;
  sslRejectUnauthorized: boolean;
  table: TableName;
  createTable: boolean;
  /** per statement, server side (statement_timeout) and client side (a silent server) */
  timeoutMs: number;
  connectTimeoutMs: number;
  maxBatch: number;
  maxInFlight: number;
}

/**
 * Validates a PostgreSQL destination's settings: either `url` (postgres://user@host:port/db) or
 * host/port/database/user fields (fields win over the URL), the password from credentials.
 */
export function parsePostgresDestinationConfig(raw: Record<string, unknown>): PostgresDestinationOptions {
  let fromUrl: { host?: string; port?: string; database?: string; user?: string; password?: string; ssl?: boolean } = {};
  const urlText = optionalString('postgres', 'url', raw.url);
  if (urlText !== undefined) {
    let url: URL;
    try {
      url = new URL(urlText);
    } catch {
      throw new DestinationConfigError('postgres', 'url', 'is not a valid URL (expected postgres://user@host:5432/database)');
    }
    if (url.protocol !== 'postgres:' && url.protocol !== 'postgresql:') throw new DestinationConfigError('postgres', 'url', `protocol "${url.protocol}" is not postgres: or postgresql:`);
    for (const key of url.searchParams.keys())
      if (key !== 'sslmode') throw new DestinationConfigError('postgres', 'url', `query parameter "${key}" is not supported (only sslmode; other settings are fields of their own)`);
    const sslmode = url.searchParams.get('sslmode');
    fromUrl = {
      host: url.hostname ? decodeURIComponent(url.hostname) : undefined,
      port: url.port || undefined,
      database: url.pathname.length > 1 ? decodeURIComponent(url.pathname.slice(1)) : undefined,
      user: url.username ? decodeURIComponent(url.username) : undefined,
      password: url.password ? decodeURIComponent(url.password) : undefined,
      ssl: sslmode === null ? undefined : sslmode !== 'disable',
    };
  }
  const host = optionalString('postgres', 'host', raw.host) ?? fromUrl.host ?? '127.0.0.1';
  const database = optionalString('postgres', 'database', raw.database) ?? fromUrl.database;
  if (!database) throw new DestinationConfigError('postgres', 'database', 'is required (a field, or the path of url)');
  const user = optionalString('postgres', 'user', raw.user) ?? fromUrl.user;
  if (!user) throw new DestinationConfigError('postgres', 'user', 'is required (a field, or the user of url)');
  const setting = <K extends keyof typeof POSTGRES_SETTINGS>(field: K, value: unknown = raw[field]) => destinationSetting('postgres', field, POSTGRES_SETTINGS[field], value);
  const maxBatch = setting('maxBatch');
  return {
    host,
    port: setting('port', raw.port ?? fromUrl.port),
    database,
    user,
    password: optionalString('postgres', 'password', raw.password) ?? fromUrl.password,
    ssl: setting('ssl') ?? fromUrl.ssl ?? false,
    sslRejectUnauthorized: setting('sslRejectUnauthorized'),
    table: parseTableName(raw.table),
    createTable: setting('createTable'),
    timeoutMs: setting('timeoutMs'),
    connectTimeoutMs: setting('connectTimeoutMs'),
    maxBatch,
    maxInFlight: setting('maxInFlight') ?? maxBatch,
  };
}

type PgModule = typeof Pg;
type ErrorKind = 'connection' | 'data' | 'setup';

/** What a failure means for the batch, from its SQLSTATE class (none: the socket or client). */
export function pgErrorKind(err: unknown): ErrorKind {
  const code = (err as { code?: unknown })?.code;
  if (typeof code !== 'string' || !/^[0-9A-Z]{5}$/.test(code)) return 'connection';
  const cls = code.slice(0, 2);
  if (cls === '22' || cls === '23') return 'data';
  if (cls === '28' || cls === '42' || cls === '3D' || cls === '3F' || cls === '0A') return 'setup';
  return 'connection';
}

function pgErrorText(err: unknown): string {
  const e = err as { code?: string; detail?: string; message?: string };
  return `${errorText(err)}${typeof e?.code === 'string' && /^[0-9A-Z]{5}$/.test(e.code) ? ` [SQLSTATE ${e.code}]` : ''}${e?.detail ? ` (${e.detail})` : ''}`;
}

interface EncodedMessage {
  m: QueuedMessage;
  rows: RowColumns;
}

export class PostgresDestination implements Destination {
  readonly describe: string;
  readonly maxBatch: number;
  readonly maxInFlight: number;
  private readonly statusCell = new DestinationStatusCell('connecting');
  private readonly secrets: string[];
  private readonly insert: string;
  private client?: Pg.Client;
  private opening?: Promise<Pg.Client>;
  private tableReady = false;
  /** one transaction at a time: sends queue behind each other on the single connection */
  private chain: Promise<unknown> = Promise.resolve();
  private closed = false;

  constructor(private readonly options: PostgresDestinationOptions) {
    this.describe = `postgres://${options.user}@${options.host}:${options.port}/${options.database} table ${tableDisplay(options.table)}`;
    this.maxBatch = options.maxBatch;
    this.maxInFlight = options.maxInFlight;
    this.secrets = options.password ? [options.password] : [];
    this.insert = insertSql(options.table);
  }

  async start(): Promise<void> {
    if (this.closed) throw new Error(`${this.describe}: destination closed`);
    try {
      await this.connection();
    } catch (err) {
      throw new Error(this.redact(`${this.describe}: ${pgErrorText(err)}`));
    }
  }

  send(batch: readonly QueuedMessage[]): Promise<DeliveryOutcome[]> {
    const run = this.chain.then(() => this.sendNow(batch));
    this.chain = run.catch(() => undefined);
    return run;
  }

  status(): DestinationStatus {
    return this.statusCell.get();
  }

  onStatus(listener: (s: DestinationStatus) => void): () => void {
    return this.statusCell.subscribe(listener);
  }

  async close(): Promise<void> {
    this.closed = true;
    const client = this.client ?? (await this.opening?.catch(() => undefined));
    this.client = undefined;
    // end() fails the query in flight, whose batch then answers 'retry'.
    if (client) await client.end().catch(() => undefined);
    await this.chain;
    this.statusCell.set('disconnected', 'closed');
    this.statusCell.clear();
  }

  private async sendNow(batch: readonly QueuedMessage[]): Promise<DeliveryOutcome[]> {
    if (batch.length === 0) return [];
    const retryAll = (error: string) => batch.map((m): DeliveryOutcome => ({ seq: m.seq, status: 'retry', error }));
    if (this.closed) return retryAll('destination closed');
    const outcomes = new Map<number, DeliveryOutcome>();
    const encoded: EncodedMessage[] = [];
    for (const m of batch) {
      const rows = emptyColumns();
      try {
        if (appendMessageRows(rows, m) === 0) outcomes.set(m.seq, { seq: m.seq, status: 'delivered' });
        else encoded.push({ m, rows });
      } catch (err) {
        if (!(err instanceof RowMappingError)) throw err;
        outcomes.set(m.seq, { seq: m.seq, status: 'rejected', error: this.redact(err.message) });
      }
    }
    if (encoded.length > 0) {
      try {
        const client = await this.connection();
        try {
          await this.insertInTransaction(client, encoded);
          for (const { m } of encoded) outcomes.set(m.seq, { seq: m.seq, status: 'delivered' });
        } catch (err) {
          if (pgErrorKind(err) !== 'data') throw err;
          await this.insertEachWithSavepoints(client, encoded, outcomes);
        }
      } catch (err) {
        return retryAll(this.failed(err));
      }
    }
    return batch.map((m) => outcomes.get(m.seq)!);
  }

  private async insertInTransaction(client: Pg.Client, encoded: EncodedMessage[]): Promise<void> {
    const all = emptyColumns();
    for (const { rows } of encoded) for (const key of Object.keys(all) as (keyof RowColumns)[]) (all[key] as unknown[]).push(...(rows[key] as unknown[]));
    await client.query('BEGIN');
    try {
      await client.query(this.insert, columnParams(all));
      await client.query('COMMIT');
    } catch (err) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw err;
    }
  }

  /** The batch again in one transaction, one savepoint per message: only the refused ones are rejected. */
  private async insertEachWithSavepoints(client: Pg.Client, encoded: EncodedMessage[], outcomes: Map<number, DeliveryOutcome>): Promise<void> {
    const rejected = new Map<number, string>();
    await client.query('BEGIN');
    try {
      for (const { m, rows } of encoded) {
        await client.query('SAVEPOINT edgegw_message');
        try {
          await client.query(this.insert, columnParams(rows));
          await client.query('RELEASE SAVEPOINT edgegw_message');
        } catch (err) {
          if (pgErrorKind(err) !== 'data') throw err;
          await client.query('ROLLBACK TO SAVEPOINT edgegw_message');
          rejected.set(m.seq, this.redact(`${this.describe}: seq ${m.seq} refused: ${pgErrorText(err)}`));
        }
      }
      await client.query('COMMIT');
    } catch (err) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw err;
    }
    for (const { m } of encoded) {
      const error = rejected.get(m.seq);
      outcomes.set(m.seq, error === undefined ? { seq: m.seq, status: 'delivered' } : { seq: m.seq, status: 'rejected', error });
    }
  }

  /** Records a whole-batch failure: drops a broken connection, sets the status, returns the error text. */
  private failed(err: unknown): string {
    if (this.closed) return 'destination closed';
    const kind = pgErrorKind(err);
    const text = this.redact(pgErrorText(err));
    if (err instanceof MissingPackageError) {
      // Not a network fault: nothing will connect until pg is installed; the data waits.
      this.statusCell.set('error', text);
    } else if (kind === 'connection') {
      this.dropClient();
      this.statusCell.set('disconnected', text);
    } else {
      this.statusCell.set('error', text);
    }
    return `${this.describe}: ${text}`;
  }

  private connection(): Promise<Pg.Client> {
    if (this.client) return Promise.resolve(this.client);
    this.opening ??= this.open().finally(() => (this.opening = undefined));
    return this.opening;
  }

  private async open(): Promise<Pg.Client> {
    const pg = loadOptional<PgModule>('pg');
    const o = this.options;
    const client = new pg.Client({
      host: o.host,
      port: o.port,
      database: o.database,
      user: o.user,
      password: o.password,
      ssl: o.ssl ? { rejectUnauthorized: o.sslRejectUnauthorized } : false,
      connectionTimeoutMillis: o.connectTimeoutMs,
      statement_timeout: o.timeoutMs,
      // A server that stops answering (SIGSTOP, a dead link) fails the query instead of hanging.
      query_timeout: o.timeoutMs + 5000,
      application_name: 'edge-gateway forwarder',
    });
    // Without a listener, a dropped connection would be an uncaught 'error' and end the runtime.
    client.on('error', (err) => {
      if (this.client === client) {
        this.dropClient();
        this.statusCell.set('disconnected', this.redact(errorText(err)));
      }
    });
    client.on('end', () => {
      if (this.client === client) this.client = undefined;
    });
    this.statusCell.set('connecting');
    try {
      await client.connect();
      if (o.createTable && !this.tableReady) {
        for (const sql of createTableSql(o.table)) await client.query(sql);
        this.tableReady = true;
      }
    } catch (err) {
      await client.end().catch(() => undefined);
      this.statusCell.set(pgErrorKind(err) === 'connection' ? 'disconnected' : 'error', this.redact(pgErrorText(err)));
      throw err;
    }
    if (this.closed) {
      await client.end().catch(() => undefined);
      throw new Error('destination closed');
    }
    this.client = client;
    this.statusCell.set('connected');
    return client;
  }

  private dropClient(): void {
    const client = this.client;
    this.client = undefined;
    client?.end().catch(() => undefined);
  }

  private redact(text: string): string {
    return redactSecrets(text, this.secrets);
  }
}
