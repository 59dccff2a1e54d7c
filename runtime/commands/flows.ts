// `edge-gateway flows migrate FILE`: rewrites a flows file or an exported flow saved by an earlier
// release (former type names such as `watchdog`, older config versions) for the current nodes.
// The edge-gateway runtime does the same to its own flows.json on start; this is for a palette
// install's flows file, exports kept elsewhere, and a look at what would change (--check).
//
// Exit codes: 0 migrated (or nothing to do); 1 with --check, something would change; 2 bad usage
// or a file that is not a flows array.
import { checkFlowsFile, migrateFlowsFile } from '../flows-file';
import { UsageError, type Subcommand } from './io';

const HELP = `usage:
  edge-gateway flows migrate [--check] [--out OUT] FILE

migrate   rewrites FILE (a flows.json or an exported flow) for the current node types and
          config versions; FILE as it was is kept as FILE.before-migration. Nodes of another
          module that uses one of our former type names (e.g. another "watchdog") keep theirs.
          --check   only says what would change (exit 1 if anything would)
          --out OUT writes the result to OUT and leaves FILE as it is`;

export const flowsCommand: Subcommand = async (argv, io) => {
  const [action, ...rest] = argv;
  if (action === undefined) throw new UsageError('flows needs an action: migrate (see edge-gateway flows --help)');
  if (action === '--help' || action === '-h' || action === 'help' || rest.includes('--help') || rest.includes('-h')) {
    io.stdout.write(HELP + '\n');
    return 0;
  }
  if (action !== 'migrate') throw new UsageError(`unknown flows action "${action}" (migrate)`);
  let check = false;
  let out: string | undefined;
  const files: string[] = [];
  for (let i = 0; i < rest.length; i++) {
    if (rest[i] === '--check') check = true;
    else if (rest[i] === '--out') {
      out = rest[++i];
      if (!out) throw new UsageError('--out needs a file name');
    } else if (rest[i].startsWith('--')) throw new UsageError(`unknown option ${rest[i]}`);
    else files.push(rest[i]);
  }
  if (files.length !== 1) throw new UsageError('flows migrate needs exactly one FILE');
  const file = files[0];
  const loadable = checkFlowsFile(file);
  if (!loadable.ok) throw new UsageError(`${file} ${loadable.reason}`);
  const m = migrateFlowsFile(file, { check, out, keepAs: `${file}.before-migration` });
  io.stdout.write(`${file}: ${m.summary}\n`);
  if (check) return m.changed ? 1 : 0;
  if (m.writtenTo === out && out) io.stdout.write(`written to ${out}\n`);
  else if (m.writtenTo) io.stdout.write(`${file} rewritten; as it was: ${m.keptAs}\n`);
  return 0;
};
