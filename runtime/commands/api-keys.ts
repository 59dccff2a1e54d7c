// `edge-gateway admin add-key | list-keys | revoke-key`: the operator API's keys, in the keys file
// of a user directory (the settings file's api.keysFile, else <user-dir>/api-keys.json), the
// directory found as `admin add-user` finds it. A running gateway sees the change on its next
// request (it checks the file's stat), no restart. Every change is audited to the user
// directory's audit.jsonl, where the running gateway audits too.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { ApiKeyError, ApiKeyStore, type ApiKeyListing } from '../../lib/api/auth/api-key-store';
import { ApiKeyFileError } from '../../lib/api/auth/key-file';
import { isApiScope } from '../../lib/api/auth/scopes';
import { ApiSettingsError, parseApiAuthSettings } from '../../lib/api/auth/settings';
import { AuditLog } from '../../lib/audit/audit-log';
import { DEFAULTS, defaultSettingsFile, readSettingsFile } from '../settings';
import { cliActor, formatTable, UsageError, type CliIO } from './io';

export const API_KEY_COMMANDS = ['add-key', 'list-keys', 'revoke-key'] as const;
export type ApiKeyCommand = (typeof API_KEY_COMMANDS)[number];

export const API_KEYS_HELP = `add-key   makes a key for the operator API and prints it once: it is stored only as a hash and
          cannot be shown again. --scope read: every GET; write: tag and device writes, alarm
          acknowledgements (and read); admin: key management (and everything else).
list-keys lists the keys: id, name, scopes, created, last used, revoked (never a secret).
revoke-key revokes a key (by id, or the active key of that name); a running gateway refuses it
          from its next request on, without a restart.
Once a key exists every API caller needs one (Authorization: Bearer <key>), on this host too;
without keys (or a JWT issuer) the API answers only callers on this host.
The keys file is the settings file's api.keysFile, else <user-dir>/api-keys.json (mode 0600).`;

interface KeyArgs {
  positional?: string;
  scope?: string;
  json: boolean;
  file?: string;
  userDir: string;
}

function parseKeyArgs(cmd: ApiKeyCommand, argv: string[]): KeyArgs {
  const out: KeyArgs = { json: false, userDir: process.env.EDGE_GATEWAY_USER_DIR || DEFAULTS.userDir };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--scope' && cmd === 'add-key') out.scope = argv[++i] ?? '';
    else if (a === '--json' && cmd === 'list-keys') out.json = true;
    else if (a === '--config') out.file = argv[++i];
    else if (a === '--user-dir') out.userDir = argv[++i] ?? '';
    else if (a.startsWith('-')) throw new UsageError(`admin ${cmd}: unknown flag ${a}`);
    else if (cmd !== 'list-keys' && out.positional === undefined) out.positional = a;
    else throw new UsageError(`admin ${cmd}: unexpected argument "${a}"`);
  }
  return out;
}

/** The keys file as the runtime will find it: the settings file's api block, or the default. */
function keysFileOf(args: KeyArgs, loadYaml: () => { load(t: string): unknown }): string {
  const file = args.file ?? (process.env.EDGE_GATEWAY_CONFIG || defaultSettingsFile(args.userDir));
  const settings = existsSync(file) ? readSettingsFile(file, loadYaml) : {};
  try {
    return parseApiAuthSettings(settings.api, args.userDir).keysFile;
  } catch (err) {
    if (err instanceof ApiSettingsError) throw new UsageError(`${file}: ${err.message}`);
    throw err;
  }
}

function table(keys: ApiKeyListing[]): string {
  return formatTable([['ID', 'NAME', 'SCOPES', 'CREATED', 'LAST USED', 'REVOKED'], ...keys.map((k) => [k.id, k.name, k.scopes.join(','), k.created, k.lastUsed ?? '-', k.revoked ?? '-'])]);
}

export async function apiKeyCommand(cmd: ApiKeyCommand, argv: string[], io: CliIO, loadYaml: () => { load(t: string): unknown }): Promise<number> {
  const args = parseKeyArgs(cmd, argv);
  const file = keysFileOf(args, loadYaml);
  const store = new ApiKeyStore({
    file,
    audit: new AuditLog({ file: join(args.userDir, 'audit.jsonl'), ringSize: 1 }),
    warn: (m) => io.stderr.write(`edge-gateway: warning: ${m}\n`),
  });
  try {
    if (cmd === 'add-key') {
      if (!args.positional) throw new UsageError('admin add-key: NAME is required (letters, digits, . _ @ -)');
      if (!isApiScope(args.scope)) throw new UsageError('admin add-key: --scope must be read, write or admin');
      const { token, key } = store.create(args.positional, args.scope, cliActor());
      io.stderr.write(`added API key "${key.name}" (id ${key.id}, scopes ${key.scopes.join(', ')}) to ${file}\n`);
      io.stdout.write(`${token}\n`);
      io.stderr.write('This key is shown once: store it now. The gateway keeps only a hash and cannot show it again.\n');
      return 0;
    }
    if (cmd === 'revoke-key') {
      if (!args.positional) throw new UsageError('admin revoke-key: ID or NAME is required (see: edge-gateway admin list-keys)');
      const key = store.revoke(args.positional, cliActor());
      io.stdout.write(`revoked API key "${key.name}" (id ${key.id}) in ${file}\n`);
      return 0;
    }
    const keys = store.list();
    if (args.json) io.stdout.write(`${JSON.stringify(keys, null, 2)}\n`);
    else if (keys.length === 0) io.stdout.write(`no API keys in ${file} (add one: edge-gateway admin add-key NAME --scope read)\n`);
    else io.stdout.write(`${table(keys)}\n`);
    return 0;
  } catch (err) {
    if (err instanceof ApiKeyError || err instanceof ApiKeyFileError) throw new UsageError(`admin ${cmd}: ${err.message}`);
    throw err;
  }
}
