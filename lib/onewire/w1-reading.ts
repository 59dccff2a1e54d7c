// What the Linux w1_therm driver writes for a temperature sensor: `temperature` (millidegrees
// Celsius, newer kernels) or `w1_slave` (the scratchpad bytes, the driver's CRC verdict, t=...).

/** A sensor file that did not yield a temperature; carries the file and why. */
export class W1ReadingError extends Error {
  constructor(
    readonly file: string,
    readonly reason: string,
  ) {
    super(`${file}: ${reason}`);
    this.name = 'W1ReadingError';
  }
}

/**
 * 85 °C is what a DS18B20 holds in its scratchpad from power-on until its first conversion: read
 * back, it means the conversion did not run (parasite power too weak, a brown-out, a loose wire),
 * not that the sensor is at 85 °C. Treated as a bad reading, as every w1 tool does.
 */
export const POWER_ON_RESET_MILLI = 85000;

function checkedMilli(file: string, milli: number): number {
  if (milli === POWER_ON_RESET_MILLI) throw new W1ReadingError(file, "85 °C is the sensor's power-on reset value: the conversion did not run (power or wiring)");
  return milli;
}

/** The `temperature` file: one integer of millidegrees. */
export function parseTemperatureFile(text: string, file: string): number {
  const t = text.trim();
  if (!/^-?\d+$/.test(t)) throw new W1ReadingError(file, `not a temperature in millidegrees: ${JSON.stringify(t)}`);
  return checkedMilli(file, Number(t));
}

/**
 * The `w1_slave` file:
 *   72 01 4b 46 7f ff 0e 10 57 : crc=57 YES
 *   72 01 4b 46 7f ff 0e 10 57 t=23125
 * The first line's YES is the driver's CRC check of the scratchpad; without it t= is noise.
 */
export function parseW1Slave(text: string, file: string): number {
  const [first = '', second = ''] = text.split('\n');
  if (!/\bcrc=[0-9a-f]{2}\b/i.test(first)) throw new W1ReadingError(file, `not in the w1_slave layout: ${JSON.stringify(first)}`);
  if (!/\bYES\s*$/.test(first)) throw new W1ReadingError(file, `CRC check failed: ${first.trim()}`);
  // nine zero bytes pass the CRC (the CRC of zeros is zero) but are a bus held low, no sensor:
  // a real scratchpad never reads so (its configuration byte always has its low five bits set)
  if (/^(00 ){9}:/.test(first.trim())) throw new W1ReadingError(file, 'scratchpad all zeros: no sensor answered (a bus held low or a broken data line)');
  const m = /\bt=(-?\d+)\s*$/.exec(second);
  if (!m) throw new W1ReadingError(file, `no t= value on the second line: ${JSON.stringify(second)}`);
  return checkedMilli(file, Number(m[1]));
}
