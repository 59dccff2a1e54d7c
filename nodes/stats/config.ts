// The stats node's editor fields as a window configuration (lib/stats), errors naming the field.
import type { NodeDef } from '../common/red';
import { validateWindowConfig, type WindowConfig } from '../../lib/stats/windows';

const UNIT_MS: Record<string, number> = { s: 1000, min: 60_000, h: 3_600_000, d: 86_400_000 };

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

/** The window configuration from the editor's fields; throws naming the field. */
export function windowConfigOf(def: StatsDef): WindowConfig {
  const by = (def.windowBy ?? 'time') as WindowConfig['by'];
  const scale = (unit: string | undefined, field: string) => {
    if (by === 'count') return 1;
    const ms = UNIT_MS[unit ?? 's'];
    if (!ms) throw new Error(`${field}: unit "${String(unit)}" is not s, min, h or d`);
    return ms;
  };
  const config: WindowConfig = {
    kind: (def.windowKind ?? 'tumbling') as WindowConfig['kind'],
    by,
    length: Math.round(Number(def.length) * scale(def.lengthUnit, 'lengthUnit')),
    percentiles: !!def.percentiles,
    graceMs: def.graceSec === undefined || def.graceSec === '' ? 1000 : Number(def.graceSec) * 1000,
  };
  if (config.kind === 'sliding') config.hop = Math.round(Number(def.hop) * scale(def.hopUnit, 'hopUnit'));
  if (by === 'time' && def.align) config.timeZone = def.timeZone?.trim() || Intl.DateTimeFormat().resolvedOptions().timeZone;
  validateWindowConfig(config);
  return config;
}
