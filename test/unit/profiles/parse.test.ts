// Profile files read into profiles, or refused with file, line and field: every shipped profile
// loads, and each kind of mistake points at its line.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseProfile } from '../../../lib/profiles/parse';
import { ProfileError } from '../../../lib/profiles/errors';
import { shippedProfiles } from '../../../lib/profiles/shipped';
import { loadTemplate, templateNames } from '../../../lib/modbus/templates';

const GOOD = `id: plug
name: A plug
protocol: mqtt
mqtt:
  topics:
    - topic: tele/{topic}/SENSOR
  interval: 10
tags:
  - name: power
    path: ENERGY.Power
    unit: W
`;

function refusal(text: string, file = '/p/plug.yaml'): ProfileError {
  try {
    parseProfile(text, file);
  } catch (err) {
    assert.ok(err instanceof ProfileError, String(err));
    return err;
  }
  assert.fail('the profile was accepted');
}

test('a small mqtt profile reads with its defaults', () => {
  const p = parseProfile(GOOD, '/p/plug.yaml');
  assert.equal(p.protocol, 'mqtt');
  if (p.protocol !== 'mqtt') return;
  assert.equal(p.staleAfter, 20, 'two intervals');
  assert.deepEqual(
    p.tags.map((t) => [t.name, t.type, t.access, t.scale, t.offset, t.topic, t.path?.text]),
    [['power', 'number', 'r', 1, 0, 'tele/{topic}/SENSOR', 'ENERGY.Power']],
  );
});

test('JSON profiles read too, with lines', () => {
  const json = JSON.stringify({ id: 'plug', name: 'x', protocol: 'mqtt', mqtt: { topics: [{ topic: 'a/{topic}' }] }, tags: [{ name: 't', path: 'v', scale: 0 }] }, null, 2);
  const e = refusal(json);
  assert.equal(e.field, 'tags[0].scale');
  assert.equal(e.line, json.split('\n').findIndex((l) => l.includes('"scale"')) + 1);
});

test('each mistake is refused at its file, line and field', () => {
  const cases: Array<[string, string, number, RegExp]> = [
    [GOOD.replace('  interval: 10', '  intreval: 10'), 'mqtt.intreval', 7, /unknown field/],
    [GOOD.replace('    path: ENERGY.Power', '    path: ENERGY..Power'), 'tags[0].path', 10, /not a path/],
    [GOOD.replace('    path: ENERGY.Power\n', ''), 'tags[0].path', 9, /is required/],
    [GOOD.replace('protocol: mqtt', 'protocol: zigbee'), 'protocol', 3, /not mqtt or modbus/],
    [GOOD.replace('id: plug', 'id: other'), 'id', 1, /file's name/],
    [GOOD.replace('tele/{topic}/SENSOR', 'tele/{name}/SENSOR'), 'mqtt.topics[0].topic', 6, /unknown placeholder/],
    [GOOD + '  - name: power\n    path: x\n', 'tags[1].name', 12, /declared twice/],
    [GOOD + '  - name: relay\n    path: POWER\n    access: rw\n', 'tags[1].access', 14, /needs a command/],
    [GOOD.replace('    unit: W', '    unit: W\n    topic: stat/{topic}/POWER'), 'tags[0].topic', 12, /not one of mqtt.topics/],
    [GOOD.replace('  interval: 10', '  interval: 10\n  staleAfter: 5'), 'mqtt.staleAfter', 8, /at least the interval/],
    ['id: plug\nname: x\nname: y\n', '', 3, /Map keys must be unique/],
  ];
  for (const [text, field, line, reason] of cases) {
    const e = refusal(text);
    assert.equal(e.file, '/p/plug.yaml');
    assert.equal(e.field, field, text);
    assert.equal(e.line, line, `${field}: line`);
    assert.match(e.reason, reason);
    assert.match(e.message, new RegExp(`^/p/plug.yaml:${line} `));
  }
});

test('a modbus profile carries a tag table, checked by the tag-table rules at the entry line', () => {
  const text = `id: meter
name: A meter
protocol: modbus
modbus:
  notation: modicon
  groups: [{ name: fast, interval: 1000 }]
tags:
  - { name: voltage, address: 30001, type: float32, group: fast }
  - { name: power, address: 30013, type: float33, group: fast }
`;
  const e = refusal(text, '/p/meter.yaml');
  assert.equal(e.field, 'tags[1].type');
  assert.equal(e.line, 9);
  assert.match(e.reason, /float33/);
});

test('every shipped profile loads, and the Eastron templates are its modbus profiles', () => {
  const lib = shippedProfiles();
  assert.deepEqual(lib.refusals(), []);
  assert.deepEqual(lib.ids(), ['eastron-sdm120', 'eastron-sdm630', 'esp32-ds18b20', 'esphome-sensor', 'shelly-gen2-switch', 'tasmota-energy-plug']);
  assert.deepEqual(templateNames(), ['eastron-sdm120', 'eastron-sdm630']);
  const t = loadTemplate('eastron-sdm630');
  assert.equal(t.name, 'eastron-sdm630');
  assert.equal(t.manufacturer, 'Eastron');
  assert.deepEqual(
    t.groups.map((g) => g.name),
    ['fast', 'energy', 'config'],
  );
  const voltage = t.tags.find((x) => x.name === 'l1_voltage')!;
  assert.deepEqual([voltage.area, voltage.address, voltage.type], ['input', 0, 'float32']);
});
