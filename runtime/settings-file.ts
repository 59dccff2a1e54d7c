// The settings file layer: a JSON or YAML file of settings keys, admin users and devices.
import { FILE_LIMITS, FileReadError, readBoundedText } from '../lib/system/fs/bounded-read';
import { join } from 'node:path';
import { parseDevices, DevicesConfigError } from '../lib/fleet/devices-config';
import { DiscoveryTopic, DiscoveryTopicError } from '../lib/registry/discovery';
import { jsonErrorOffset } from './json-error-offset';
import { FIELDS, parseValue, SettingsError, shown, type AdminUser, type GatewaySettings, type TlsFiles } from './settings-fields';

/** Parses a settings file (JSON, or YAML by extension) into a plain object. */
export function readSettingsFile(file: string, loadYaml: () => { load(text: string): unknown }): Record<string, unknown> {
  return readSettingsSource(file, loadYaml).data;
}

/** A settings file's object and its text (the devices list names lines of it in its errors). */
export function readSettingsSource(file: string, loadYaml: () => { load(text: string): unknown }): { data: Record<string, unknown>; text: string } {
  let text: string;
  try {
    text = readBoundedText(file, { maxBytes: FILE_LIMITS.settings });
  } catch (err) {
    if (!(err instanceof FileReadError)) throw err;
    throw new SettingsError(file, 'file', `cannot read: ${err.reason}`);
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
  if (data === undefined) return { data: {}, text };
  if (data === null) throw new SettingsError(file, 'file', 'holds null: write an object of settings (an empty one is {})');
  if (typeof data !== 'object' || Array.isArray(data)) throw new SettingsError(file, 'file', 'must hold an object of settings');
  return { data: data as Record<string, unknown>, text };
}

/** The settings a file's data sets; an unknown key is an error that lists the known ones. */
export function settingsFileLayer(data: Record<string, unknown>, file: string, text = ''): Partial<GatewaySettings> {
  const out: Partial<GatewaySettings> = {};
  const known = new Map(FIELDS.map((f) => [String(f.key), f]));
  for (const [k, v] of Object.entries(data)) {
    if (k === 'adminUsers') {
      out.adminUsers = parseAdminUsers(v, file);
      continue;
    }
    if (k === 'devices') {
      try {
        out.devices = parseDevices(v, file, text);
      } catch (err) {
        if (err instanceof DevicesConfigError) throw new SettingsError(err.line ? `${file} line ${err.line}` : file, err.field, err.reason);
        throw err;
      }
      continue;
    }
    if (k === 'api') {
      if (!v || typeof v !== 'object' || Array.isArray(v)) throw new SettingsError(file, 'api', 'must be an object (keysFile, jwt, rateLimit...)');
      out.api = v as Record<string, unknown>;
      continue;
    }
    if (k === 'tls') {
      out.tls = parseTls(v, file);
      continue;
    }
    if (k === 'discovery') {
      out.discovery = parseDiscovery(v, file);
      continue;
    }
    const field = known.get(k);
    if (!field || k === 'resetFlows') {
      throw new SettingsError(
        file,
        k,
        `unknown setting (known: ${[...known.keys()]
          .filter((x) => x !== 'resetFlows')
          .concat('adminUsers', 'devices', 'api', 'tls', 'discovery')
          .join(', ')})`,
      );
    }
    (out as Record<string, unknown>)[k] = parseValue(field, v, file, true);
  }
  return out;
}

function parseDiscovery(v: unknown, file: string): { topic: string } {
  if (!v || typeof v !== 'object' || Array.isArray(v)) throw new SettingsError(file, 'discovery', 'must be an object { topic: "devices/+/hello" }');
  const d = v as Record<string, unknown>;
  for (const k of Object.keys(d)) if (k !== 'topic') throw new SettingsError(file, `discovery.${k}`, 'unknown (known: topic)');
  if (typeof d.topic !== 'string') throw new SettingsError(file, 'discovery.topic', 'must be a topic filter with one + for the device id, e.g. devices/+/hello');
  try {
    new DiscoveryTopic(d.topic);
  } catch (err) {
    if (err instanceof DiscoveryTopicError) throw new SettingsError(file, 'discovery.topic', err.message);
    throw err;
  }
  return { topic: d.topic };
}

function parseTls(v: unknown, file: string): TlsFiles {
  if (!v || typeof v !== 'object' || Array.isArray(v)) throw new SettingsError(file, 'tls', 'must be an object { cert: FILE, key: FILE } (PEM files)');
  const t = v as Record<string, unknown>;
  for (const k of Object.keys(t)) if (k !== 'cert' && k !== 'key') throw new SettingsError(file, `tls.${k}`, 'unknown (known: cert, key)');
  for (const k of ['cert', 'key'] as const) {
    if (typeof t[k] !== 'string' || !t[k].trim()) throw new SettingsError(file, `tls.${k}`, 'must name a PEM file');
  }
  return { cert: t.cert as string, key: t.key as string };
}

/** More admin users than this is a generated file gone wrong, not a plant's staff. */
const MAX_ADMIN_USERS = 1000;
/** bcrypt costs a login may take: 4 is bcrypt's least; 15 is about 2 s per login, 31 would be days. */
const BCRYPT_COSTS = { min: 4, max: 15 };
const BCRYPT_HASH = /^\$2[aby]\$(\d\d)\$[./A-Za-z0-9]{53}$/;

function parseAdminUsers(v: unknown, file: string): AdminUser[] {
  if (!Array.isArray(v)) throw new SettingsError(file, 'adminUsers', 'must be a list');
  if (v.length > MAX_ADMIN_USERS) throw new SettingsError(file, 'adminUsers', `lists ${v.length} users; at most ${MAX_ADMIN_USERS}`);
  const names = new Set<string>();
  return v.map((u, i) => {
    const where = `adminUsers[${i}]`;
    if (!u || typeof u !== 'object') throw new SettingsError(file, where, 'must be an object {username, password, permissions}');
    const { username, password, permissions } = u as Record<string, unknown>;
    if (typeof username !== 'string' || !username) throw new SettingsError(file, `${where}.username`, 'missing');
    if (username.length > 64 || /[\u0000-\u001f\u007f]/.test(username))
      throw new SettingsError(file, `${where}.username`, `"${shown(username)}" must be at most 64 characters, without control characters`);
    if (names.has(username)) throw new SettingsError(file, `${where}.username`, `"${username}" is listed twice`);
    names.add(username);
    const hash = typeof password === 'string' ? BCRYPT_HASH.exec(password) : null;
    if (!hash) throw new SettingsError(file, `${where}.password`, 'must be a bcrypt hash (use: edge-gateway admin add-user NAME)');
    const cost = Number(hash[1]);
    if (cost < BCRYPT_COSTS.min || cost > BCRYPT_COSTS.max) {
      throw new SettingsError(
        file,
        `${where}.password`,
        `bcrypt cost ${cost} is outside ${BCRYPT_COSTS.min}..${BCRYPT_COSTS.max} (each login would take ${cost > BCRYPT_COSTS.max ? 'too long' : 'too little work'}); make a new hash with: edge-gateway admin add-user ${username}`,
      );
    }
    return { username, password: password as string, permissions: typeof permissions === 'string' ? permissions : '*' };
  });
}

/** Default settings file of a user directory: where `admin add-user` stores users. */
export function defaultSettingsFile(userDir: string): string {
  return join(userDir, 'edge-gateway.json');
}
