// The DBC side shared by dbc-decode and dbc-encode: loading the database from a file path or
// pasted text, the status that points at a bad line, and the admin endpoint the editor calls to
// check a DBC while it is being edited.
import { isAbsolute, resolve } from 'node:path';
import type { NodeAPI } from '../common/red';
import type { HealthDetail } from '../../lib/health/registry';
import { registerAdminRoutesOnce } from '../common/admin-routes';
import type { StatusPart } from '../common/status-text';
import { DbcSyntaxError, parseDbc, type DbcDatabase, type DbcWarning } from '../../lib/can/dbc';
import { DbcCodec } from '../../lib/can/codec';
import { FILE_LIMITS, FileReadError, readBoundedFile } from '../../lib/system/fs/bounded-read';

export interface DbcConfig {
  /** 'file' (default when a path is given) or 'text' */
  dbcSource?: unknown;
  dbcFile?: unknown;
  dbcText?: unknown;
}

export interface LoadedDbc {
  db: DbcDatabase;
  codec: DbcCodec;
  warnings: DbcWarning[];
  /** the file path, or "pasted DBC" */
  origin: string;
}

/** The DBC could not be read (file missing, nothing configured); syntax errors are DbcSyntaxError. */
export class DbcLoadError extends Error {
  constructor(
    readonly field: string,
    message: string,
  ) {
    super(message);
    this.name = 'DbcLoadError';
  }
}

/** What a DBC file may be: a regular .dbc file of at most 32 MiB (the node and the check route alike). */
export const DBC_FILE = { maxBytes: FILE_LIMITS.dbc, extensions: ['.dbc'] } as const;

export function resolveDbcPath(file: string, baseDir: string): string {
  return isAbsolute(file) ? file : resolve(baseDir, file);
}

/** Reads and parses the configured DBC. Throws DbcLoadError or DbcSyntaxError. */
export function loadDbc(config: DbcConfig, baseDir: string): LoadedDbc {
  const source = config.dbcSource === 'text' ? 'text' : 'file';
  if (source === 'text') {
    const text = typeof config.dbcText === 'string' ? config.dbcText : '';
    if (!text.trim()) throw new DbcLoadError('dbcText', 'dbcText: paste the DBC text, or choose a DBC file');
    const { db, warnings } = parseDbc(text, { filename: 'pasted DBC' });
    return { db, codec: new DbcCodec(db), warnings, origin: 'pasted DBC' };
  }
  const file = typeof config.dbcFile === 'string' ? config.dbcFile.trim() : '';
  if (!file) throw new DbcLoadError('dbcFile', 'dbcFile: give the path of a DBC file, or paste the DBC text');
  const path = resolveDbcPath(file, baseDir);
  let bytes: Buffer;
  try {
    bytes = readBoundedFile(path, DBC_FILE);
  } catch (err) {
    if (!(err instanceof FileReadError)) throw err;
    throw new DbcLoadError('dbcFile', `dbcFile: ${err.message}`);
  }
  const { db, warnings } = parseDbc(bytes, { filename: path });
  return { db, codec: new DbcCodec(db), warnings, origin: path };
}

const DBC_STATUS = {
  'dbc-decode': { dbcError: 'dbc-decode.status.dbcError', noDbc: 'dbc-decode.status.noDbc' },
  'dbc-encode': { dbcError: 'dbc-encode.status.dbcError', noDbc: 'dbc-encode.status.noDbc' },
} as const;

/** The status key for a DBC that did not load, with a syntax error's line and column. */
export function dbcErrorPart(type: keyof typeof DBC_STATUS, err: unknown): StatusPart {
  if (err instanceof DbcSyntaxError) return { key: DBC_STATUS[type].dbcError, args: { line: err.line, column: err.column } };
  return { key: DBC_STATUS[type].noDbc };
}

/** The log line for a DBC that did not load; a syntax error names file:line:column. */
export function dbcErrorMessage(err: Error): string {
  return err instanceof DbcSyntaxError ? `invalid DBC at ${err.message}` : err.message;
}

/** What /health says of a node's loaded DBC. */
export function dbcHealthDetail(loaded: LoadedDbc): HealthDetail {
  return { dbc: loaded.origin, messages: loaded.db.messages.length, warnings: loaded.warnings.length };
}

export function countSignals(db: DbcDatabase): number {
  let n = 0;
  for (const m of db.messages) n += m.signals.length;
  return n;
}

export interface DbcCheckResult {
  ok: boolean;
  messages?: number;
  signals?: number;
  warningCount?: number;
  warnings?: DbcWarning[];
  error?: { message: string; line?: number; column?: number; text?: string };
}

/** What POST /edgegw/dbc/check answers for a body { dbcSource, dbcFile, dbcText }. */
export function checkDbc(body: DbcConfig, baseDir: string, env: NodeJS.ProcessEnv = process.env): DbcCheckResult {
  // A dialog holding `${NAME}` is checked as the runtime will run it: Node-RED puts the variable's
  // value in a property that is exactly a reference. The value itself is never shown: messages
  // name the reference.
  const ref = body.dbcSource !== 'text' && typeof body.dbcFile === 'string' ? /^\$\{([A-Za-z_][A-Za-z0-9_]*)\}$/.exec(body.dbcFile.trim()) : null;
  let hide = (text: string) => text;
  if (ref) {
    const value = env[ref[1]];
    if (value === undefined || value.trim() === '') return { ok: false, error: { message: `dbcFile: the environment variable ${ref[1]} is not set in the runtime` } };
    body = { ...body, dbcFile: value };
    const shownPath = resolveDbcPath(value.trim(), baseDir);
    hide = (text) => text.split(shownPath).join(ref[0]).split(value).join(ref[0]);
  }
  try {
    const { db, warnings } = loadDbc(body, baseDir);
    return { ok: true, messages: db.messages.length, signals: countSignals(db), warningCount: warnings.length, warnings: warnings.slice(0, 20) };
  } catch (err) {
    if (err instanceof DbcSyntaxError) {
      // The editor shows the line and column itself: the message is the reason alone. The text
      // near the error is echoed only for pasted text: a file's content never leaves the server.
      const text = body.dbcSource === 'text' ? err.text : undefined;
      return { ok: false, error: { message: `${err.reason}${text ? ` near "${text}"` : ''}`, line: err.line, column: err.column, text } };
    }
    return { ok: false, error: { message: hide((err as Error).message) } };
  }
}

/** Registers POST /edgegw/dbc/check once per admin app (dbc-decode and dbc-encode both ask). */
export function registerDbcCheckRoute(RED: NodeAPI): void {
  registerAdminRoutesOnce(RED, 'dbc.check', (app, permission) => {
    app.post('/edgegw/dbc/check', permission('flows.write'), (req: { body?: DbcConfig }, res: { json(v: unknown): void }) => {
      res.json(checkDbc(req.body ?? {}, RED.settings.userDir ?? process.cwd()));
    });
  });
}
