// Settings of the bundled runtime. Each layer overrides the one before:
//   built-in defaults < settings file (--config FILE, JSON or YAML) < environment (EDGE_GATEWAY_*)
//   < command-line flags.
// Every bad input is a SettingsError naming the layer and the field; nothing starts with it.
import { readFileSync, existsSync } from 'node:fs';
import { homedir, hostname } from 'node:os';
import { isAbsolute, join, resolve } from 'node:path';
import { GATEWAY_ID_PATTERN as GATEWAY_ID, sanitiseGatewayId } from './lib/fleet/gateway-id';
import { parseDevices, DevicesConfigError, type DeviceSpec } from './lib/fleet/devices-config';
import { textOf } from './lib/system/text/text-of';

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
  /** where the settings file layer came from, if any */
  configFile?: string;
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

export { sanitiseGatewayId };

export const DEFAULTS: Readonly<GatewaySettings> = Object.freeze({
  port: 1880,
  host: '127.0.0.1',
  userDir: join(homedir(), '.edge-gateway'),
  mqttUrl: undefined,
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
interface Field {
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
  { key: 'brokerPort', env: 'EDGE_GATEWAY_BROKER_PORT', flag: '--broker-port', kind: 'port', help: 'port of the embedded MQTT broker on 127.0.0.1 (default 1883)' },
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

function parseValue(field: Field, raw: unknown, source: string): unknown {
  const name = String(field.key);
  switch (field.kind) {
    case 'port': {
      const n = typeof raw === 'number' ? raw : /^\d+$/.test(String(raw).trim()) ? Number(String(raw).trim()) : NaN;
      if (!Number.isInteger(n) || n < 0 || n > 65535) throw new SettingsError(source, name, `"${textOf(raw)}" is not a port number (0-65535)`);
      return n;
    }
    case 'bool': {
      if (typeof raw === 'boolean') return raw;
      const s = String(raw).trim().toLowerCase();
      if (['1', 'true', 'yes', 'on'].includes(s)) return true;
      if (['0', 'false', 'no', 'off'].includes(s)) return false;
      throw new SettingsError(source, name, `"${textOf(raw)}" is not a boolean (true/false)`);
    }
    case 'url': {
      const s = String(raw).trim();
      if (s === '') return undefined;
      let u: URL;
      try {
        u = new URL(s);
      } catch {
        throw new SettingsError(source, name, `"${textOf(raw)}" is not a URL (expected mqtt://host:port)`);
      }
      if (!['mqtt:', 'mqtts:', 'ws:', 'wss:', 'tcp:', 'ssl:'].includes(u.protocol)) {
        throw new SettingsError(source, name, `unsupported protocol "${u.protocol}" (use mqtt://, mqtts://, ws:// or wss://)`);
      }
      return s;
    }
    case 'bytes': {
      const n = typeof raw === 'number' ? raw : parseByteSize(String(raw));
      if (!Number.isInteger(n) || n < BYTES_MIN || n > BYTES_MAX) {
        throw new SettingsError(source, name, `"${textOf(raw)}" is not a size between 1KB and 256MB (a number of bytes, or with KB or MB: 4MB)`);
      }
      return n;
    }
    case 'logFormat': {
      const s = String(raw).trim();
      if (s !== 'text' && s !== 'json') throw new SettingsError(source, name, `"${textOf(raw)}" must be "text" or "json"`);
      return s;
    }
    case 'lang': {
      const s = String(raw).trim();
      if (!LANGS.includes(s)) throw new SettingsError(source, name, `"${textOf(raw)}" must be one of ${LANGS.join(', ')} (the languages the nodes are translated into)`);
      return s;
    }
    case 'logLevel': {
      const s = String(raw).trim() as LogLevel;
      if (!LOG_LEVELS.includes(s)) throw new SettingsError(source, name, `"${textOf(raw)}" must be one of ${LOG_LEVELS.join(', ')}`);
      return s;
    }
    case 'gatewayId': {
      const s = String(raw).trim();
      if (!GATEWAY_ID.test(s)) {
        throw new SettingsError(
          source,
          name,
          `"${textOf(raw)}" is not a gateway id: 1-64 letters, digits, '-' or '_', starting with a letter or digit (it is one MQTT topic level: no '/', '+', '#' or spaces)`,
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

/** Parses a settings file (JSON, or YAML by extension) into a plain object. */
export function readSettingsFile(file: string, loadYaml: () => { load(text: string): unknown }): Record<string, unknown> {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new SettingsError(file, 'file', `cannot read: ${(err as Error).message}`);
  }
  let data: unknown;
  if (/\.ya?ml$/i.test(file)) {
    try {
      data = loadYaml().load(text);
    } catch (err) {
      const e = err as { mark?: { line: number; column: number }; reason?: string; message: string };
      const where = e.mark ? ` at line ${e.mark.line + 1}, column ${e.mark.column + 1}` : '';
      throw new SettingsError(file, 'file', `malformed YAML${where}: ${e.reason ?? e.message}`);
    }
  } else {
    try {
      data = JSON.parse(text);
    } catch (err) {
      const pos = jsonErrorOffset(text);
      let where = '';
      if (pos >= 0) {
        const before = text.slice(0, pos).split('\n');
        where = ` at line ${before.length}, column ${before[before.length - 1].length + 1}`;
      }
      throw new SettingsError(file, 'file', `malformed JSON${where}: ${(err as Error).message}`);
    }
  }
  if (data === null || data === undefined) return {};
  if (typeof data !== 'object' || Array.isArray(data)) throw new SettingsError(file, 'file', 'must hold an object of settings');
  return data as Record<string, unknown>;
}

/**
 * The offset where a JSON text stops being valid (V8's messages do not always carry a position):
 * a small recursive-descent scan that only follows the grammar. -1 when it finds nothing wrong.
 */
export function jsonErrorOffset(text: string): number {
  let i = 0;
  const ws = () => {
    while (i < text.length && ' \t\r\n'.includes(text[i])) i++;
  };
  const fail = (): never => {
    // eslint-disable-next-line @typescript-eslint/only-throw-error -- the position, caught by the caller of this small parser, never escapes it
    throw i;
  };
  const str = () => {
    if (text[i] !== '"') fail();
    i++;
    while (i < text.length && text[i] !== '"') {
      if (text[i] === '\\') i++;
      else if (text.charCodeAt(i) < 0x20) fail();
      i++;
    }
    if (i >= text.length) fail();
    i++;
  };
  const value = (): void => {
    ws();
    const c = text[i];
    if (c === '{') {
      i++;
      ws();
      if (text[i] === '}') return void i++;
      for (;;) {
        ws();
        str();
        ws();
        if (text[i] !== ':') fail();
        i++;
        value();
        ws();
        if (text[i] === ',') i++;
        else if (text[i] === '}') return void i++;
        else fail();
      }
    } else if (c === '[') {
      i++;
      ws();
      if (text[i] === ']') return void i++;
      for (;;) {
        value();
        ws();
        if (text[i] === ',') i++;
        else if (text[i] === ']') return void i++;
        else fail();
      }
    } else if (c === '"') str();
    else {
      const m = /^(-?(0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?|true|false|null)/.exec(text.slice(i, i + 400));
      if (!m) fail();
      i += m![0].length;
    }
  };
  try {
    value();
    ws();
    return i < text.length ? i : -1;
  } catch (pos) {
    return typeof pos === 'number' ? pos : -1;
  }
}

function fileLayer(data: Record<string, unknown>, file: string): Partial<GatewaySettings> {
  const out: Partial<GatewaySettings> = {};
  const known = new Map(FIELDS.map((f) => [String(f.key), f]));
  for (const [k, v] of Object.entries(data)) {
    if (k === 'adminUsers') {
      out.adminUsers = parseAdminUsers(v, file);
      continue;
    }
    if (k === 'devices') {
      try {
        out.devices = parseDevices(v, file, readFileSync(file, 'utf8'));
      } catch (err) {
        if (err instanceof DevicesConfigError) throw new SettingsError(err.line ? `${file} line ${err.line}` : file, err.field, err.reason);
        throw err;
      }
      continue;
    }
    const field = known.get(k);
    if (!field || k === 'resetFlows') {
      throw new SettingsError(
        file,
        k,
        `unknown setting (known: ${[...known.keys()]
          .filter((x) => x !== 'resetFlows')
          .concat('adminUsers', 'devices')
          .join(', ')})`,
      );
    }
    (out as Record<string, unknown>)[k] = parseValue(field, v, file);
  }
  return out;
}

function parseAdminUsers(v: unknown, file: string): AdminUser[] {
  if (!Array.isArray(v)) throw new SettingsError(file, 'adminUsers', 'must be a list');
  return v.map((u, i) => {
    const where = `adminUsers[${i}]`;
    if (!u || typeof u !== 'object') throw new SettingsError(file, where, 'must be an object {username, password, permissions}');
    const { username, password, permissions } = u as Record<string, unknown>;
    if (typeof username !== 'string' || !username) throw new SettingsError(file, `${where}.username`, 'missing');
    if (typeof password !== 'string' || !/^\$2[aby]\$\d\d\$/.test(password)) {
      throw new SettingsError(file, `${where}.password`, 'must be a bcrypt hash (use: edge-gateway admin add-user NAME)');
    }
    return { username, password, permissions: typeof permissions === 'string' ? permissions : '*' };
  });
}

function envLayer(env: NodeJS.ProcessEnv): Partial<GatewaySettings> {
  const out: Partial<GatewaySettings> = {};
  for (const f of FIELDS) {
    if (!f.env) continue;
    const raw = env[f.env];
    if (raw === undefined || raw === '') continue;
    (out as Record<string, unknown>)[f.key] = parseValue(f, raw, `environment ${f.env}`);
  }
  return out;
}

export interface ParsedArgs {
  flags: Partial<GatewaySettings>;
  configFile?: string;
  help: boolean;
  version: boolean;
  /** positional arguments (subcommand and its arguments) */
  rest: string[];
}

/** Parses the runtime's flags. Unknown flags are errors; the first positional ends parsing. */
export function parseArgs(argv: string[]): ParsedArgs {
  const out: ParsedArgs = { flags: {}, help: false, version: false, rest: [] };
  const byFlag = new Map<string, Field>();
  for (const f of FIELDS) {
    if (f.flag) byFlag.set(f.flag, f);
    if (f.negFlag) byFlag.set(f.negFlag, f);
  }
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (!arg.startsWith('-')) {
      out.rest = argv.slice(i);
      break;
    }
    if (arg === '--help' || arg === '-h') {
      out.help = true;
      continue;
    }
    if (arg === '--version' || arg === '-v') {
      out.version = true;
      continue;
    }
    const eq = arg.indexOf('=');
    const name = eq > 0 ? arg.slice(0, eq) : arg;
    const inline = eq > 0 ? arg.slice(eq + 1) : undefined;
    if (name === '--config' || name === '-c') {
      const v = inline ?? argv[++i];
      if (v === undefined || v.startsWith('--')) throw new SettingsError('command line', name, 'needs a file path');
      out.configFile = v;
      continue;
    }
    const field = byFlag.get(name);
    if (!field) throw new SettingsError('command line', name, 'unknown flag (see edge-gateway --help)');
    if (field.kind === 'bool') {
      if (inline !== undefined) throw new SettingsError('command line', name, 'takes no value');
      (out.flags as Record<string, unknown>)[field.key] = name !== field.negFlag;
      continue;
    }
    const v = inline ?? argv[++i];
    if (v === undefined || (v.startsWith('--') && inline === undefined)) throw new SettingsError('command line', name, 'needs a value');
    (out.flags as Record<string, unknown>)[field.key] = parseValue(field, v, `command line ${name}`);
  }
  return out;
}

/**
 * Layers the settings. The settings file is `--config FILE`, else EDGE_GATEWAY_CONFIG, else
 * `<userDir>/edge-gateway.json` when that exists (where `admin add-user` writes).
 */
export function resolveSettings(args: Pick<ParsedArgs, 'flags' | 'configFile'>, env: NodeJS.ProcessEnv, loadYaml: () => { load(text: string): unknown }, cwd = process.cwd()): GatewaySettings {
  const envPart = envLayer(env);
  let configFile = args.configFile ?? env.EDGE_GATEWAY_CONFIG;
  let filePart: Partial<GatewaySettings> = {};
  if (configFile) {
    configFile = isAbsolute(configFile) ? configFile : resolve(cwd, configFile);
    if (!existsSync(configFile)) throw new SettingsError(configFile, 'file', 'does not exist');
    filePart = fileLayer(readSettingsFile(configFile, loadYaml), configFile);
  } else {
    const userDir = args.flags.userDir ?? envPart.userDir ?? DEFAULTS.userDir;
    const candidate = resolve(cwd, userDir, 'edge-gateway.json');
    if (existsSync(candidate)) {
      configFile = candidate;
      filePart = fileLayer(readSettingsFile(candidate, loadYaml), candidate);
    }
  }
  const merged: GatewaySettings = { ...DEFAULTS, adminUsers: [], ...filePart, ...envPart, ...args.flags, configFile };
  merged.userDir = resolve(cwd, merged.userDir);
  return merged;
}

/** Default settings file of a user directory: where `admin add-user` stores users. */
export function defaultSettingsFile(userDir: string): string {
  return join(userDir, 'edge-gateway.json');
}

export function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '::1' || /^127\.\d+\.\d+\.\d+$/.test(host);
}

/** Refuses a non-loopback address without admin auth: the editor can deploy code. */
export function checkSecurity(s: GatewaySettings): void {
  if (!isLoopback(s.host) && s.adminUsers.length === 0) {
    throw new SettingsError(
      'security',
      'host',
      `refusing to listen on ${s.host} without admin authentication: the editor can run code on this machine.\n` +
        `Add an admin user first:  edge-gateway admin add-user NAME${s.configFile ? ` --config ${s.configFile}` : ''}\n` +
        'or listen on 127.0.0.1 only (the default).',
    );
  }
}

export function helpText(): string {
  const lines = [
    'Usage: edge-gateway [options]                 start the gateway (Node-RED with the edge-gateway nodes and flows)',
    '       edge-gateway admin add-user NAME       add an editor/admin user (password read from stdin or prompted)',
    '       edge-gateway modbus read|write ...      commission a Modbus device from a tag table (see: edge-gateway modbus --help)',
    '       edge-gateway dbc check|decode ...       check a DBC file, decode a candump log (see: edge-gateway dbc --help)',
    "       edge-gateway calc eval 'EXPRESSION'     try a tag-calc expression (see: edge-gateway calc --help)",
    '       edge-gateway flows migrate FILE         rewrite flows saved by an earlier release (see: edge-gateway flows --help)',
    '',
    'Options (each layer overrides the one before: defaults < settings file < environment < flags):',
    `  ${'--config FILE'.padEnd(22)} settings file, JSON or YAML (env EDGE_GATEWAY_CONFIG; default <user-dir>/edge-gateway.json)`,
  ];
  for (const f of FIELDS) {
    const flag = f.flag
      ? f.kind === 'bool'
        ? f.flag
        : `${f.flag} ${f.kind === 'port' ? 'N' : f.kind === 'url' ? 'URL' : f.kind === 'bytes' ? 'SIZE' : f.kind === 'gatewayId' ? 'ID' : 'VALUE'}`
      : f.negFlag!;
    lines.push(`  ${flag.padEnd(22)} ${f.help}${f.env ? ` (env ${f.env})` : ''}`);
  }
  lines.push(`  ${'--help'.padEnd(22)} this text`, `  ${'--version'.padEnd(22)} print the version`);
  lines.push(
    '',
    'Settings file keys: ' +
      FIELDS.filter((f) => f.key !== 'resetFlows')
        .map((f) => f.key)
        .join(', ') +
      ', adminUsers, devices',
  );
  return lines.join('\n');
}
