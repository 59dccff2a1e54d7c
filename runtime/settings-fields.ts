// What a setting of the bundled runtime is: its type, its default, how each layer names it
// (settings file key, environment variable, flag) and how its text is checked.
// Every bad input is a SettingsError naming the layer and the field; nothing starts with it.
import { homedir, hostname } from 'node:os';
import { join } from 'node:path';
import { GATEWAY_ID_PATTERN as GATEWAY_ID, sanitiseGatewayId } from '../lib/fleet/gateway-id';
import type { DeviceSpec } from '../lib/fleet/devices-config';

export type LogFormat = 'text' | 'json';
export type LogLevel = 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace';

export interface AdminUser {
  username: string;
  /** bcrypt hash */
  password: string;
  permissions: string;
}

export interface GatewaySettings {
  port: number;
  host: string;
  userDir: string;
  /** external broker; when unset the embedded broker is used (unless broker is false) */
  mqttUrl?: string;
  /**
   * the address the embedded broker listens on (default 127.0.0.1); another one lets field
   * devices connect, each with its own login: anonymous clients stay loopback-only
   */
  brokerHost: string;
  brokerPort: number;
  broker: boolean;
  /** largest MQTT packet the embedded broker accepts, bytes; a client sending more is disconnected */
  brokerMaxPacket: number;
  /** port of the Modbus simulator of the default flows (127.0.0.1) */
  simPort: number;
  safe: boolean;
  logFormat: LogFormat;
  logLevel: LogLevel;
  /** language of the runtime's texts, node status texts among them (Node-RED's settings.lang); unset: from LANG */
  lang?: string;
  resetFlows: boolean;
  /** this gateway's id in MQTT topics (edge-gateway/{gatewayId}/...): topic-safe, from the host name by default */
  gatewayId: string;
  adminUsers: AdminUser[];
  /** real devices from the settings file: on first start they become the flows (runtime/flows-from-devices.ts) */
  devices?: DeviceSpec[];
  /**
   * the operator API's block, handed to Node-RED as `edgegw.api`: its authentication
   * (lib/api/auth/settings.ts: keysFile, jwt, rateLimit) and the routes' own fields
   */
  api?: Record<string, unknown>;
  /** serve the editor, the flows' HTTP endpoints and the API over https */
  tls?: TlsFiles;
  /**
   * where unknown devices announce themselves (a topic filter with one + for the device id,
   * default devices/+/hello): they become pending in the device registry. Handed to Node-RED
   * as `edgegw.discovery`.
   */
  discovery?: { topic: string };
  /** where the settings file layer came from, if any */
  configFile?: string;
}

/** PEM files of the server's certificate (chain) and private key; relative paths are in the user directory. */
export interface TlsFiles {
  cert: string;
  key: string;
}

export class SettingsError extends Error {
  constructor(
    readonly source: string,
    readonly field: string,
    message: string,
  ) {
    super(`${source}: ${field}: ${message}`);
    this.name = 'SettingsError';
  }
}

export const DEFAULTS: Readonly<GatewaySettings> = Object.freeze({
  port: 1880,
  host: '127.0.0.1',
  userDir: join(homedir(), '.edge-gateway'),
  mqttUrl: undefined,
  brokerHost: '127.0.0.1',
  brokerPort: 1883,
  broker: true,
  brokerMaxPacket: 4 * 1024 * 1024,
  simPort: 5020,
  safe: false,
  logFormat: 'text',
  logLevel: 'info',
  resetFlows: false,
  gatewayId: sanitiseGatewayId(hostname()),
  adminUsers: [],
});

const LOG_LEVELS: LogLevel[] = ['fatal', 'error', 'warn', 'info', 'debug', 'trace'];
const LANGS = ['en-US', 'ru'];

/** One setting: how it is named in each layer and how its text is checked. */
export interface Field {
  key: keyof GatewaySettings;
  env?: string;
  flag?: string;
  /** flag that sets the boolean to false (e.g. --no-broker) */
  negFlag?: string;
  kind: 'port' | 'string' | 'bool' | 'url' | 'logFormat' | 'logLevel' | 'path' | 'bytes' | 'gatewayId' | 'lang';
  help: string;
}

