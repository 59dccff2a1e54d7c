#!/usr/bin/env node
// The `edge-gateway` command: starts the gateway, or runs a subcommand (admin, modbus, dbc, calc, flows, devices, profiles).
import { parseArgs, resolveSettings, checkPorts, checkSecurity, helpText, SettingsError } from './settings';
import { RuntimeDependencyError, StartupError, requireRuntimePackage } from './resolve';
import { UsageError, isBrokenPipe, type CliIO, type Subcommand } from './commands/io';
import { redactUrlsInText } from '../lib/system/text/redact';
import { runtimeLangFromArgs, runtimeLangOf, setRuntimeLang } from './messages';

const SUBCOMMANDS: Record<string, { module: string; export: string }> = {
  modbus: { module: './commands/modbus', export: 'modbusCommand' },
  dbc: { module: './commands/dbc', export: 'dbcCommand' },
  calc: { module: './commands/calc', export: 'calcCommand' },
  flows: { module: './commands/flows', export: 'flowsCommand' },
  devices: { module: './commands/devices', export: 'devicesCommand' },
  profiles: { module: './commands/profiles', export: 'profilesCommand' },
};

const loadYaml = () => requireRuntimePackage<{ load(t: string): unknown; dump(v: unknown): string }>('js-yaml');

function fail(io: CliIO, message: string, code = 2): number {
  io.stderr.write(`edge-gateway: ${redactUrlsInText(message)}\n`);
  return code;
}

export async function main(argv: string[], io: CliIO = { stdin: process.stdin, stdout: process.stdout, stderr: process.stderr }): Promise<number> {
  // before the arguments are parsed: an unknown flag is told in the user's language too
  setRuntimeLang(runtimeLangFromArgs(argv, process.env));
  let args;
  try {
    args = parseArgs(argv);
  } catch (err) {
    return fail(io, (err as Error).message);
  }
  if (args.version) {
    const { packageVersion } = await import('./server');
    io.stdout.write(`edge-gateway ${packageVersion()}\n`);
    return 0;
  }
  const [sub, ...subArgs] = args.rest;
  if (args.help && !sub) {
    io.stdout.write(helpText() + '\n');
    return 0;
  }
  try {
    if (sub === 'admin') {
      const { adminCommand } = await import('./admin');
      return await adminCommand(subArgs, io, loadYaml);
    }
    if (sub && SUBCOMMANDS[sub]) {
      const entry = SUBCOMMANDS[sub];
      const cmd = require(entry.module)[entry.export] as Subcommand;
      return await cmd(args.help ? ['--help', ...subArgs] : subArgs, io);
    }
    if (sub) return fail(io, `unknown command "${sub}" (see edge-gateway --help)`);
    return await runGateway(args, io);
  } catch (err) {
    if (isBrokenPipe(err)) return 0;
    if (err instanceof UsageError || err instanceof SettingsError || err instanceof RuntimeDependencyError) return fail(io, err.message);
    if (err instanceof StartupError) return fail(io, err.message, err.exitCode);
    return fail(io, (err as Error).stack ?? String(err), 1);
  }
}

async function runGateway(args: ReturnType<typeof parseArgs>, io: CliIO): Promise<number> {
  // before the first async file or SQLite call starts libuv's pool (runtime/thread-pool.ts)
  const { sizeThreadPool } = await import('./thread-pool');
  sizeThreadPool();
  const settings = resolveSettings(args, process.env, loadYaml);
  // the settings file may name the language; --lang, read above, wins in resolveSettings as everywhere
  const lang = runtimeLangOf(settings.lang);
  if (lang) setRuntimeLang(lang);
  checkPorts(settings);
  checkSecurity(settings);
  // before anything allocates much: the memory budget of an edge box (runtime/heap-budget.ts)
  const { limitYoungGeneration, limitOldGenerationGrowth, mayOptimizeForSize, HeapGovernor } = await import('./heap-budget');
  const young = limitYoungGeneration().limited;
  const old = limitOldGenerationGrowth().percent !== undefined;
  const size = mayOptimizeForSize().forSize;
  if (young || old || size) {
    new HeapGovernor({
      young,
      old,
      size,
      onChange: (busy, mbps) =>
        io.stderr.write(
          busy
            ? `[edge-gateway] busy (${mbps.toFixed(0)} MB/s allocated): V8's young generation may grow, the old one by 50% between collections, V8 optimizes for speed\n`
            : `[edge-gateway] quiet (${mbps.toFixed(1)} MB/s allocated): V8's young generation held at its initial size, the old one grows as V8 likes, V8 optimizes for size\n`,
        ),
    });
  }
  const { startGateway } = await import('./server');
  const gw = await startGateway(settings);
  await new Promise<void>((resolve) => {
    const stop = (signal: string) => {
      io.stderr.write(`[edge-gateway] ${signal}: stopping flows\n`);
      // Flows get their close handlers; the process exits within 10 s whatever happens.
      const guard = setTimeout(() => {
        io.stderr.write('[edge-gateway] flows did not stop within 9 s, exiting\n');
        process.exit(1);
      }, 9000);
      guard.unref();
      gw.stop()
        .catch((err) => io.stderr.write(`[edge-gateway] error while stopping: ${(err as Error).message}\n`))
        .finally(() => {
          clearTimeout(guard);
          resolve();
        });
    };
    process.once('SIGTERM', () => stop('SIGTERM'));
    process.once('SIGINT', () => stop('SIGINT'));
  });
  return 0;
}

if (require.main === module) {
  // `edge-gateway dbc decode ... | head`: when the reader closes the pipe, writes fail with
  // EPIPE (Node ignores SIGPIPE). That is a normal end of the command: exit 0, no trace.
  process.stdout.on('error', (err) => {
    if (isBrokenPipe(err)) process.exit(0);
    process.stderr.write(`edge-gateway: cannot write the output: ${(err as Error).message}\n`);
    process.exit(1);
  });
  main(process.argv.slice(2)).then(
    (code) => {
      // Let stdout drain, then exit: a stray handle must not keep a stopped gateway alive.
      process.stdout.write('', () => process.exit(code));
    },
    (err) => {
      console.error(err);
      process.exit(1);
    },
  );
}
