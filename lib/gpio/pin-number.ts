// The sysfs GPIO number of a line on a named chip. Since Linux 6.2 gpiolib hands out chip bases
// dynamically from 512 (GPIO_DYNAMIC_BASE), and Raspberry Pi kernels 6.6 and later no longer pin
// the SoC's chip at 0: GPIO17 of a Pi 4 is 529, of a Pi 5 588. A chip's label is stable across
// kernels, its base is not, so users name the chip and the line, and the number is computed from
// <sys>/class/gpio/gpiochip*/{base,label,ngpio}.
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';

export interface GpioChip {
  /** the sysfs directory name, gpiochip<base> */
  name: string;
  base: number;
  label: string;
  ngpio: number;
}

/** A chip or line that cannot be resolved; carries which chip and line, and why. */
export class GpioLineError extends Error {
  constructor(
    readonly chip: string,
    readonly line: number | undefined,
    readonly reason: string,
  ) {
    super(`${chip}${line === undefined ? '' : ` line ${line}`}: ${reason}`);
    this.name = 'GpioLineError';
  }
}

/**
 * The chips whose lines are the 40-pin header, newest first: pinctrl-rp1 (Pi 5, through the RP1
 * south bridge), pinctrl-bcm2711 (Pi 4, Pi 400, CM4), pinctrl-bcm2835 (Pi 1-3, Zero).
 */
export const HEADER_CHIP_LABELS = ['pinctrl-rp1', 'pinctrl-bcm2711', 'pinctrl-bcm2835'] as const;

async function chipFile(dir: string, file: string): Promise<string> {
  try {
    return (await readFile(join(dir, file), 'utf8')).trim();
  } catch (err) {
    throw new GpioLineError(dir, undefined, `${file} cannot be read (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`);
  }
}

/** The GPIO chips sysfs lists, by base; none when the sysfs GPIO class is absent. */
export async function readGpioChips(sysRoot = '/sys'): Promise<GpioChip[]> {
  const dir = join(sysRoot, 'class', 'gpio');
  let entries: string[];
  try {
    entries = await readdir(dir);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw err;
  }
  const chips = await Promise.all(
    entries
      .filter((e) => /^gpiochip\d+$/.test(e))
      .map(async (name): Promise<GpioChip> => {
        const chipDir = join(dir, name);
        const [base, label, ngpio] = await Promise.all([chipFile(chipDir, 'base'), chipFile(chipDir, 'label'), chipFile(chipDir, 'ngpio')]);
        if (!/^\d+$/.test(base) || !/^\d+$/.test(ngpio)) throw new GpioLineError(name, undefined, `base ${JSON.stringify(base)} and ngpio ${JSON.stringify(ngpio)} must be whole numbers`);
        return { name, base: Number(base), label, ngpio: Number(ngpio) };
      }),
  );
  return chips.sort((a, b) => a.base - b.base);
}

/** The chip of the 40-pin header, if the host is a Raspberry Pi this knows. */
export function headerChip(chips: readonly GpioChip[]): GpioChip | undefined {
  for (const label of HEADER_CHIP_LABELS) {
    const chip = chips.find((c) => c.label === label);
    if (chip) return chip;
  }
  return undefined;
}

/**
 * The sysfs number of `line` on `chip`: a label ("pinctrl-rp1"), a sysfs name ("gpiochip571"),
 * or blank for the 40-pin header's chip.
 */
export function sysfsGpioNumber(chips: readonly GpioChip[], chip: string, line: number): number {
  const wanted = chip.trim();
  const shown = wanted || 'the header chip';
  if (!Number.isInteger(line) || line < 0) throw new GpioLineError(shown, line, 'a line is a whole number from 0');
  const available = () => (chips.length ? chips.map((c) => `${c.label} (${c.name}, ${c.ngpio} lines)`).join(', ') : 'none: no GPIO chip in sysfs on this host');
  let found: GpioChip | undefined;
  if (!wanted) {
    found = headerChip(chips);
    if (!found) throw new GpioLineError(shown, line, `no chip labelled ${HEADER_CHIP_LABELS.join(', ')}; name one of: ${available()}`);
  } else {
    const matches = chips.filter((c) => c.name === wanted || c.label === wanted);
    if (matches.length > 1) throw new GpioLineError(wanted, line, `${matches.length} chips carry this label (${matches.map((c) => c.name).join(', ')}): name one by its gpiochip<base>`);
    found = matches[0];
    if (!found) throw new GpioLineError(wanted, line, `no such chip; chips: ${available()}`);
  }
  if (line >= found.ngpio) throw new GpioLineError(found.label, line, `${found.label} has lines 0-${found.ngpio - 1}`);
  return found.base + line;
}
