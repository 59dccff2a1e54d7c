// `edge-gateway admin add-user NAME`: stores a bcrypt hash of the password in the settings file
// (--config FILE, or <user-dir>/edge-gateway.json), which the runtime turns into Node-RED's
// adminAuth. The password is read from stdin (one line) or prompted on a terminal.
import { existsSync, mkdirSync, writeFileSync, chmodSync } from 'node:fs';
import { dirname } from 'node:path';
import { createInterface } from 'node:readline';
import { readSettingsFile, defaultSettingsFile, DEFAULTS, SettingsError, type AdminUser } from '../settings';
import { requireRuntimePackage } from './resolve';
import { UsageError, type CliIO } from './commands/io';

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

export async function adminCommand(argv: string[], io: CliIO, loadYaml: () => any): Promise<number> {
  const [sub, ...rest] = argv;
  if (sub !== 'add-user') throw new UsageError(`unknown admin command "${sub ?? ''}" (known: add-user NAME [--permissions *|read] [--config FILE | --user-dir DIR])`);
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
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, yaml ? loadYaml().dump(data) : JSON.stringify(data, null, 2) + '\n', { mode: 0o600 });
  chmodSync(file, 0o600);
  io.stdout.write(`${idx >= 0 ? 'updated' : 'added'} admin user "${name}" (permissions ${permissions}) in ${file}\n`);
  return 0;
}

export { SettingsError };
