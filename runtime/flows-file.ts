// The flows file is checked before Node-RED reads it. Node-RED treats a truncated, empty or
// binary flows.json as "no flows" (and an object instead of an array breaks /health), starts
// an empty runtime and reports nothing. We decide instead:
//   - damaged, with a usable .flows.json.backup beside it: the damaged file is kept aside as
//     flows.json.damaged-<time>, the backup becomes flows.json, the runtime starts from it and
//     says so loudly (a warning in the log, /health "degraded" with the reason) until the next
//     deploy writes a fresh flows file;
//   - damaged, with no usable backup: the runtime refuses to start (exit 2) naming both files.
import { copyFileSync, existsSync, renameSync, writeFileSync } from 'node:fs';
import { FILE_LIMITS, FileReadError, readBoundedFile, readBoundedText } from '../lib/system/fs/bounded-read';
import { join } from 'node:path';
import { jsonErrorOffset } from './json-error-offset';
import { StartupError } from './resolve';
import { describeMigration, migrateFlows } from '../nodes/common/migrations';

export type FlowsCheck = { ok: true; nodes: number } | { ok: false; reason: string };

/** What the runtime did about a damaged flows file, for the log and /health. */
export interface FlowsRecovery {
  file: string;
  backup: string;
  reason: string;
  /** where the damaged file was kept */
  keptAs: string;
}

export function backupPathOf(userDir: string, flowFile: string): string {
  return join(userDir, `.${flowFile.replace(/\.json$/, '')}.json.backup`);
}

function lineColumn(text: string, offset: number): string {
  const before = text.slice(0, offset).split('\n');
  return `line ${before.length}, column ${before[before.length - 1].length + 1}`;
}

/** Reads a flows file and says whether Node-RED can run it, and if not, exactly why. */
export function checkFlowsFile(file: string): FlowsCheck {
  let bytes: Buffer;
  try {
    bytes = readBoundedFile(file, { maxBytes: FILE_LIMITS.flows });
  } catch (err) {
    if (!(err instanceof FileReadError)) throw err;
    return { ok: false, reason: err.reason };
  }
  if (bytes.length === 0 || bytes.toString('utf8').trim() === '') return { ok: false, reason: 'is empty' };
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    return { ok: false, reason: 'holds binary data, not UTF-8 JSON text' };
  }
  if (text.includes('\u0000')) return { ok: false, reason: 'holds binary data (NUL bytes), not JSON text' };
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (err) {
    const at = jsonErrorOffset(text);
    const where = at >= 0 ? ` at ${lineColumn(text, at)}` : '';
    const truncated = at >= text.trimEnd().length ? ' (truncated?)' : '';
    return { ok: false, reason: `is not valid JSON${where}${truncated}: ${(err as Error).message}` };
  }
  if (!Array.isArray(data)) {
    const what = data === null ? 'null' : typeof data === 'object' ? 'a JSON object' : `a JSON ${typeof data}`;
    return { ok: false, reason: `holds ${what}, not an array of nodes` };
  }
  for (let i = 0; i < data.length; i++) {
    const n = data[i] as Record<string, unknown> | null;
    if (!n || typeof n !== 'object' || Array.isArray(n) || typeof n.id !== 'string' || typeof n.type !== 'string') {
      return { ok: false, reason: `entry ${i} is not a node (an object with string "id" and "type")` };
    }
  }
  return { ok: true, nodes: data.length };
}

/**
 * Makes the flows file in `userDir` loadable or refuses: returns undefined when it is fine (or
 * absent: the caller installs the defaults), a FlowsRecovery when the backup replaced it, and
 * throws StartupError (exit code 2) when neither the file nor its backup can be used.
 */
export function ensureLoadableFlows(userDir: string, flowFile: string, now: () => Date = () => new Date()): FlowsRecovery | undefined {
  const file = join(userDir, flowFile);
  if (!existsSync(file)) return undefined;
  const check = checkFlowsFile(file);
  if (check.ok) return undefined;
  const backup = backupPathOf(userDir, flowFile);
  const backupCheck: FlowsCheck = existsSync(backup) ? checkFlowsFile(backup) : { ok: false, reason: 'does not exist' };
  if (!backupCheck.ok) {
    throw new StartupError(
      `the flows file ${file} ${check.reason}, and its backup ${backup} ${backupCheck.reason}.\n` +
        `Nothing was started. Repair ${file} or put a good copy in its place; ` +
        `or start with --reset-flows to replace it with the default flows (the damaged file is kept as a .bak copy).`,
      2,
    );
  }
  const keptAs = `${file}.damaged-${now().toISOString().replace(/[:.]/g, '-')}`;
  renameSync(file, keptAs);
  copyFileSync(backup, file);
  return { file, backup, reason: check.reason, keptAs };
}

/** What `migrateFlowsFile` found, and where it wrote. */
export interface FlowsFileMigration {
  file: string;
  /** whether any node was renamed or brought to a newer config version */
  changed: boolean;
  /** "types renamed: ...; N node config(s) brought ...; left to their own module: ..." */
  summary: string;
  /** where the file as it was is kept (when `file` itself was rewritten) */
  keptAs?: string;
  /** where the result was written, if anywhere */
  writtenTo?: string;
}

export interface FlowsFileMigrationOptions {
  /** write the result here instead of rewriting `file` (which then stays as it is) */
  out?: string;
  /** only say what would change */
  check?: boolean;
  /** the copy of `file` kept before it is rewritten (default: <file>.before-migration-<time>) */
  keepAs?: string;
  now?: () => Date;
}

/**
 * Migrates a loadable flows file saved by an earlier release (former type names, older config
 * versions) so Node-RED loads it with the current nodes. Rewriting `file` keeps the file as it was
 * beside it; a file that needs nothing is not touched. The runtime calls it on start,
 * `edge-gateway flows migrate` on any file.
 */
export function migrateFlowsFile(file: string, opts: FlowsFileMigrationOptions = {}): FlowsFileMigration {
  let text = readBoundedText(file, { maxBytes: FILE_LIMITS.flows });
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
  const result = migrateFlows(JSON.parse(text) as unknown[]);
  const changed = result.renamed.size > 0 || result.upgraded > 0;
  const done: FlowsFileMigration = { file, changed, summary: describeMigration(result) };
  if (opts.check || (!changed && !opts.out)) return done;
  const json = JSON.stringify(result.flows, null, 4) + '\n';
  if (opts.out) {
    writeFileSync(opts.out, json);
    return { ...done, writtenTo: opts.out };
  }
  const keptAs = opts.keepAs ?? `${file}.before-migration-${(opts.now ?? (() => new Date()))().toISOString().replace(/[:.]/g, '-')}`;
  copyFileSync(file, keptAs);
  writeFileSync(`${file}.migrating`, json);
  renameSync(`${file}.migrating`, file);
  return { ...done, keptAs, writtenTo: file };
}
