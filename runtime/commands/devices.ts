// `edge-gateway devices list|accept ID|reject ID|remove ID` and `edge-gateway admin add-device ID`:
// the device registry of a user directory (devices.db, or devices.json without sqlite3), found as
// `admin add-user` finds it. A running gateway reads the change within seconds (it refreshes
// its registry), no restart: an accepted device's data enters the pipeline, a new login works.
// Every decision is audited to the user directory's audit.jsonl (actor cli:<login name>), where
// the running gateway audits the editor's.
import { join } from 'node:path';
import { DEFAULTS } from '../settings';
import { AuditLog } from '../../lib/audit/audit-log';
import { DeviceRegistryError, deviceView, openDeviceRegistry, type DeviceRegistry, type DeviceView } from '../../lib/registry';
import { cliActor, formatTable, UsageError, type CliIO, type Subcommand } from './io';

export const DEVICES_HELP = `usage:
  edge-gateway devices list [--pending] [--json] [--user-dir DIR]
  edge-gateway devices accept ID [--user-dir DIR]
  edge-gateway devices reject ID [--user-dir DIR]
  edge-gateway devices remove ID [--user-dir DIR]

list      every device of the registry: id, protocol, status, profile, address, last seen.
          --pending only the devices waiting to be accepted.
accept    lets a pending device's data into the pipeline (mqtt-device nodes ask the registry).
reject    keeps a device out: its announcements are ignored, its broker login refused.
remove    takes a device out of service (status retired): its broker login is dropped, its
          id kept so that it is never given to another device; accept brings it back.
Every accept, reject, remove and add-device is audited to <user-dir>/audit.jsonl.
A device unknown to the registry that publishes under the discovery topic (settings
discovery.topic, default devices/+/hello, on the embedded broker) appears as pending.
The registry is <user-dir>/devices.db (devices.json when the sqlite3 package is missing).`;

export const ADD_DEVICE_HELP = `add-device makes a broker login for a device (the registry's entry made, and accepted, if
          unknown) and prints its username and password once: only a scrypt hash is kept.
          --publish PREFIX (repeatable) adds a topic prefix it may publish under, beside
          devices/ID/, tele/ID/, stat/ID/ and ID/; --profile NAME records its profile.
          Once a device has a login, the embedded broker refuses a wrong password.`;

interface DeviceArgs {
  positional?: string;
  pending: boolean;
  json: boolean;
  userDir: string;
  publish: string[];
  profile?: string;
}

function parseDeviceArgs(command: string, argv: string[], flags: readonly string[]): DeviceArgs {
  const out: DeviceArgs = { pending: false, json: false, userDir: process.env.EDGE_GATEWAY_USER_DIR || DEFAULTS.userDir, publish: [] };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a.startsWith('-') && !flags.includes(a) && a !== '--user-dir') throw new UsageError(`${command}: unknown flag ${a}`);
    if (a === '--user-dir') out.userDir = argv[++i] ?? '';
    else if (a === '--pending') out.pending = true;
    else if (a === '--json') out.json = true;
    else if (a === '--publish') out.publish.push(argv[++i] ?? '');
    else if (a === '--profile') out.profile = argv[++i] ?? '';
    else if (out.positional === undefined) out.positional = a;
    else throw new UsageError(`${command}: unexpected argument "${a}"`);
  }
  if (!out.userDir) throw new UsageError(`${command}: --user-dir needs a directory`);
  return out;
}

async function withRegistry<T>(userDir: string, io: CliIO, work: (registry: DeviceRegistry) => Promise<T> | T): Promise<T> {
  const warn = (m: string) => io.stderr.write(`edge-gateway: warning: ${m}\n`);
  const audit = new AuditLog({ file: join(userDir, 'audit.jsonl'), ringSize: 1 });
  const { registry } = await openDeviceRegistry(userDir, { warn, info: (m) => io.stderr.write(`edge-gateway: ${m}\n`), audit });
  try {
    return await work(registry);
  } catch (err) {
    if (err instanceof DeviceRegistryError) throw new UsageError(err.message);
    throw err;
  } finally {
    await registry.close();
  }
}

function table(devices: DeviceView[]): string {
  return formatTable([
    ['ID', 'PROTOCOL', 'STATUS', 'PROFILE', 'ADDRESS', 'LOGIN', 'LAST SEEN'],
    ...devices.map((d) => [d.device_id, d.protocol ?? '-', d.status, d.profile ?? '-', d.address ?? '-', d.login ? 'yes' : '-', d.last_seen ?? '-']),
  ]);
}

const DONE = { accept: 'accepted', reject: 'rejected', remove: 'removed' } as const;

export const devicesCommand: Subcommand = async (argv, io) => {
  const [action, ...rest] = argv;
  if (action === undefined || action === '--help' || action === '-h' || action === 'help' || rest.includes('--help') || rest.includes('-h')) {
    io.stdout.write(DEVICES_HELP + '\n');
    return action === undefined ? 2 : 0;
  }
  if (action === 'list') {
    const args = parseDeviceArgs('devices list', rest, ['--pending', '--json']);
    if (args.positional !== undefined) throw new UsageError(`devices list: unexpected argument "${args.positional}"`);
    return withRegistry(args.userDir, io, (registry) => {
      const devices = (args.pending ? registry.pending() : registry.list()).map(deviceView);
      if (args.json) io.stdout.write(`${JSON.stringify(devices, null, 2)}\n`);
      else if (devices.length === 0) io.stdout.write(`no ${args.pending ? 'pending ' : ''}devices in ${registry.location}\n`);
      else io.stdout.write(`${table(devices)}\n`);
      return 0;
    });
  }
  if (action === 'accept' || action === 'reject' || action === 'remove') {
    const args = parseDeviceArgs(`devices ${action}`, rest, []);
    if (!args.positional) throw new UsageError(`devices ${action}: ID is required (see: edge-gateway devices list --pending)`);
    const id = args.positional;
    return withRegistry(args.userDir, io, (registry) => {
      const device = registry[action](id, cliActor());
      io.stdout.write(`device "${device.device_id}" ${DONE[action]} (status ${device.status}) in ${registry.location}\n`);
      return 0;
    });
  }
  throw new UsageError(`unknown devices action "${action}" (list, accept, reject, remove; see edge-gateway devices --help)`);
};

/** `edge-gateway admin add-device ID`: the username and password on stdout, once. */
export async function addDeviceCommand(argv: string[], io: CliIO): Promise<number> {
  const args = parseDeviceArgs('admin add-device', argv, ['--publish', '--profile']);
  if (!args.positional) throw new UsageError('admin add-device: ID is required (a-z, 0-9, _ and -, at most 64: the id in its topics)');
  const id = args.positional;
  return withRegistry(args.userDir, io, async (registry) => {
    const login = await registry.addCredentials(id, { profile: args.profile || undefined }, cliActor());
    if (args.publish.length) registry.allowPublish(id, args.publish);
    const device = registry.get(id);
    io.stderr.write(`broker login for device "${id}" in ${registry.location}; it may publish under ${device?.publish.join(', ')} and subscribe to ${device?.subscribe.join(', ')}\n`);
    io.stdout.write(`username: ${login.username}\npassword: ${login.password}\n`);
    io.stderr.write('This password is shown once: store it in the device now. The gateway keeps only a hash and cannot show it again.\n');
    return 0;
  });
}
