// Node-RED's own audit events (deploys, editor logins, refused credentials) into the audit log.
// Node-RED hands `log.audit({ event, ... }, req)` to every logging handler configured with
// `audit: true`; the handler made here records the events an operator asks about. Only the event
// shapes are read: nothing here loads Node-RED.
import { AuditFileError, sharedAuditLog, type AuditLog, type AuditRecord } from './audit-log';
import { auditRotationOf } from './rotation';

/** The part of a Node-RED audit log message read here (@node-red/util log.audit adds user, path, ip). */
export interface NodeRedAuditMessage {
  level?: number;
  event?: unknown;
  /** the deploy type of flows.set: full, nodes, flows, reload */
  type?: unknown;
  /** a single flow's id (flow.add / flow.update / flow.remove) */
  id?: unknown;
  error?: unknown;
  message?: unknown;
  username?: unknown;
  scope?: unknown;
  permissions?: unknown;
  /** the admin user of the request ({ username, permissions }) when adminAuth is on */
  user?: unknown;
  path?: unknown;
  ip?: unknown;
  timestamp?: number;
}

type NewRecord = Omit<AuditRecord, 'ts'> & { ts?: number };

const AUDIT_LEVEL = 98;

function text(v: unknown): string | undefined {
  return typeof v === 'string' && v ? v : undefined;
}

function userOf(m: NodeRedAuditMessage): string {
  const u = m.user as { username?: unknown } | undefined;
  return text(u?.username) ?? text(m.username) ?? 'anonymous';
}

/** The audit record of one Node-RED audit event, or undefined for the events not audited here (reads). */
export function auditRecordOfNodeRedEvent(m: NodeRedAuditMessage): NewRecord | undefined {
  const event = text(m.event);
  if (!event || (m.level !== undefined && m.level !== AUDIT_LEVEL)) return undefined;
  const ts = typeof m.timestamp === 'number' ? m.timestamp : undefined;
  const base = { ...(ts !== undefined ? { ts } : {}), old: null };
  const error = text(m.error) ? [text(m.error), text(m.message)].filter(Boolean).join(': ') : undefined;
  switch (event) {
    case 'flows.set':
      // the revision is not known yet when Node-RED audits the deploy: the subject is the flows
      return { ...base, kind: 'deploy', actor: `editor:${userOf(m)}`, device: 'runtime', tag: 'flows', new: text(m.type) ?? 'full', ok: true };
    case 'flow.add':
    case 'flow.update':
    case 'flow.remove':
      return { ...base, kind: 'deploy', actor: `editor:${userOf(m)}`, device: 'runtime', tag: text(m.id) ?? 'flow', new: event.slice('flow.'.length), ok: !error, ...(error ? { error } : {}) };
    case 'auth.login':
      return { ...base, kind: 'login', actor: `editor:${userOf(m)}`, device: 'editor', tag: userOf(m), new: m.scope ?? null, ok: true };
    case 'auth.login.revoke':
      return { ...base, kind: 'login', actor: `editor:${userOf(m)}`, device: 'editor', tag: userOf(m), new: 'logout', ok: true };
    case 'comms.auth.fail':
      return { ...base, kind: 'auth-failed', actor: 'editor:unknown', device: 'editor', tag: 'comms', new: null, ok: false, error: 'editor websocket: bad or missing token' };
    case 'permission.fail':
      return {
        ...base,
        kind: 'auth-failed',
        actor: `editor:${userOf(m)}`,
        device: 'editor',
        tag: userOf(m),
        new: null,
        ok: false,
        error: `permission ${String(m.permissions)} missing for ${text(m.path) ?? 'a request'}`,
      };
    default:
      if (event.startsWith('auth.login.fail.')) {
        const why = event.slice('auth.login.fail.'.length);
        return { ...base, kind: 'auth-failed', actor: `editor:${userOf(m)}`, device: 'editor', tag: userOf(m), new: null, ok: false, error: `login refused: ${why}` };
      }
      return undefined;
  }
}

export interface NodeRedAuditLoggingOptions {
  /** JSON-lines file of the audit log (set when the log has none yet) */
  file?: string;
  /** `{ maxBytes, keep }` for that file (see rotation.ts) */
  rotation?: unknown;
  /** where a record that could not reach the file is reported (default: stderr) */
  warn?: (message: string) => void;
  /** default: the process's audit log */
  log?: AuditLog;
}

/**
 * A Node-RED `logging` entry that records deploys and editor logins in the audit log:
 * `logging: { edgegwAudit: nodeRedAuditLogging({ file }) }` in settings.js (the edge-gateway
 * runtime adds it itself). Level off: it sees audit events only.
 */
export function nodeRedAuditLogging(opts: NodeRedAuditLoggingOptions = {}): { level: 'off'; metrics: false; audit: true; handler: () => (m: NodeRedAuditMessage) => void } {
  const log = opts.log ?? sharedAuditLog();
  if (opts.file && !log.filePath) {
    log.setFile(opts.file);
    if (opts.rotation !== undefined) log.setRotation(auditRotationOf(opts.rotation));
  }
  const warn = opts.warn ?? ((message: string) => process.stderr.write(message + '\n'));
  return {
    level: 'off',
    metrics: false,
    audit: true,
    handler: () => (m: NodeRedAuditMessage) => {
      const record = auditRecordOfNodeRedEvent(m);
      if (!record) return;
      try {
        log.record(record);
      } catch (err) {
        // the record is in memory (and in queries); the file is what failed
        if (err instanceof AuditFileError) warn(err.message);
        else throw err;
      }
    },
  };
}
