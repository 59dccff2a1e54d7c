// Node-RED logging settings: its own console format, or JSON lines for log shippers.
import type { LogFormat, LogLevel } from '../settings';

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
  line.msg = msg instanceof Error ? msg.stack ?? msg.message : typeof msg === 'string' ? msg : safeJson(msg);
  return JSON.stringify(line);
}

function safeJson(v: unknown): unknown {
  try {
    JSON.stringify(v);
    return v;
  } catch {
    return String(v);
  }
}

export function loggingSettings(format: LogFormat, level: LogLevel, write: (line: string) => void = (l) => process.stdout.write(l + '\n')): Record<string, unknown> {
  if (format === 'text') return { console: { level, metrics: false, audit: false } };
  return {
    console: { level: 'off', metrics: false, audit: false },
    jsonl: {
      level,
      metrics: false,
      audit: false,
      handler: () => (m: NodeRedLogMessage) => write(jsonLogLine(m)),
    },
  };
}