export const FIELDS: Field[] = [
  { key: 'port', env: 'EDGE_GATEWAY_PORT', flag: '--port', kind: 'port', help: 'HTTP port of the editor, admin API, /health and /metrics (default 1880)' },
  { key: 'host', env: 'EDGE_GATEWAY_HOST', flag: '--host', kind: 'string', help: 'address to listen on (default 127.0.0.1; any other needs an admin user)' },
  { key: 'userDir', env: 'EDGE_GATEWAY_USER_DIR', flag: '--user-dir', kind: 'path', help: 'user directory: flows, credentials, context (default ~/.edge-gateway)' },
  { key: 'mqttUrl', env: 'EDGE_GATEWAY_MQTT_URL', flag: '--mqtt-url', kind: 'url', help: 'external MQTT broker URL (mqtt://host:port); disables the embedded broker' },
  {
    key: 'brokerHost',
    env: 'EDGE_GATEWAY_BROKER_HOST',
    flag: '--broker-host',
    kind: 'string',
    help: 'address the embedded MQTT broker listens on (default 127.0.0.1; 0.0.0.0 for field devices: each logs in, see admin add-device)',
  },
  { key: 'brokerPort', env: 'EDGE_GATEWAY_BROKER_PORT', flag: '--broker-port', kind: 'port', help: 'port of the embedded MQTT broker (default 1883)' },
  {
    key: 'brokerMaxPacket',
    env: 'EDGE_GATEWAY_BROKER_MAX_PACKET',
    flag: '--broker-max-packet',
    kind: 'bytes',
    help: 'largest MQTT packet the embedded broker accepts, bytes or with KB/MB (default 4MB; 1KB..256MB); a client sending more is disconnected',
  },
  { key: 'broker', env: 'EDGE_GATEWAY_BROKER', negFlag: '--no-broker', kind: 'bool', help: 'do not start the embedded MQTT broker' },
  { key: 'simPort', env: 'EDGE_GATEWAY_SIM_PORT', flag: '--sim-port', kind: 'port', help: 'port of the Modbus TCP simulator the default flows poll, on 127.0.0.1 (default 5020)' },
  { key: 'safe', env: 'EDGE_GATEWAY_SAFE', flag: '--safe', kind: 'bool', help: 'start the editor without starting the flows' },
  { key: 'logFormat', env: 'EDGE_GATEWAY_LOG_FORMAT', flag: '--log-format', kind: 'logFormat', help: 'text (default) or json (JSON lines for log shippers)' },
  { key: 'logLevel', env: 'EDGE_GATEWAY_LOG_LEVEL', flag: '--log-level', kind: 'logLevel', help: 'fatal, error, warn, info (default), debug or trace' },
  { key: 'lang', env: 'EDGE_GATEWAY_LANG', flag: '--lang', kind: 'lang', help: 'language of node status texts and runtime messages: en-US or ru (default: from LANG)' },
  {
    key: 'gatewayId',
    env: 'EDGE_GATEWAY_GATEWAY_ID',
    flag: '--gateway-id',
    kind: 'gatewayId',
    help: 'id of this gateway in MQTT topics edge-gateway/{id}/... (letters, digits, - and _; default: the host name, sanitised)',
  },
  { key: 'resetFlows', flag: '--reset-flows', kind: 'bool', help: 'replace the flows in the user directory with the default flows (the old file is kept as a backup)' },
];

const BYTES_MIN = 1024;
/** MQTT's own ceiling is 256 MB (a 4-byte remaining length) */
const BYTES_MAX = 256 * 1024 * 1024;
const BYTE_UNITS: Record<string, number> = { '': 1, b: 1, k: 1024, kb: 1024, kib: 1024, m: 1024 ** 2, mb: 1024 ** 2, mib: 1024 ** 2 };

/** "4MB", "512 KB", "65536": KB and MB are 1024-based, as memory is. NaN when not a size. */
export function parseByteSize(text: string): number {
  const m = /^(\d+)\s*([a-z]*)$/i.exec(text.trim());
  if (!m || !(m[2].toLowerCase() in BYTE_UNITS)) return NaN;
  return Number(m[1]) * BYTE_UNITS[m[2].toLowerCase()];
}

/** What an error shows of a bad value: its text, cut short (a 50 MB value is not echoed). */
export function shown(raw: unknown): string {
  const text = typeof raw === 'string' ? raw : (JSON.stringify(raw) ?? String(raw));
  return text.length > 60 ? `${text.slice(0, 60)}... (${text.length} characters)` : text;
}

const JSON_TYPE: Partial<Record<Field['kind'], 'number' | 'boolean' | 'string'>> = {
  port: 'number',
  bool: 'boolean',
  url: 'string',
  logFormat: 'string',
  logLevel: 'string',
  path: 'string',
  string: 'string',
  gatewayId: 'string',
  lang: 'string',
};

