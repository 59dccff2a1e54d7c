// Saved forward-target configs, brought forward (lib/config/migrate.ts).
import type { Migration, SavedConfig } from '../../lib/config/migrate';

export const forwardTargetMigrations: Migration[] = [
  {
    version: 1,
    describe: 'type edgegw-forward-target; the InfluxDB API version (v1, v2) moves from `version` to `influxVersion`, `version` is the config version',
    up: (c: SavedConfig) => {
      const { version: influx, ...rest } = c;
      if (rest.influxVersion !== undefined || influx === undefined) return rest;
      return { ...rest, influxVersion: influx };
    },
  },
];
