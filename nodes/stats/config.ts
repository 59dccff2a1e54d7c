// The stats node's editor fields (lib/stats/fields.ts) as a window configuration, errors naming the field.
import type { NodeDef } from '../common/red';
import { readFields, type FieldValues } from '../../lib/config/fields';
import { STATS_FIELDS } from '../../lib/stats/fields';
import { validateWindowConfig, type WindowConfig } from '../../lib/stats/windows';

const UNIT_MS = { s: 1000, min: 60_000, h: 3_600_000, d: 86_400_000 } as const;

export interface StatsDef extends NodeDef {
  windowKind?: string;
  windowBy?: string;
  length?: string | number;
  lengthUnit?: string;
  hop?: string | number;
  hopUnit?: string;
  align?: boolean;
  timeZone?: string;
  percentiles?: boolean;
  graceSec?: string | number;
  report?: boolean;
  reportDir?: string;
  reportPer?: string;
  reportPrefix?: string;
  retentionDays?: string | number;
  persist?: string;
  dbFile?: string;
}

export type StatsFields = FieldValues<typeof STATS_FIELDS.fields>;

/** The node's fields, read with their declarations; throws ConfigFieldError naming the field. */
export function statsFieldsOf(def: StatsDef): StatsFields {
  return readFields(STATS_FIELDS, def);
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