/**
 * A setting's value from the text (or the JSON value) one layer gives it. A settings file (typed)
 * must give each value its JSON type: `port: "18806"`, `port: [18806]` or `safe: 1` there are
 * mistakes, while the environment and the command line give every value as text.
 */
export function parseValue(field: Field, raw: unknown, source: string, typed = false): unknown {
  const name = String(field.key);
  const type = JSON_TYPE[field.kind];
  if (typed && type && typeof raw !== type) {
    const article = type === 'number' ? 'a number' : type === 'boolean' ? 'true or false' : 'a text';
    throw new SettingsError(
      source,
      name,
      `${shown(raw)} is ${Array.isArray(raw) ? 'a list' : raw === null ? 'null' : `a ${typeof raw}`}; write ${article}${type === 'number' ? ` (${name}: 1880)` : ''}`,
    );
  }
  switch (field.kind) {
    case 'port': {
      const n = typeof raw === 'number' ? raw : /^\d+$/.test(String(raw).trim()) ? Number(String(raw).trim()) : NaN;
      if (!Number.isInteger(n) || n < 0 || n > 65535) throw new SettingsError(source, name, `"${shown(raw)}" is not a port number (0-65535)`);
      return n;
    }
    case 'bool': {
      if (typeof raw === 'boolean') return raw;
      const s = String(raw).trim().toLowerCase();
      if (['1', 'true', 'yes', 'on'].includes(s)) return true;
      if (['0', 'false', 'no', 'off'].includes(s)) return false;
      throw new SettingsError(source, name, `"${shown(raw)}" is not a boolean (true/false)`);
    }
    case 'url': {
      const s = String(raw).trim();
      if (s === '') return undefined;
      let u: URL;
      try {
        u = new URL(s);
      } catch {
        throw new SettingsError(source, name, `"${shown(raw)}" is not a URL (expected mqtt://host:port)`);
      }
      if (!['mqtt:', 'mqtts:', 'ws:', 'wss:', 'tcp:', 'ssl:'].includes(u.protocol)) {
        throw new SettingsError(source, name, `unsupported protocol "${u.protocol}" (use mqtt://, mqtts://, ws:// or wss://)`);
      }
      // the URL parser drops tabs and line breaks silently; a URL that holds them is a paste error
      if (/[\u0000-\u001f\u007f\s]/.test(s)) throw new SettingsError(source, name, 'holds spaces or control characters (a line break?)');
      if (!u.hostname) throw new SettingsError(source, name, `"${shown(s)}" names no host (expected ${u.protocol}//host:port)`);
      return s;
    }
    case 'bytes': {
      const n = typeof raw === 'number' ? raw : parseByteSize(String(raw));
      if (!Number.isInteger(n) || n < BYTES_MIN || n > BYTES_MAX) {
        throw new SettingsError(source, name, `"${shown(raw)}" is not a size between 1KB and 256MB (a number of bytes, or with KB or MB: 4MB)`);
      }
      return n;
    }
    case 'logFormat': {
      const s = String(raw).trim();
      if (s !== 'text' && s !== 'json') throw new SettingsError(source, name, `"${shown(raw)}" must be "text" or "json"`);
      return s;
    }
    case 'lang': {
      const s = String(raw).trim();
      if (!LANGS.includes(s)) throw new SettingsError(source, name, `"${shown(raw)}" must be one of ${LANGS.join(', ')} (the languages the nodes are translated into)`);
      return s;
    }
    case 'logLevel': {
      const s = String(raw).trim() as LogLevel;
      if (!LOG_LEVELS.includes(s)) throw new SettingsError(source, name, `"${shown(raw)}" must be one of ${LOG_LEVELS.join(', ')}`);
      return s;
    }
    case 'gatewayId': {
      const s = String(raw).trim();
      if (!GATEWAY_ID.test(s)) {
        throw new SettingsError(
          source,
          name,
          `"${shown(raw)}" is not a gateway id: 1-64 letters, digits, '-' or '_', starting with a letter or digit (it is one MQTT topic level: no '/', '+', '#' or spaces)`,
        );
      }
      return s;
    }
    case 'path':
    case 'string': {
      if (typeof raw !== 'string' || raw.trim() === '') throw new SettingsError(source, name, 'must be a non-empty string');
      return raw;
    }
  }
}
