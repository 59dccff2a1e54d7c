// Node-RED logging settings: Node-RED's console format, or JSON lines for log shippers.
// Both go through our handler so that every line, ours or Node-RED's, has URL credentials
// redacted (Node-RED's MQTT node logs "Connection failed to broker: mqtt://user:pw@host").
// A third handler takes Node-RED's audit events (deploys, editor logins) into the audit log.
import { inspect } from 'node:util';
import type { LogFormat, LogLevel } from './settings';
import { redactUrlsInText } from '../lib/system/text/redact';
import { nodeRedAuditLogging, type NodeRedAuditLoggingOptions } from '../lib/audit/node-red-events';

const LEVEL_NAMES: Record<number, string> = { 10: 'fatal', 20: 'error', 30: 'warn', 40: 'info', 50: 'debug', 60: 'trace', 98: 'audit', 99: 'metric' };

interface NodeRedLogMessage {
  level: number;
  msg: unknown;
  type?: string;
  id?: string;
  name?: string;
  z?: string;
  path?: string;
  timestamp?: number;
}

export function jsonLogLine(m: NodeRedLogMessage): string {
  const line: Record<string, unknown> = {
    time: new Date(m.timestamp ?? Date.now()).toISOString(),
    level: LEVEL_NAMES[m.level] ?? String(m.level),
  };
  if (m.type) line.type = m.type;
  if (m.id) line.node = m.id;
  if (m.name) line.name = m.name;
  if (m.z) line.flow = m.z;
  const msg = m.msg;
  line.msg = msg instanceof Error ? redactUrlsInText(msg.stack ?? msg.message) : typeof msg === 'string' ? redactUrlsInText(msg) : safeJson(msg);
  return JSON.stringify(line);
}

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** Node-RED's own console line ("1 Dec 19:50:01 - [warn] [mqtt-broker:name] text"), redacted. */
export function textLogLine(m: NodeRedLogMessage, now = new Date(m.timestamp ?? Date.now())): string {
  const time = [now.getHours(), now.getMinutes(), now.getSeconds()].map((n) => String(n).padStart(2, '0')).join(':');
  const level = LEVEL_NAMES[m.level] ?? String(m.level);
  const who = m.type ? `[${m.type}:${m.name || m.id}] ` : '';
  let text: string;
  const msg = m.msg;
  if (typeof msg === 'string') text = msg;
  else if (msg instanceof Error) text = msg.message;
  else if (msg && typeof msg === 'object' && typeof (msg as { message?: unknown }).message === 'string') text = (msg as { message: string }).message;
  else text = typeof msg === 'object' && msg !== null ? inspect(msg, { depth: 4, breakLength: Infinity }) : String(msg);
  return `${now.getDate()} ${MONTHS[now.getMonth()]} ${time} - [${level}] ${who}${redactUrlsInText(text)}`;
}

function safeJson(v: unknown): unknown {
  try {
    return JSON.parse(redactUrlsInText(JSON.stringify(v)));
  } catch {
    return redactUrlsInText(String(v));
  }
}

/**
 * Node-RED's `logging` settings; with `audit`, an `edgegwAudit` handler records deploys (with the
 * user) and editor logins in the process's audit log.
 */
export function loggingSettings(
  format: LogFormat,
  level: LogLevel,
  write: (line: string) => void = (l) => process.stdout.write(l + '\n'),
  audit?: NodeRedAuditLoggingOptions,
): Record<string, unknown> {
  const auditHandler = audit ? { edgegwAudit: nodeRedAuditLogging(audit) } : {};
  if (format === 'text') {
    return { console: { level, metrics: false, audit: false, handler: () => (m: NodeRedLogMessage) => write(textLogLine(m)) }, ...auditHandler };
  }
  return {
    ...auditHandler,
    console: { level: 'off', metrics: false, audit: false },
    jsonl: {
      level,
      metrics: false,
      audit: false,
      handler: () => (m: NodeRedLogMessage) => write(jsonLogLine(m)),
    },
  };
}
