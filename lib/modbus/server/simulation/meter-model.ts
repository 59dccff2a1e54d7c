// An energy meter's quantities, as a simulated meter serves them: phase voltages near 230 V,
// currents on a slow load curve, power = V x I x pf, energy counters that only grow, a mains
// frequency near 50 Hz, and a plausible configuration in the holding registers (a serial number,
// the node address, 9600 baud). A tag of a meter template is matched to its quantity by its unit
// and the words of its name (l1_voltage, total_power, max_total_power_demand ...), so every
// template of an Eastron-style register map reads sensible values without a table per model.
import type { TagDef } from '../../types';

const SQRT3 = Math.sqrt(3);

/** The instantaneous electrical state of each phase. */
interface Phase {
  volts: number;
  amps: number;
  powerFactor: number;
}

/** What a meter fresh out of its box reports in its holding registers (configuration), by tag name. */
const CONFIGURATION: Readonly<Record<string, number>> = {
  // minutes
  demand_period: 60,
  demand_time: 1,
  // 3: three phase, four wire
  system_type: 3,
  // ms
  pulse_width: 100,
  // 0: one stop bit, no parity
  parity_stop: 0,
  // 2: 9600 baud
  baud_rate: 2,
  // 4: import and export energy on pulse output 1
  pulse1_output_mode: 4,
  // 0: no scrolling
  time_of_scroll_display: 0,
  // 0: 0.001 kWh a pulse
  pulse1_output: 0,
  // 1: total import
  measurement_mode: 1,
  system_voltage: 230,
  system_current: 100,
};

export class MeterModel {
  /** kWh imported so far; grows with the total power on every advance() */
  private imported: number;
  private readonly exported: number;
  private lastSeconds: number | undefined;

  constructor(
    /** 1 or 3: a template without l2/l3 tags is a single-phase meter */
    readonly phaseCount: 1 | 3,
    /** the unit id: the serial number and node address, and an offset so two meters differ */
    readonly unit: number,
  ) {
    this.imported = 1234.5 + 10 * unit;
    this.exported = 12.25;
  }

  /** Integrates the energy counters up to `seconds` (epoch seconds); at most 10 s a step, so a stalled process does not leap. */
  advance(seconds: number): void {
    if (this.lastSeconds !== undefined) {
      const dt = Math.min(10, Math.max(0, seconds - this.lastSeconds));
      this.imported += (this.totalPower(seconds) * dt) / 3_600_000;
    }
    this.lastSeconds = seconds;
  }

  /** The value a tag of the template reads at `seconds`. */
  value(tag: TagDef, seconds: number): number {
    const name = tag.name.toLowerCase();
    if (name in CONFIGURATION) return CONFIGURATION[name];
    if (name === 'serial_number') return 19_000_000 + this.unit;
    if (name === 'node_address') return this.unit;
    const phases = this.phases(seconds);
    const phaseIndex = /(?:^|_)l([123])(?:_|$)/.exec(name);
    // a quantity of one phase, or of all: summed (power, a sum of currents) or averaged (volts,
    // power factors, angles: their "total" is the mean)
    const pick = (f: (p: Phase) => number, summed = true): number => {
      if (phaseIndex && !/l\d_l\d/.test(name)) return f(phases[Number(phaseIndex[1]) - 1] ?? phases[0]);
      const values = phases.map(f);
      const sum = values.reduce((a, b) => a + b, 0);
      if (/(?:^|_)avg(?:_|$)/.test(name)) return sum / values.length;
      if (/(?:^|_)(total|sum)(?:_|$)/.test(name)) return summed ? sum : sum / values.length;
      return values[0];
    };
    // demands are averages over the demand period, maxima a little above them
    const demand = /max/.test(name) ? 1.3 : /demand/.test(name) ? 1.05 : 1;
    switch (tag.unit ?? '') {
      case 'V':
        return pick((p) => p.volts, false) * (/l\d_l\d|(?:^|_)ll(?:_|$)/.test(name) ? SQRT3 : 1);
      case 'A':
        if (/neutral/.test(name)) return demand * Math.abs(phases[0].amps - (phases[1]?.amps ?? phases[0].amps)) + 0.4;
        return demand * pick((p) => p.amps);
      case 'W':
        if (/export/.test(name)) return 0;
        return demand * pick((p) => p.volts * p.amps * p.powerFactor);
      case 'VA':
        return demand * pick((p) => p.volts * p.amps);
      case 'VAr':
        return pick((p) => p.volts * p.amps * Math.sin(Math.acos(p.powerFactor)));
      case '°':
        return pick((p) => (Math.acos(p.powerFactor) * 180) / Math.PI, false);
      case 'Hz':
        return 50 + 0.02 * Math.sin(seconds / 30);
      case '%':
        return /current/.test(name) ? 5 + Math.sin(seconds / 120) : 2 + 0.3 * Math.sin(seconds / 150);
      case 'kWh':
        return this.share(name, /export/.test(name) ? this.exported : /import/.test(name) ? this.imported : this.imported + this.exported);
      case 'kVArh':
        return this.share(name, (/export/.test(name) ? this.exported : this.imported) * 0.3);
      case 'kVAh':
        return this.share(name, this.imported * 1.1);
      case 'Ah':
        return this.share(name, (this.imported * 1000) / 230);
      default:
        if (/power_factor/.test(name)) return pick((p) => p.powerFactor, false);
        return 0;
    }
  }

  /** A phase's share of a counter (l1_import_energy), or the whole of it. */
  private share(name: string, total: number): number {
    return /(?:^|_)l[123](?:_|$)/.test(name) ? total / this.phaseCount : total;
  }

  private totalPower(seconds: number): number {
    return this.phases(seconds).reduce((sum, p) => sum + p.volts * p.amps * p.powerFactor, 0);
  }

  private phases(seconds: number): Phase[] {
    const out: Phase[] = [];
    for (let i = 0; i < this.phaseCount; i++) {
      const shift = i * 2.1 + this.unit;
      out.push({
        volts: 230 + 2 * Math.sin(seconds / 90 + shift),
        amps: Math.max(0.2, 12 + 6 * Math.sin(seconds / 300 + shift)),
        powerFactor: 0.9 + 0.05 * Math.sin(seconds / 600 + shift),
      });
    }
    return out;
  }
}
