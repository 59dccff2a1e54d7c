// A temporary directory laid out like /sys/bus/w1/devices, for the onewire tests: sensors with a
// `temperature` file (kernel 5.x and later) or a `w1_slave` file, the bus master beside them.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** w1_slave as the w1_therm driver writes it: scratchpad, CRC verdict, then t= in millidegrees. */
export const W1_SLAVE = {
  // 0x0172 = 370 / 16 = 23.125 °C
  ok: '72 01 4b 46 7f ff 0e 10 57 : crc=57 YES\n72 01 4b 46 7f ff 0e 10 57 t=23125\n',
  // 0xff5e = -162 / 16 = -10.125 °C
  negative: '5e ff 4b 46 7f ff 02 10 ab : crc=ab YES\n5e ff 4b 46 7f ff 02 10 ab t=-10125\n',
  crcFailed: '72 01 4b 46 7f ff 0e 10 ff : crc=57 NO\n72 01 4b 46 7f ff 0e 10 ff t=23125\n',
  // 0x0550 = 1360 / 16 = 85 °C: the scratchpad as it is at power-on
  powerOnReset: '50 05 4b 46 7f ff 0c 10 1c : crc=1c YES\n50 05 4b 46 7f ff 0c 10 1c t=85000\n',
  allZeros: '00 00 00 00 00 00 00 00 00 : crc=00 YES\n00 00 00 00 00 00 00 00 00 t=0\n',
};

export class W1Sysfs {
  readonly root: string;
  private readonly base: string;

  constructor() {
    this.base = mkdtempSync(join(tmpdir(), 'edgegw-w1-'));
    this.root = join(this.base, 'devices');
    mkdirSync(join(this.root, 'w1_bus_master1'), { recursive: true });
  }

  /** A sensor reading through w1_slave. */
  slave(id: string, content: string): this {
    mkdirSync(join(this.root, id), { recursive: true });
    writeFileSync(join(this.root, id, 'w1_slave'), content);
    return this;
  }

  /** A sensor with a `temperature` file (millidegrees). */
  temperature(id: string, milli: string): this {
    mkdirSync(join(this.root, id), { recursive: true });
    writeFileSync(join(this.root, id, 'temperature'), `${milli}\n`);
    return this;
  }

  /** The sensor unplugged: the kernel removes its directory. */
  unplug(id: string): this {
    rmSync(join(this.root, id), { recursive: true, force: true });
    return this;
  }

  remove(): void {
    rmSync(this.base, { recursive: true, force: true });
  }
}
