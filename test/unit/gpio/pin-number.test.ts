// The sysfs GPIO number of a chip's line, against gpiochip layouts of Raspberry Pi boards laid
// out in a temporary sysfs root.
//
// Where the layouts come from (this machine has no GPIO; none was recorded here):
// - Pi 5, Raspberry Pi OS kernel 6.6: bases 512, 529, 535, 567, 571 from a recorded
//   `ls -la /sys/class/gpio` of a Pi 5 (a public field report found through code search), and
//   571 labelled pinctrl-rp1 with 54 lines as several public Pi 5 projects read it
//   (/sys/class/gpio/gpiochip571/label, "BCM N = sysfs 571+N"). The four brcmstb chips' line
//   counts are the gaps between their bases; their labels are assumed (gpio-brcmstb@<address>),
//   which does not change the computation: it looks chips up by label or name.
// - Pi 4, kernel 6.6: pinctrl-bcm2711 at 512 (58 lines) and the firmware's raspberrypi-exp-gpio at
//   570 (8 lines), as public Pi 4 test layouts and field reports give them (GPIO17 = 529).
// - Pi 4, kernel 6.1 and earlier: pinctrl-bcm2711 pinned at 0, raspberrypi-exp-gpio at 504 (the
//   old ARCH_NR_GPIOS 512 minus its 8 lines, allocated from the top); from memory of those
//   kernels, not a recording.
import { test, describe, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GpioLineError, readGpioChips, sysfsGpioNumber, type GpioChip } from '../../../lib/gpio/pin-number';

type Layout = Array<[label: string, base: number, ngpio: number]>;
const PI5_KERNEL_6_6: Layout = [
  ['gpio-brcmstb@107d508500', 512, 17],
  ['gpio-brcmstb@107d508520', 529, 6],
  ['gpio-brcmstb@107d517c00', 535, 32],
  ['gpio-brcmstb@107d517c20', 567, 4],
  ['pinctrl-rp1', 571, 54],
];
const PI4_KERNEL_6_6: Layout = [
  ['pinctrl-bcm2711', 512, 58],
  ['raspberrypi-exp-gpio', 570, 8],
];
const PI4_KERNEL_6_1: Layout = [
  ['pinctrl-bcm2711', 0, 58],
  ['raspberrypi-exp-gpio', 504, 8],
];

const roots: string[] = [];
function sysfs(layout: Layout): string {
  const root = mkdtempSync(join(tmpdir(), 'edgegw-gpio-'));
  roots.push(root);
  const dir = join(root, 'class', 'gpio');
  mkdirSync(dir, { recursive: true });
  // the control files sit beside the chips, as in the real directory
  writeFileSync(join(dir, 'export'), '');
  writeFileSync(join(dir, 'unexport'), '');
  for (const [label, base, ngpio] of layout) {
    mkdirSync(join(dir, `gpiochip${base}`));
    writeFileSync(join(dir, `gpiochip${base}`, 'base'), `${base}\n`);
    writeFileSync(join(dir, `gpiochip${base}`, 'label'), `${label}\n`);
    writeFileSync(join(dir, `gpiochip${base}`, 'ngpio'), `${ngpio}\n`);
  }
  return root;
}

describe('sysfs GPIO numbers', () => {
  afterEach(() => {
    for (const r of roots.splice(0)) rmSync(r, { recursive: true, force: true });
  });

  test('Raspberry Pi 5, kernel 6.6: header GPIO17 is 588 on pinctrl-rp1', async () => {
    const chips = await readGpioChips(sysfs(PI5_KERNEL_6_6));
    assert.deepEqual(chips.at(-1), { name: 'gpiochip571', base: 571, label: 'pinctrl-rp1', ngpio: 54 });
    assert.equal(sysfsGpioNumber(chips, '', 17), 588, 'blank: the header chip');
    assert.equal(sysfsGpioNumber(chips, 'pinctrl-rp1', 17), 588);
    assert.equal(sysfsGpioNumber(chips, 'gpiochip571', 0), 571);
    assert.equal(sysfsGpioNumber(chips, 'pinctrl-rp1', 53), 624);
    assert.equal(sysfsGpioNumber(chips, 'gpio-brcmstb@107d508500', 3), 515);
  });

  test('Raspberry Pi 4, kernel 6.6: header GPIO17 is 529; the firmware expander starts at 570', async () => {
    const chips = await readGpioChips(sysfs(PI4_KERNEL_6_6));
    assert.equal(sysfsGpioNumber(chips, '', 17), 529);
    assert.equal(sysfsGpioNumber(chips, 'pinctrl-bcm2711', 4), 516);
    assert.equal(sysfsGpioNumber(chips, 'raspberrypi-exp-gpio', 2), 572);
  });

  test('Raspberry Pi 4, kernel 6.1: the same line names give the old numbers', async () => {
    const chips = await readGpioChips(sysfs(PI4_KERNEL_6_1));
    assert.equal(sysfsGpioNumber(chips, '', 17), 17);
    assert.equal(sysfsGpioNumber(chips, 'raspberrypi-exp-gpio', 2), 506);
  });

  test('a line past the chip, an unknown chip, a shared label and no GPIO at all are errors naming them', async () => {
    const chips = await readGpioChips(sysfs(PI5_KERNEL_6_6));
    assert.throws(
      () => sysfsGpioNumber(chips, 'pinctrl-rp1', 54),
      (e: unknown) => e instanceof GpioLineError && e.chip === 'pinctrl-rp1' && e.line === 54 && e.message === 'pinctrl-rp1 line 54: pinctrl-rp1 has lines 0-53',
    );
    assert.throws(
      () => sysfsGpioNumber(chips, 'pinctrl-bcm2711', 17),
      /pinctrl-bcm2711 line 17: no such chip; chips: gpio-brcmstb@107d508500 \(gpiochip512, 17 lines\), .*pinctrl-rp1 \(gpiochip571, 54 lines\)/,
    );
    assert.throws(() => sysfsGpioNumber(chips, '', -1), /line -1: a line is a whole number from 0/);
    const twice: GpioChip[] = [
      { name: 'gpiochip512', base: 512, label: 'gpio-mockup', ngpio: 8 },
      { name: 'gpiochip520', base: 520, label: 'gpio-mockup', ngpio: 8 },
    ];
    assert.throws(() => sysfsGpioNumber(twice, 'gpio-mockup', 1), /2 chips carry this label \(gpiochip512, gpiochip520\)/);
    assert.equal(sysfsGpioNumber(twice, 'gpiochip520', 1), 521);
    // this machine's case: no GPIO class in sysfs
    const none = await readGpioChips(join(tmpdir(), 'edgegw-no-such-sysfs'));
    assert.deepEqual(none, []);
    assert.throws(() => sysfsGpioNumber(none, '', 17), /no chip labelled pinctrl-rp1, pinctrl-bcm2711, pinctrl-bcm2835; name one of: none: no GPIO chip in sysfs on this host/);
  });

  test('a chip with an unreadable or non-numeric base is an error naming the chip', async () => {
    const root = sysfs([['pinctrl-rp1', 571, 54]]);
    writeFileSync(join(root, 'class', 'gpio', 'gpiochip571', 'base'), 'x\n');
    await assert.rejects(readGpioChips(root), /gpiochip571: base "x" and ngpio "54" must be whole numbers/);
    rmSync(join(root, 'class', 'gpio', 'gpiochip571', 'label'));
    await assert.rejects(readGpioChips(root), /gpiochip571: label cannot be read \(ENOENT\)/);
  });
});
