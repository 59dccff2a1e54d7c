// 1-Wire readings as tag samples: the sensor's family-serial id is the tag (under one device) or
// the device (with one tag, `temperature`), so a sensor keeps its name whatever else is plugged in.
import type { TagSample } from '../tags/contract';
import type { SensorReading } from './bus';

export type OneWireNaming = 'tag' | 'device';

export interface OneWireTagOptions {
  /** the device of every tag when naming is 'tag' */
  device: string;
  naming: OneWireNaming;
  ts: number;
}

export function oneWireSamples(readings: readonly SensorReading[], options: OneWireTagOptions): TagSample[] {
  return readings.map((r) => {
    const where = options.naming === 'tag' ? { device: options.device, name: r.id } : { device: r.id, name: 'temperature' };
    const base = { ...where, ts: options.ts, unit: '°C', source: 'onewire' };
    return 'celsius' in r ? { ...base, value: r.celsius, quality: 'good' as const } : { ...base, value: null, quality: 'bad' as const, error: r.error };
  });
}
