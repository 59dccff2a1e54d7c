// `edge-gateway admin add-user NAME`: stores a bcrypt hash of the password in the settings file
// (--config FILE, or <user-dir>/edge-gateway.json), which the runtime turns into Node-RED's
// adminAuth. The password is read from stdin (one line) or prompted on a terminal.
import { existsSync, writeFileSync, chmodSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { dirname } from 'node:path';
import { ensureDirectory } from '../lib/system/fs/directory';
import { createInterface } from 'node:readline';
import { readSettingsFile, defaultSettingsFile, DEFAULTS, SettingsError, type AdminUser } from './settings';
import { requireRuntimePackage } from './resolve';
import { UsageError, type CliIO } from './commands/io';
import { API_KEY_COMMANDS, API_KEYS_HELP, apiKeyCommand, type ApiKeyCommand } from './commands/api-keys';
import { ADD_DEVICE_HELP, addDeviceCommand } from './commands/devices';
import { textOf } from '../lib/system/text/text-of';

const PERMISSIONS = /^(\*|read)$/;

async function readPassword(io: CliIO): Promise<string> {
  const tty = (io.stdin as { isTTY?: boolean }).isTTY;
  if (tty) io.stderr.write('Password: ');
  const rl = createInterface({ input: io.stdin, terminal: false });
  for await (const line of rl) {
    rl.close();
    return line.replace(/\r$/, '');
  }
  return '';
}

export const ADMIN_HELP = `usage: edge-gateway admin add-user NAME [--permissions *|read] [--config FILE | --user-dir DIR]
       edge-gateway admin add-key NAME --scope read|write|admin [--config FILE | --user-dir DIR]
       edge-gateway admin list-keys [--json] [--config FILE | --user-dir DIR]
       edge-gateway admin revoke-key ID|NAME [--config FILE | --user-dir DIR]
       edge-gateway admin add-device ID [--publish PREFIX]... [--profile NAME] [--user-dir DIR]

add-user  adds (or updates) an admin user of the editor and the admin API. The password is read
          from stdin (one line) or prompted for on a terminal; at least 8 characters. It is kept
          as a bcrypt hash in the settings file (default <user-dir>/edge-gateway.json, mode 0600).
          --permissions read makes a user who can look but not deploy.
Once an admin user exists the editor asks for a login, the flows' http endpoints need it too,
and --host may name an address other than 127.0.0.1.

${API_KEYS_HELP}

${ADD_DEVICE_HELP}`;

const isHelp = (a: string | undefined) => a === '--help' || a === '-h' || a === 'help';

export async function adminCommand(argv: string[], io: CliIO, loadYaml: () => { load(t: string): unknown; dump(v: unknown): string }): Promise<number> {
  const [sub, ...rest] = argv;
  const keyCommand = (API_KEY_COMMANDS as readonly string[]).includes(sub ?? '') ? (sub as ApiKeyCommand) : undefined;
  if (isHelp(sub) || ((sub === 'add-user' || sub === 'add-device' || keyCommand) && rest.some(isHelp))) {
    io.stdout.write(`${ADMIN_HELP}\n`);
    return 0;
  }
  if (keyCommand) return apiKeyCommand(keyCommand, rest, io, loadYaml);
  if (sub === 'add-device') return addDeviceCommand(rest, io);
  if (sub !== 'add-user') throw new UsageError(`unknown admin command "${sub ?? ''}" (known: add-user, add-key, list-keys, revoke-key, add-device; see edge-gateway admin --help)`);
  let name: string | undefined;
  let permissions = '*';
  let file: string | undefined;
  let userDir = process.env.EDGE_GATEWAY_USER_DIR || DEFAULTS.userDir;
  for (let i = 0; i < rest.length; i++) {
    const a = rest[i];
    if (a === '--permissions') permissions = rest[++i] ?? '';
    else if (a === '--config') file = rest[++i];
    else if (a === '--user-dir') userDir = rest[++i] ?? '';
    else if (a.startsWith('-')) throw new UsageError(`admin add-user: unknown flag ${a}`);
    else if (!name) name = a;
    else throw new UsageError(`admin add-user: unexpected argument "${a}"`);
  }
  if (!name || !/^[A-Za-z0-9._@-]{1,64}$/.test(name)) throw new UsageError('admin add-user: NAME is required (letters, digits, . _ @ -)');
  if (!PERMISSIONS.test(permissions)) throw new UsageError('admin add-user: --permissions must be * (full) or read');
  file ??= process.env.EDGE_GATEWAY_CONFIG || defaultSettingsFile(userDir);

  const password = await readPassword(io);
  if (password.length < 8) throw new UsageError('admin add-user: the password must have at least 8 characters');

  const yaml = /\.ya?ml$/i.test(file);
  const data = existsSync(file) ? readSettingsFile(file, loadYaml) : {};
  const users = (Array.isArray(data.adminUsers) ? data.adminUsers : []) as AdminUser[];
  const bcrypt = requireRuntimePackage<{ hashSync(p: string, rounds: number): string }>('bcryptjs');
  const entry: AdminUser = { username: name, password: bcrypt.hashSync(password, 10), permissions };
  const idx = users.findIndex((u) => u && u.username === name);
  if (idx >= 0) users[idx] = entry;
  else users.push(entry);
  data.adminUsers = users;
  ensureDirectory(dirname(file));
  writeFileSync(file, yaml ? loadYaml().dump(data) : JSON.stringify(data, null, 2) + '\n', { mode: 0o600 });
  chmodSync(file, 0o600);
  io.stdout.write(`${idx >= 0 ? 'updated' : 'added'} admin user "${name}" (permissions ${permissions}) in ${file}\n`);
  return 0;
}

export { SettingsError };

/** The slice of bcrypt the login needs (bcryptjs and @node-rs/bcrypt both have it). */
export interface Bcrypt {
  compare(password: string, hash: string): Promise<boolean>;
  hashSync(password: string, rounds: number): string;
}

/** bcrypt as Node-RED itself loads it: the native @node-rs/bcrypt when present, else bcryptjs. */
export function loadBcrypt(): Bcrypt {
  try {
    return requireRuntimePackage<Bcrypt>('@node-rs/bcrypt');
  } catch {
    return requireRuntimePackage<Bcrypt>('bcryptjs');
  }
}

function bcryptCost(hash: string): number {
  const m = /^\$2[aby]?\$(\d\d)\$/.exec(hash);
  return m ? Number(m[1]) : 10;
}

/** Node-RED's adminAuth setting of type "credentials" with our own check. */
export interface AdminAuthSettings {
  type: 'credentials';
  users: Array<{ username: string; password: string; permissions: string }>;
  authenticate(username: unknown, password: unknown): Promise<{ username: string; permissions: string } | null>;
}

/**
 * Node-RED's adminAuth for our users, with a login that takes as long for an unknown user as
 * for a known one with a wrong password. Node-RED's own check answers an unknown name at once
 * (~2 ms) and a known one after bcrypt (~64 ms), which tells an attacker which names exist.
 * Here an unknown name is compared against a dummy hash of the same cost as the slowest real
 * one, so both paths do the same work.
 */
export function adminAuthSettings(users: AdminUser[], bcrypt: Bcrypt = loadBcrypt()): AdminAuthSettings {
  const byName = new Map(users.map((u) => [u.username, u]));
  const cost = users.reduce((most, u) => Math.max(most, bcryptCost(u.password)), 4);
  const dummyHash = bcrypt.hashSync(randomBytes(18).toString('base64'), cost);
  return {
    type: 'credentials',
    users: users.map((u) => ({ username: u.username, password: u.password, permissions: u.permissions })),
    async authenticate(username: unknown, password: unknown): Promise<{ username: string; permissions: string } | null> {
      const name = typeof username === 'string' ? username : textOf((username as { username?: unknown } | null)?.username ?? '');
      const user = byName.get(name);
      let match = false;
      try {
        match = await bcrypt.compare(typeof password === 'string' ? password : '', user?.password ?? dummyHash);
      } catch {
        match = false; // a malformed stored hash: no login, same as a wrong password
      }
      return match && user ? { username: user.username, permissions: user.permissions } : null;
    },
  };
}
