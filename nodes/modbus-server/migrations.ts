// Saved modbus-server configs, brought forward (lib/config/migrate.ts).
import type { Migration, SavedConfig } from '../../lib/config/migrate';
import { legacyPersistence } from '../../lib/modbus/register-store/config';

export const modbusServerMigrations: Migration[] = [
  {
    version: 1,
    describe: 'type edgegw-modbus-server; the boolean `persist` becomes `persistence` (none, json or sqlite, by the file name)',
    up: (c: SavedConfig) => {
      const { persist, ...rest } = c;
      if (rest.persistence !== undefined && rest.persistence !== null && rest.persistence !== '') return rest;
      return { ...rest, persistence: legacyPersistence(persist, rest.persistFile) };
    },
  },
];
