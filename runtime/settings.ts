// Settings of the bundled runtime. Each layer overrides the one before:
//   built-in defaults < settings file (--config FILE, JSON or YAML) < environment (EDGE_GATEWAY_*)
//   < command-line flags.
// What a setting is lives in settings-fields.ts, the file layer in settings-file.ts, --help in
// settings-help.ts; this module layers them.
import { existsSync } from 'node:fs';
import { isAbsolute, resolve } from 'node:path';
import { DEFAULTS, FIELDS, parseValue, SettingsError, type Field, type GatewaySettings } from './settings-fields';
import { readSettingsSource, settingsFileLayer } from './settings-file';
import { runtimeText } from './messages';
import { ApiSettingsError, parseApiAuthSettings } from '../lib/api/auth/settings';

export { sanitiseGatewayId } from '../lib/fleet/gateway-id';
export { DEFAULTS, FIELDS, parseByteSize, SettingsError, type AdminUser, type GatewaySettings, type LogFormat, type TlsFiles, type LogLevel } from './settings-fields';
export { defaultSettingsFile, readSettingsFile } from './settings-file';
export { helpText } from './settings-help';

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
/** The flag a misspelt one most likely meant: at most two edits away, and the only one that near. */
function nearestFlag(name: string, flags: string[]): string | undefined {
  const distance = (a: string, b: string): number => {
    let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
    for (let i = 1; i <= a.length; i++) {
      const cur = [i];
      for (let j = 1; j <= b.length; j++) cur[j] = Math.min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
      prev = cur;
    }
    return prev[b.length];
  };
  const scored = flags.map((f) => [f, distance(name, f)] as const).sort((x, y) => x[1] - y[1]);
  if (!scored.length || scored[0][1] > 2) return undefined;
  return scored.length > 1 && scored[1][1] === scored[0][1] ? undefined : scored[0][0];
}

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
    if (!field) {
      const near = nearestFlag(name, [...byFlag.keys(), '--config']);
      throw new SettingsError('command line', name, runtimeText('unknownFlag', { near: near ? runtimeText('didYouMean', { flag: near }) : '' }));
    }
    if (field.kind === 'bool') {
      if (inline !== undefined) throw new SettingsError('command line', name, 'takes no value');
      (out.flags as Record<string, unknown>)[field.key] = name !== field.negFlag;
      continue;
    }
    const v = inline ?? argv[++i];
    if (v === undefined || (v.startsWith('--') && inline === undefined)) throw new SettingsError('command line', name, runtimeText('needsValue'));
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
    const { data, text } = readSettingsSource(configFile, loadYaml);
    filePart = settingsFileLayer(data, configFile, text);
  } else {
    const userDir = args.flags.userDir ?? envPart.userDir ?? DEFAULTS.userDir;
    const candidate = resolve(cwd, userDir, 'edge-gateway.json');
    if (existsSync(candidate)) {
      configFile = candidate;
      const { data, text } = readSettingsSource(candidate, loadYaml);
      filePart = settingsFileLayer(data, candidate, text);
    }
  }
  const merged: GatewaySettings = { ...DEFAULTS, adminUsers: [], ...filePart, ...envPart, ...args.flags, configFile };
  merged.userDir = resolve(cwd, merged.userDir);
  checkApiSettings(merged);
  return merged;
}

/** The API's authentication settings checked at start (a bad JWT key file refuses the start, naming it). */
function checkApiSettings(s: GatewaySettings): void {
  if (!s.api) return;
  try {
    parseApiAuthSettings(s.api, s.userDir);
  } catch (err) {
    if (err instanceof ApiSettingsError) throw new SettingsError(s.configFile ?? 'settings', err.field, err.reason);
    throw err;
  }
}

export function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '::1' || /^127\.\d+\.\d+\.\d+$/.test(host);
}

const SERVICE: Record<string, string> = { port: 'the editor (--port)', brokerPort: 'the embedded MQTT broker (--broker-port)', simPort: 'the Modbus simulator (--sim-port)' };

/** Refuses two services of the gateway on one port (the editor, the embedded broker, the simulator). */
export function checkPorts(s: GatewaySettings): void {
  const taken = new Map<number, string>([[s.port, 'port']]);
  const others: Array<[keyof GatewaySettings, number, boolean]> = [
    ['brokerPort', s.brokerPort, s.broker && !s.mqttUrl],
    ['simPort', s.simPort, true],
  ];
  for (const [key, port, used] of others) {
    if (!used || port === 0) continue;
    const first = taken.get(port);
    if (first && first !== key) throw new SettingsError('settings', String(key), `${port} is also the port of ${SERVICE[first]}: ${SERVICE[key]} needs a port of its own`);
    taken.set(port, String(key));
  }
}

/** Refuses a non-loopback address without admin auth: the editor can deploy code. */
export function checkSecurity(s: GatewaySettings): void {
  if (!isLoopback(s.host) && s.adminUsers.length === 0) {
    throw new SettingsError('security', 'host', runtimeText('securityRefusal', { host: s.host, config: s.configFile ? ` --config ${s.configFile}` : '' }));
  }
}
