// Saved modbus-device configs, brought forward (lib/config/migrate.ts).
import type { Migration, SavedConfig } from '../../lib/config/migrate';

/** Poll groups saved with `intervalMs` (as lib's DevicePoller names it) get the form's `interval`. */
function groupsWithInterval(groups: unknown): unknown {
  let list = groups;
  if (typeof groups === 'string') {
    try {
      list = JSON.parse(groups);
    } catch {
      return groups; // not JSON: left for the node to refuse with the field named
    }
  }
  if (!Array.isArray(list)) return groups;
  return list.map((g: unknown) => {
    if (!g || typeof g !== 'object') return g;
    const { intervalMs, ...rest } = g as Record<string, unknown>;
    return rest.interval === undefined && intervalMs !== undefined ? { ...rest, interval: intervalMs } : rest;
  });
}

export const modbusDeviceMigrations: Migration[] = [
  {
    version: 1,
    describe: 'type edgegw-modbus-device; poll groups name their period `interval` (ms), not `intervalMs`',
    up: (c: SavedConfig) => (c.groups === undefined ? c : { ...c, groups: groupsWithInterval(c.groups) }),
  },
];
