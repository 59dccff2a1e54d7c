// A modbus-server unit simulating a device of a shipped template (lib/modbus/templates): every
// register of the template's map is served (the server's areas are widened to hold them, so a
// poll of the whole template draws no exception), with a meter's plausible values from the first
// request on. Measurements (input registers, discrete inputs) move once a tick; the holding
// registers (the device's configuration) are set once, before the register store loads, so what
// remote masters wrote, and the store kept, wins over the factory values.
import { loadTemplate, templateNames, TemplateNotFoundError } from '../../templates';
import type { TagDef } from '../../types';
import { tagWidth } from '../../types';
import type { AreaSizes, AreaStarts } from '../image';
import { AREAS, ADDRESS_SPACE } from '../image';
import { ServerConfigError } from '../types';
import type { ModbusServer } from '../server';
import { ServerTagMap } from '../tags';
import { MeterModel } from './meter-model';

/** One unit and the template it simulates. */
export interface SimulatedUnit {
  unit: number;
  template: string;
}

/** How often the measurements move. */
export const SIMULATION_TICK_MS = 1000;

/** "2: eastron-sdm630, 3: eastron-sdm120" (blank: none); the field `simulation` named in errors. */
export function parseSimulation(text: string): SimulatedUnit[] {
  const out: SimulatedUnit[] = [];
  for (const part of text
    .split(/[,;\n]+/)
    .map((p) => p.trim())
    .filter(Boolean)) {
    const m = /^(\d+)\s*[:=]\s*([a-z0-9][a-z0-9._-]*)$/i.exec(part);
    if (!m) throw new ServerConfigError('simulation', `"${part}" is not <unit>: <template> (e.g. 2: eastron-sdm630)`);
    const unit = Number(m[1]);
    if (unit < 1 || unit > 247) throw new ServerConfigError('simulation', `unit ${unit} in "${part}" is not within 1..247`);
    if (out.some((u) => u.unit === unit)) throw new ServerConfigError('simulation', `unit ${unit} is simulated twice`);
    if (!templateNames().includes(m[2])) throw new ServerConfigError('simulation', new TemplateNotFoundError(m[2]).message);
    out.push({ unit, template: m[2] });
  }
  return out;
}

interface UnitDevice {
  unit: number;
  tags: TagDef[];
  codecs: ServerTagMap;
  measured: TagDef[];
  model: MeterModel;
}

/** A value an integer register type can carry: the nearest whole raw value, scaled back. */
function representable(tag: TagDef, value: number): number {
  if (tag.type === 'float32' || tag.type === 'float64') return value;
  return Math.round((value - tag.offset) / tag.scale) * tag.scale + tag.offset;
}

export class TemplateSimulation {
  private readonly devices: UnitDevice[];
  private timer: NodeJS.Timeout | undefined;

  constructor(units: readonly SimulatedUnit[]) {
    this.devices = units.map(({ unit, template }) => {
      const tags = loadTemplate(template).tags;
      const phaseCount = tags.some((t) => /(?:^|_)l[23](?:_|$)/.test(t.name)) ? 3 : 1;
      return { unit, tags, codecs: new ServerTagMap(tags), measured: tags.filter((t) => t.area === 'input' || t.area === 'discrete'), model: new MeterModel(phaseCount, unit) };
    });
  }

  /** The areas a server needs to serve every register of the simulated templates: `sizes` and `starts` widened to hold them. */
  widen(sizes: AreaSizes, starts: AreaStarts): { sizes: AreaSizes; starts: AreaStarts } {
    const out = { sizes: { ...sizes }, starts: { ...starts } };
    for (const area of AREAS) {
      const tags = this.devices.flatMap((d) => d.tags.filter((t) => t.area === area));
      if (tags.length === 0) continue;
      const first = Math.min(starts[area], ...tags.map((t) => t.address));
      const end = Math.max(starts[area] + sizes[area], ...tags.map((t) => t.address + tagWidth(t)));
      out.starts[area] = first;
      out.sizes[area] = Math.min(end, ADDRESS_SPACE) - first;
    }
    return out;
  }

  /** The units simulated. */
  units(): number[] {
    return this.devices.map((d) => d.unit);
  }

  /** Every register of every simulated unit at its first value; call before the server starts (and its store loads). */
  seed(server: ModbusServer, now = Date.now()): void {
    for (const d of this.devices) this.write(server, d, d.tags, now / 1000);
  }

  /** Moves the measurements once a tick until stop(). */
  run(server: ModbusServer): void {
    this.stop();
    this.timer = setInterval(() => this.tick(server), SIMULATION_TICK_MS);
  }

  tick(server: ModbusServer, now = Date.now()): void {
    for (const d of this.devices) this.write(server, d, d.measured, now / 1000);
  }

  stop(): void {
    clearInterval(this.timer);
    this.timer = undefined;
  }

  private write(server: ModbusServer, d: UnitDevice, tags: readonly TagDef[], seconds: number): void {
    d.model.advance(seconds);
    const values = new Map<string, unknown>();
    for (const t of tags) values.set(t.name, t.area === 'coil' || t.area === 'discrete' ? d.model.value(t, seconds) !== 0 : representable(t, d.model.value(t, seconds)));
    d.codecs.apply(server, d.unit, values);
  }
}
