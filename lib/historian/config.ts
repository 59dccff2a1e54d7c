// What a historian node's config asks for, from its fields (fields.ts). Errors name the field.
import { ConfigFieldError, readFields, type FieldValues, type RawConfig } from '../config/fields';
import { underUserDir } from '../system/fs/user-dir';
import { DeadbandTableError, parseDeadbandTable, type DeadbandConfig } from './deadband';
import { HISTORIAN_FIELDS } from './fields';

export type HistorianFields = FieldValues<typeof HISTORIAN_FIELDS.fields>;

export interface HistorianConfig {
  /** the database file, resolved against the user directory */
  dbPath: string;
  retentionMs: number;
  batchSize: number;
  batchMs: number;
  deadband: DeadbandConfig;
}

const DAY_MS = 86_400_000;

/** The node's settings; throws ConfigFieldError naming the field. */
export function readHistorianConfig(raw: RawConfig, userDir: string): HistorianConfig {
  const f = readFields(HISTORIAN_FIELDS, raw);
  let perTag;
  try {
    perTag = parseDeadbandTable(f.deadbandTags);
  } catch (err) {
    if (err instanceof DeadbandTableError) throw new ConfigFieldError('deadbandTags', f.deadbandTags, `line ${err.line}: ${err.reason}`);
    throw err;
  }
  return {
    dbPath: underUserDir(f.dbFile, userDir),
    retentionMs: Math.round(f.retentionDays * DAY_MS),
    batchSize: f.batchSize,
    batchMs: f.batchMs,
    deadband: { absolute: f.deadbandAbs, percent: f.deadbandPct, maxIntervalMs: f.maxIntervalSec * 1000, perTag },
  };
}
