// Versioned configuration: a node's saved config carries `version`, and a list of migrations
// brings an older one forward step by step, so a flow saved by any earlier release loads as the
// current node expects it. The pattern of node-red-contrib-home-assistant-websocket's
// helpers/migrate.ts: each step names the version it produces and changes only what it must.

/** A node's saved configuration, as Node-RED hands it to the constructor or stores it in flows.json. */
export type SavedConfig = Record<string, unknown>;

export interface Migration {
  /** the version this step produces; steps run in ascending order from the saved version */
  version: number;
  /** what the step changes, for the log and the docs */
  describe: string;
  /** returns the migrated config; never mutates its argument */
  up(config: SavedConfig): SavedConfig;
}

export class MigrationError extends Error {
  constructor(
    readonly nodeType: string,
    readonly version: number,
    readonly nodeId: string | undefined,
    reason: string,
  ) {
    super(`${nodeType}${nodeId ? ` ${nodeId}` : ''}: migration to version ${version} failed: ${reason}`);
    this.name = 'MigrationError';
  }
}

/** The version a saved config is at: a config saved before versions existed is version 0. */
export function savedVersion(config: SavedConfig): number {
  const v = Number(config.version);
  return Number.isInteger(v) && v >= 0 ? v : 0;
}

export function latestVersion(migrations: readonly Migration[]): number {
  return migrations.reduce((max, m) => Math.max(max, m.version), 0);
}

export interface Migrated {
  config: SavedConfig;
  from: number;
  to: number;
  /** the steps that ran, by their description */
  steps: string[];
}

/**
 * Brings `config` to the latest version of `migrations`. A config already at (or, from a newer
 * release, past) the latest version comes back as it is: a newer flow is never rewritten backwards.
 */
export function migrate(nodeType: string, config: SavedConfig, migrations: readonly Migration[]): Migrated {
  const from = savedVersion(config);
  const steps = [...migrations].filter((m) => m.version > from).sort((a, b) => a.version - b.version);
  let current = config;
  for (const step of steps) {
    try {
      current = { ...step.up(current), version: step.version };
    } catch (err) {
      throw new MigrationError(nodeType, step.version, typeof config.id === 'string' ? config.id : undefined, (err as Error).message);
    }
  }
  return { config: current, from, to: savedVersion(current), steps: steps.map((s) => s.describe) };
}
