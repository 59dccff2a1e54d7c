// The template simulation's parts: the `simulation` field read (refusals name the part), the
// areas widened to hold every register of a template, and the meter model's quantities.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseSimulation, TemplateSimulation } from '../../../lib/modbus/server/simulation/template-simulation';
import { MeterModel } from '../../../lib/modbus/server/simulation/meter-model';
import { serverOptionsFromSettings } from '../../../lib/modbus/server/config';
import { ServerConfigError } from '../../../lib/modbus/server/types';
import { loadTemplate } from '../../../lib/modbus/templates';

test('the simulation field: units and templates, each refusal naming the part', () => {
  assert.deepEqual(parseSimulation(''), []);
  assert.deepEqual(parseSimulation('2: eastron-sdm630, 3=eastron-sdm120'), [
    { unit: 2, template: 'eastron-sdm630' },
    { unit: 3, template: 'eastron-sdm120' },
  ]);
  for (const [text, why] of [
    ['eastron-sdm630', /"eastron-sdm630" is not <unit>: <template>/],
    ['0: eastron-sdm630', /unit 0 .* not within 1\.\.247/],
    ['2: eastron-sdm630, 2: eastron-sdm120', /unit 2 is simulated twice/],
    ['2: no-such-meter', /no device template named 'no-such-meter'/],
  ] as const) {
    assert.throws(
      () => parseSimulation(text),
      (e: unknown) => e instanceof ServerConfigError && e.field === 'simulation' && why.test(e.message),
      text,
    );
  }
  assert.throws(
    () => serverOptionsFromSettings({ transport: 'tcp', port: 0, units: '1', simulation: '2: eastron-sdm630' }),
    (e: unknown) => e instanceof ServerConfigError && e.field === 'simulation' && /unit 2 is not served/.test(e.message),
  );
});

test('the areas are widened to every register of the template, and left alone otherwise', () => {
  const opts = serverOptionsFromSettings({ transport: 'tcp', port: 0, units: '1, 2', holdingSize: 100, inputSize: 400, simulation: '2: eastron-sdm630' });
  // the SDM630's serial number is holding 64512..64513 (Modicon 464513)
  assert.deepEqual(opts.sizes, { coil: 10_000, discrete: 10_000, holding: 64_514, input: 400 });
  assert.deepEqual(opts.starts, { coil: 0, discrete: 0, holding: 0, input: 0 });
  const plain = serverOptionsFromSettings({ transport: 'tcp', port: 0, holdingSize: 100 });
  assert.equal(plain.sizes?.holding, 100);
  assert.equal(plain.simulation, undefined);
  const sim = new TemplateSimulation([{ unit: 1, template: 'eastron-sdm120' }]);
  // an area starting past the template's first register starts at it
  assert.deepEqual(sim.widen({ coil: 0, discrete: 0, holding: 10, input: 10 }, { coil: 0, discrete: 0, holding: 100, input: 50 }).starts, { coil: 0, discrete: 0, holding: 0, input: 0 });
});

test('the meter model: three phases summed or averaged as the tag names them, counters that grow', () => {
  const t = loadTemplate('eastron-sdm630').tags;
  const tag = (name: string) => t.find((x) => x.name === name)!;
  const m = new MeterModel(3, 1);
  const s = 1_700_000_000;
  const l = [1, 2, 3].map((i) => m.value(tag(`l${i}_power`), s));
  assert.ok(Math.abs(m.value(tag('total_power'), s) - (l[0] + l[1] + l[2])) < 1e-6, 'total power is the sum of the phases');
  const volts = [1, 2, 3].map((i) => m.value(tag(`l${i}_voltage`), s));
  assert.ok(Math.abs(m.value(tag('avg_ln_voltage'), s) - (volts[0] + volts[1] + volts[2]) / 3) < 1e-6, 'the average voltage');
  assert.ok(Math.abs(m.value(tag('l1_l2_voltage'), s) / volts[0] - Math.sqrt(3)) < 1e-6, 'line to line is sqrt(3) times line to neutral');
  const pf = m.value(tag('total_power_factor'), s);
  assert.ok(pf > 0.85 && pf < 0.95, `total power factor ${pf} is a mean, not a sum`);
  m.advance(s);
  const before = m.value(tag('import_energy'), s);
  m.advance(s + 10);
  assert.ok(m.value(tag('import_energy'), s + 10) > before, 'the import counter grows');
  m.advance(s + 3600);
  assert.ok(m.value(tag('import_energy'), s + 3600) - before < 1, 'a stalled process does not leap: 10 s at most a step');
  assert.equal(m.value(tag('serial_number'), s), 19_000_001);
});
