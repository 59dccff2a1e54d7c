// The one settings namespace of this package: `edgegw: { ... }` in Node-RED's settings (the
// edge-gateway runtime fills it; a palette install's settings.js may set it).
import type { NodeAPI } from './red';
import { sharedAuditLog, type AuditLog } from '../../lib/audit/audit-log';
import { auditRotationOf, DEFAULT_AUDIT_ROTATION, type AuditRotation } from '../../lib/audit/rotation';

export interface EdgegwSettings {
  /** file every Modbus write is audited to, as JSON lines */
  auditLog?: string;
  /** size-based rotation of that file: `{ maxBytes, keep }` (default 10 MB, 5 rotated files) */
  auditRotation?: AuditRotation;
  /** the gateway version reported in heartbeats (default: this package's version) */
  version?: string;
}

const FORMER_KEYS: Record<string, string> = { edgegwAuditLog: 'edgegw.auditLog', edgeGateway: 'edgegw.version' };
let warned = false;

/** `settings.edgegw`, narrowed to what this package reads. */
export function edgegwSettings(RED: NodeAPI): EdgegwSettings {
  if (!warned) {
    warned = true;
    for (const [former, now] of Object.entries(FORMER_KEYS)) {
      if (RED.settings[former] !== undefined) RED.log.warn(`settings.${former} is no longer read; set ${now} instead`);
    }
  }
  const raw: unknown = RED.settings.edgegw;
  if (!raw || typeof raw !== 'object') return {};
  const s = raw as Record<string, unknown>;
  let auditRotation: AuditRotation | undefined;
  try {
    auditRotation = s.auditRotation === undefined ? undefined : auditRotationOf(s.auditRotation);
  } catch (err) {
    RED.log.warn(`settings.edgegw.auditRotation: ${(err as Error).message}; the default (${DEFAULT_AUDIT_ROTATION.maxBytes} bytes, ${DEFAULT_AUDIT_ROTATION.keep} files) applies`);
  }
  return {
    auditLog: typeof s.auditLog === 'string' && s.auditLog ? s.auditLog : undefined,
    ...(auditRotation ? { auditRotation } : {}),
    version: typeof s.version === 'string' && s.version ? s.version : undefined,
  };
}

/**
 * The process's one audit log, writing to `edgegw.auditLog` when the settings name a file. Every
 * node that writes (modbus-device, tag-store's user tags) takes it from here, so whichever node
 * starts first, every write is audited to the file.
 */
export function auditLogOf(RED: NodeAPI): AuditLog {
  const audit = sharedAuditLog();
  const { auditLog: file, auditRotation } = edgegwSettings(RED);
  if (file && !audit.filePath) audit.setFile(file);
  // the runtime's audit handler may have set the file before any node started
  if (auditRotation) audit.setRotation(auditRotation);
  return audit;
}
