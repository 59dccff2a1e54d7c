// What a stats node's config asks for: its fields (fields.ts) as a window configuration, the CSV
// report (when on) and where the open windows are kept. Errors name the field.
import { readFields, type FieldValues, type RawConfig } from '../config/fields';
import { underUserDir } from '../system/fs/user-dir';
import { STATS_FIELDS } from './fields';
import type { ReportConfig } from './report';
import { validateWindowConfig, type WindowConfig } from './windows';

const UNIT_MS = { s: 1000, min: 60_000, h: 3_600_000, d: 86_400_000 } as const;

export type StatsFields = FieldValues<typeof STATS_FIELDS.fields>;

export interface StatsNodeConfig {
  windows: WindowConfig;
  /** the CSV report, when the node writes one (its directory resolved against the user directory) */
  report?: ReportConfig;
  persist: StatsFields['persist'];
  /** how far ahead of now a sample's ts may be (ms); later ones are refused (sample-time.ts) */
  maxSkewMs: number;
  /** the open windows' database file, resolved against the user directory */
  dbPath: string;
  /** decimals of the figures; undefined: the samples' own (readableFigures) */
  decimals?: number;
}

/** The window configuration from the node's fields; throws naming the field. */
export function windowConfigOf(f: StatsFields): WindowConfig {
  const scale = f.windowBy === 'count' ? () => 1 : (unit: keyof typeof UNIT_MS) => UNIT_MS[unit];
  const config: WindowConfig = {
    kind: f.windowKind,
    by: f.windowBy,
    length: Math.round(f.length * scale(f.lengthUnit)),
    percentiles: f.percentiles,
    graceMs: f.graceSec * 1000,
  };
  if (config.kind === 'sliding') config.hop = Math.round(f.hop * scale(f.hopUnit));
  if (f.windowBy === 'time' && f.align) config.timeZone = f.timeZone || Intl.DateTimeFormat().resolvedOptions().timeZone;
  validateWindowConfig(config);
  return config;
}

/** The node's settings; throws ConfigFieldError (or the window's StatsConfigError) naming the field. */
export function readStatsConfig(raw: RawConfig, userDir: string): StatsNodeConfig {
  const f = readFields(STATS_FIELDS, raw);
  const windows = windowConfigOf(f);
  const config: StatsNodeConfig = { windows, persist: f.persist, maxSkewMs: f.maxSkew * 1000, dbPath: underUserDir(f.dbFile, userDir), decimals: f.decimals };
  if (f.report) {
    config.report = {
      dir: underUserDir(f.reportDir, userDir),
      per: f.reportPer,
      timeZone: windows.timeZone ?? Intl.DateTimeFormat().resolvedOptions().timeZone,
      retentionDays: f.retentionDays,
      prefix: f.reportPrefix,
    };
  }
  return config;
}
