// Temperatures of the kernel's thermal zones (<sys>/class/thermal/thermal_zone*/temp, millidegrees
// Celsius, and type: "cpu-thermal" on a Raspberry Pi, "x86_pkg_temp", "soc_thermal"...).
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { HostFileError, readHostFile, countIn } from './host-file';

export type ThermalZone = { zone: string; type: string; celsius: number } | { zone: string; type: string; error: string };

/** Every thermal zone, in zone-number order; a zone that cannot be read carries the reason. */
export async function readThermalZones(sysRoot: string): Promise<ThermalZone[]> {
  const dir = join(sysRoot, 'class', 'thermal');
  let entries: string[];
  try {
    entries = await readdir(dir);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    // no thermal class at all (a VM, a container): no zones, which the caller reports
    if (code === 'ENOENT') return [];
    throw new HostFileError(dir, `cannot be listed (${code ?? (err as Error).message})`);
  }
  const zones = entries.filter((e) => /^thermal_zone\d+$/.test(e)).sort((a, b) => Number(a.slice(12)) - Number(b.slice(12)));
  return Promise.all(
    zones.map(async (zone): Promise<ThermalZone> => {
      // the type only names the zone: without it the zone still has a temperature to report
      const type = await readHostFile(dir, join(zone, 'type')).then(
        (t) => t.trim() || zone,
        () => zone,
      );
      try {
        const file = join(dir, zone, 'temp');
        const milli = countIn(file, 'the temperature', (await readHostFile(dir, join(zone, 'temp'))).trim());
        return { zone, type, celsius: Math.round(milli / 100) / 10 };
      } catch (err) {
        return { zone, type, error: (err as Error).message };
      }
    }),
  );
}

/** The zone that is the SoC: the first whose type names the CPU or SoC, else the first zone. */
export function socZone(zones: readonly ThermalZone[]): ThermalZone | undefined {
  return zones.find((z) => /cpu|soc|pkg/i.test(z.type)) ?? zones[0];
}
