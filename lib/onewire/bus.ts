// The 1-Wire temperature sensors the Linux w1 subsystem lists under a root (by default
// /sys/bus/w1/devices): discovered anew at every read, known by their family-serial id
// (28-0316a2792cff), which the kernel derives from the sensor's ROM and so never changes.
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parseTemperatureFile, parseW1Slave, W1ReadingError } from './w1-reading';

export const DEFAULT_W1_ROOT = '/sys/bus/w1/devices';

/**
 * The families the w1_therm driver reads: 10 DS18S20, 22 DS1822, 28 DS18B20, 3b DS1825, 42 DS28EA00.
 * Other devices on the bus (switches, EEPROMs) and the bus masters are not temperatures.
 */
const THERMOMETER_ID = /^(10|22|28|3b|42)-[0-9a-f]{12}$/;

export type SensorReading = { id: string; celsius: number } | { id: string; error: string };

export class OneWireBus {
  /** every sensor seen since this bus was created: one that disappears is reported, not forgotten */
  private readonly known = new Set<string>();

  constructor(readonly root: string = DEFAULT_W1_ROOT) {}

  /** The ids listed now (sorted), plus the known ones gone, each with its reading or the reason. */
  async read(): Promise<SensorReading[]> {
    let entries: string[];
    try {
      entries = await readdir(this.root);
    } catch (err) {
      // no w1 bus (module not loaded, overlay off): every known sensor is gone with that reason
      const reason = `${this.root} cannot be listed (${(err as NodeJS.ErrnoException).code ?? (err as Error).message}): is the w1 bus enabled?`;
      return [...this.known].sort().map((id) => ({ id, error: reason }));
    }
    const present = entries.filter((e) => THERMOMETER_ID.test(e)).sort();
    for (const id of present) this.known.add(id);
    const readings = await Promise.all(present.map((id) => this.readSensor(id)));
    const gone = [...this.known].filter((id) => !present.includes(id)).sort();
    return [...readings, ...gone.map((id) => ({ id, error: `sensor ${id} is no longer listed under ${this.root}` }))];
  }

  private async readSensor(id: string): Promise<SensorReading> {
    const dir = join(this.root, id);
    // `temperature` (kernel 5.x and later) converts and answers in one read; w1_slave elsewhere
    for (const [name, parse] of [
      ['temperature', parseTemperatureFile],
      ['w1_slave', parseW1Slave],
    ] as const) {
      const file = join(dir, name);
      let text: string;
      try {
        text = await readFile(file, 'utf8');
      } catch (err) {
        const code = (err as NodeJS.ErrnoException).code;
        if (code === 'ENOENT' && name === 'temperature') continue;
        return { id, error: `${file}: cannot be read (${code ?? (err as Error).message})` };
      }
      try {
        return { id, celsius: parse(text, file) / 1000 };
      } catch (err) {
        return { id, error: err instanceof W1ReadingError ? err.message : String(err) };
      }
    }
    return { id, error: `${dir}: neither temperature nor w1_slave` };
  }
}
