// `edge-gateway profiles list|check`: the device profiles a gateway would load (shipped, and those
// of a user directory), and a profile file checked by the same reader the nodes use, its first
// problem printed as FILE:LINE FIELD: REASON.
//
// Exit codes: 0 fine; 1 a profile was refused (check: the file; list: any file of the folders,
// each printed on stderr, the loaded ones still listed); 2 bad usage or a file that cannot be read.
import { FILE_LIMITS, FileReadError, readBoundedFile } from '../../lib/system/fs/bounded-read';
import { ProfileError } from '../../lib/profiles/errors';
import { ProfileLibrary } from '../../lib/profiles/library';
import { parseProfile } from '../../lib/profiles/parse';
import { profileFolders } from '../../lib/profiles/shipped';
import { summarize } from '../../lib/profiles/types';
import { DEFAULTS } from '../settings';
import { UsageError, type CliIO, type Subcommand } from './io';

const HELP = `usage:
  edge-gateway profiles list [--user-dir DIR] [--json]
  edge-gateway profiles check FILE

list    the device profiles the gateway loads: those shipped with the package and those in
        <user-dir>/profiles/ (a user's profile of a shipped id takes its place). Files that are
        refused are printed on stderr as FILE:LINE FIELD: REASON, and the exit code is 1.
check   reads one profile file (YAML or JSON) as the gateway would; its first problem is printed
        as FILE:LINE FIELD: REASON and the exit code is 1.`;

function format(e: ProfileError): string {
  return `${e.file}${e.line ? `:${e.line}` : ''} ${e.field || '(profile)'}: ${e.reason}`;
}

function check(file: string, io: CliIO): number {
  let text: string;
  try {
    text = readBoundedFile(file, { maxBytes: FILE_LIMITS.tagTable }).toString('utf8');
  } catch (err) {
    if (!(err instanceof FileReadError)) throw err;
    io.stderr.write(`edge-gateway profiles: ${err.message}\n`);
    return 2;
  }
  try {
    const p = summarize(parseProfile(text, file));
    io.stdout.write(`${file}: ${p.id} (${p.protocol}), ${p.name}: ${p.tags} tags${p.writable.length ? `, writable: ${p.writable.join(', ')}` : ''}\n`);
    return 0;
  } catch (err) {
    if (!(err instanceof ProfileError)) throw err;
    io.stderr.write(`${format(err)}\n`);
    return 1;
  }
}

function list(args: string[], io: CliIO): number {
  let userDir = process.env.EDGE_GATEWAY_USER_DIR || DEFAULTS.userDir;
  let json = false;
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    if (a === '--json') json = true;
    else if (a === '--user-dir') {
      userDir = args[++i] ?? '';
      if (!userDir) throw new UsageError('--user-dir needs a directory');
    } else throw new UsageError(`profiles list: unknown argument ${a} (see edge-gateway profiles --help)`);
  }
  const library = new ProfileLibrary(profileFolders(userDir));
  const profiles = library.list();
  if (json) io.stdout.write(`${JSON.stringify(profiles, null, 2)}\n`);
  else {
    const width = Math.max(2, ...profiles.map((p) => p.id.length));
    for (const p of profiles) io.stdout.write(`${p.id.padEnd(width)}  ${p.protocol.padEnd(6)}  ${p.origin.padEnd(7)}  ${String(p.tags).padStart(3)} tags  ${p.name}\n`);
    if (!profiles.length)
      io.stdout.write(
        `no profiles (looked in ${profileFolders(userDir)
          .map((f) => f.dir)
          .join(', ')})\n`,
      );
  }
  for (const e of library.refusals()) io.stderr.write(`${format(e)}\n`);
  return library.refusals().length ? 1 : 0;
}

export const profilesCommand: Subcommand = async (argv, io) => {
  const [action, ...rest] = argv;
  if (action === undefined) throw new UsageError('profiles needs an action: list or check (see edge-gateway profiles --help)');
  if (action === '--help' || action === '-h' || action === 'help' || rest.includes('--help') || rest.includes('-h')) {
    io.stdout.write(`${HELP}\n`);
    return 0;
  }
  switch (action) {
    case 'list':
      return list(rest, io);
    case 'check':
      if (rest.length !== 1) throw new UsageError('profiles check needs exactly one FILE');
      return check(rest[0], io);
    default:
      throw new UsageError(`unknown profiles action "${action}" (list or check)`);
  }
};
