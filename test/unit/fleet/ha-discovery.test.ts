import { test, describe, after } from 'node:test';
import assert from 'node:assert/strict';
import mqtt from 'mqtt';
import { HaDiscovery, classifyUnit, objectIdPart, topicNameProblem, type DiscoveryMessage } from '../../../lib/fleet/ha-discovery';
import type { TagSample } from '../../../lib/tags/contract';
import { needPeers, PEER } from '../../helpers/peers';
import { startMosquitto, type Broker } from '../../helpers/mosquitto';
import { waitFor } from '../../helpers/process';

const sample = (device: string, name: string, value: TagSample['value'], unit?: string): TagSample => ({ device, name, value, unit, quality: 'good', ts: 1 });

describe('unit to device_class / state_class', () => {
  const cases: Array<[string, string, Partial<ReturnType<typeof classifyUnit>>]> = [
    ['V', 'voltage_l1', { unit: 'V', device_class: 'voltage', state_class: 'measurement' }],
    ['A', 'current_l1', { unit: 'A', device_class: 'current', state_class: 'measurement' }],
    ['kW', 'total_power', { unit: 'kW', device_class: 'power', state_class: 'measurement' }],
    ['kWh', 'import_energy', { unit: 'kWh', device_class: 'energy', state_class: 'total_increasing' }],
    ['Wh', 'e', { unit: 'Wh', device_class: 'energy', state_class: 'total_increasing' }],
    ['degC', 'zone1_temp', { unit: '°C', device_class: 'temperature', state_class: 'measurement' }],
    ['°C', 'flow_temp', { unit: '°C', device_class: 'temperature', state_class: 'measurement' }],
    ['Hz', 'frequency', { unit: 'Hz', device_class: 'frequency', state_class: 'measurement' }],
    ['VA', 'apparent', { unit: 'VA', device_class: 'apparent_power', state_class: 'measurement' }],
    ['var', 'reactive', { unit: 'var', device_class: 'reactive_power', state_class: 'measurement' }],
    ['m3/h', 'flow', { unit: 'm³/h', device_class: 'volume_flow_rate', state_class: 'measurement' }],
    ['%', 'room_humidity', { unit: '%', device_class: 'humidity', state_class: 'measurement' }],
    ['%', 'valve_position', { unit: '%', state_class: 'measurement' }],
    ['rpm', 'pump_speed', { unit: 'rpm', state_class: 'measurement' }],
    // HA's spelling where it is the same unit; no device class where HA's table lacks the unit
    ['l/min', 'flow', { unit: 'L/min', device_class: 'volume_flow_rate', state_class: 'measurement' }],
    ['l', 'tank', { unit: 'L', device_class: 'volume', state_class: 'total' }],
    ['VAr', 'reactive', { unit: 'var', device_class: 'reactive_power', state_class: 'measurement' }],
    ['kVAr', 'reactive', { unit: 'kvar', device_class: 'reactive_power', state_class: 'measurement' }],
    ['kV', 'line', { unit: 'kV', device_class: 'voltage', state_class: 'measurement' }],
    ['MW', 'plant', { unit: 'MW', device_class: 'power', state_class: 'measurement' }],
    ['kVA', 'apparent', { unit: 'kVA', state_class: 'measurement' }],
    ['kVArh', 'reactive_energy', { unit: 'kVArh', state_class: 'measurement' }],
  ];
  for (const [unit, name, want] of cases) test(`${unit} (${name})`, () => assert.deepEqual(classifyUnit(unit, name), want));
  test('no unit: no class', () => assert.equal(classifyUnit(undefined, 'x'), undefined));
});

describe('discovery configs', () => {
  test('sensor config: topic, device via the gateway, unit, classes, state and availability topics', () => {
    const ha = new HaDiscovery({ gatewayId: 'gw1', devices: { meter: { manufacturer: 'Eastron', model: 'SDM630' } } });
    const msgs = ha.configsFor([sample('meter', 'import_energy', 12.5, 'kWh')]);
    assert.equal(msgs.length, 2, 'the gateway device, then the tag');
    assert.equal(msgs[0].topic, 'homeassistant/sensor/gw1_gateway_uptime/config');
    assert.deepEqual((msgs[0].payload as any).device.identifiers, ['edgegw_gw1']);
    const m = msgs[1];
    assert.equal(m.topic, 'homeassistant/sensor/gw1_meter_import_energy/config');
    assert.equal(m.retain, true);
    assert.deepEqual(m.payload, {
      name: 'import_energy',
      unique_id: 'gw1_meter_import_energy',
      default_entity_id: 'sensor.gw1_meter_import_energy',
      state_topic: 'devices/meter/data',
      availability_topic: 'edge-gateway/gw1/status',
      payload_available: 'online',
      payload_not_available: 'offline',
      device: { identifiers: ['edgegw_gw1_meter'], name: 'meter', manufacturer: 'Eastron', model: 'SDM630', via_device: 'edgegw_gw1' },
      value_template:
        "{% if value_json is mapping and 'values' in value_json and value_json['values'] is mapping and 'import_energy' in value_json['values'] %}{% set v = value_json['values']['import_energy'] %}{{ v if v is number and v is not boolean else 'None' }}{% endif %}",
      unit_of_measurement: 'kWh',
      device_class: 'energy',
      state_class: 'total_increasing',
    });
  });

  test('booleans are binary_sensors; strings have no unit or state_class; null waits', () => {
    const ha = new HaDiscovery({ gatewayId: 'gw' });
    const msgs = ha.configsFor([sample('boiler', 'pump', true), sample('boiler', 'mode', 'auto'), sample('boiler', 'broken', null, 'V')]).slice(1);
    assert.deepEqual(
      msgs.map((m) => m.topic),
      ['homeassistant/binary_sensor/gw_boiler_pump/config', 'homeassistant/sensor/gw_boiler_mode/config'],
    );
    assert.equal(
      (msgs[0].payload as any).value_template,
      "{% if value_json is mapping and 'values' in value_json and value_json['values'] is mapping and 'pump' in value_json['values'] %}{% set v = value_json['values']['pump'] %}{{ ('ON' if v else 'OFF') if v is boolean else 'None' }}{% endif %}",
    );
    assert.match((msgs[1].payload as any).value_template, /\{% else %\}\{\{ this\.state \}\}\{% endif %\}$/, 'a text sensor keeps its state when its tag is not in the message');
    assert.equal((msgs[1].payload as any).state_class, undefined);
    assert.equal(ha.configsFor([sample('boiler', 'broken', 3.3, 'V')]).length, 1, 'sent once the value is known');
  });

  test('once per (device, tag); again when the unit changes; a type change removes the old entity', () => {
    const ha = new HaDiscovery({ gatewayId: 'gw' });
    assert.equal(ha.configsFor([sample('d', 't', 1, 'W')]).length, 2);
    assert.equal(ha.configsFor([sample('d', 't', 2, 'W')]).length, 0);
    assert.equal(ha.configsFor([sample('d', 't', 3, 'W'), sample('d', 'u', 3, 'W')]).length, 1);
    const unitChange = ha.configsFor([sample('d', 't', 3, 'kW')]);
    assert.equal(unitChange.length, 1);
    assert.equal((unitChange[0].payload as any).unit_of_measurement, 'kW');
    const typeChange = ha.configsFor([sample('d', 't', true)]);
    assert.deepEqual(
      typeChange.map((m) => [m.topic, m.payload === '' ? '' : 'config']),
      [
        ['homeassistant/sensor/gw_d_t/config', ''],
        ['homeassistant/binary_sensor/gw_d_t/config', 'config'],
      ],
    );
  });

  test('odd tag names: the object id is made safe, the template quotes the name', () => {
    const ha = new HaDiscovery({ gatewayId: 'gw' });
    const [, m] = ha.configsFor([sample('plant-can', "Motor.Speed it's", 5)]);
    assert.equal(m.topic, 'homeassistant/sensor/gw_plant-can_Motor_Speed_it_s/config');
    assert.match((m.payload as any).value_template, /'Motor\.Speed it\\'s' in value_json\['values'\] %\}\{% set v = value_json\['values'\]\['Motor\.Speed it\\'s'\] %\}/);
  });
});

describe('object ids and state topics from hostile names', () => {
  test('"x#", "ü€", "" and "x" are four config topics, the same on every start', () => {
    const names = ['x#', 'ü€', '', 'x'];
    const topics = (ha: HaDiscovery) =>
      ha
        .configsFor(names.map((n) => sample('d', n, 1)))
        .slice(1)
        .map((m) => m.topic);
    const first = topics(new HaDiscovery({ gatewayId: 'gw' }));
    assert.equal(new Set(first).size, 4, first.join('\n'));
    assert.equal(first[3], 'homeassistant/sensor/gw_d_x/config', 'a plain name keeps its plain id');
    for (const t of first) assert.match(t, /^homeassistant\/sensor\/[A-Za-z0-9_-]+\/config$/);
    assert.deepEqual(topics(new HaDiscovery({ gatewayId: 'gw' })), first, 'stable: a hash of the name, not an arrival order');
    assert.match(objectIdPart('x#'), /^x_[0-9a-f]{8}$/);
    assert.match(objectIdPart(''), /^x_[0-9a-f]{8}$/);
    assert.notEqual(objectIdPart('ü€'), objectIdPart(''));
  });

  test('two names that slug alike ("a.b", "a b") do not overwrite each other', () => {
    const ha = new HaDiscovery({ gatewayId: 'gw' });
    const [, ab, aSpaceB] = ha.configsFor([sample('d', 'a.b', 1), sample('d', 'a b', 2)]);
    assert.equal(ab.topic, 'homeassistant/sensor/gw_d_a_b/config');
    assert.match(aSpaceB.topic, /^homeassistant\/sensor\/gw_d_a_b_[0-9a-f]{8}\/config$/);
    assert.equal(ha.configsFor([sample('d', 'a b', 2, 'W')])[0].topic, aSpaceB.topic, 'the same tag keeps its id');
  });

  test('a state topic with #, +, NUL or an empty level is refused, with a warning naming the tag, once', () => {
    const warnings: string[] = [];
    const ha = new HaDiscovery({ gatewayId: 'gw', warn: (m) => warnings.push(m) });
    const bad = ['a#', 'b+', 'c\u0000', '', 'e/'].map((device) => sample(device, 'temp', 1));
    assert.deepEqual(
      ha.configsFor([...bad, sample('ok', 'temp', 1)]).map((m) => m.topic),
      ['homeassistant/sensor/gw_gateway_uptime/config', 'homeassistant/sensor/gw_ok_temp/config'],
    );
    assert.equal(warnings.length, 5, warnings.join('\n'));
    assert.match(warnings[0], /ha-discovery: tag "temp" of device "a#": no config sent: its state topic "devices\/a#\/data" is not an MQTT topic name \(it holds a wildcard/);
    assert.match(warnings[2], /holds NUL/);
    assert.match(warnings[3], /device "": .*empty level/);
    assert.equal(ha.configsFor(bad).length, 0);
    assert.equal(warnings.length, 5, 'warned once per tag');
    assert.equal(topicNameProblem('devices/boiler/data'), undefined);
    assert.match(topicNameProblem('x'.repeat(70_000))!, /longer than 65535 bytes/);
  });
});

describe('against a real mosquitto', () => {
  let broker: Broker | undefined;
  after(async () => broker?.stop());
  test('configs arrive retained with the documented shape', needPeers(PEER.mosquitto()), async () => {
    broker = await startMosquitto();
    const ha = new HaDiscovery({ gatewayId: 'gwtest' });
    const msgs: DiscoveryMessage[] = ha.configsFor([sample('meter', 'voltage_l1', 230.1, 'V'), sample('boiler', 'pump', false)]);
    const pub = await mqtt.connectAsync(broker.url);
    for (const m of msgs) await pub.publishAsync(m.topic, m.payload === '' ? '' : JSON.stringify(m.payload), { retain: m.retain, qos: m.qos });
    await pub.endAsync();
    // a client that connects afterwards (as Home Assistant after a restart) gets them retained
    const got = new Map<string, { retain: boolean; body: any }>();
    const sub = await mqtt.connectAsync(broker.url);
    sub.on('message', (topic, body, packet) => got.set(topic, { retain: packet.retain, body: JSON.parse(body.toString()) }));
    await sub.subscribeAsync('homeassistant/#', { qos: 1 });
    await waitFor('three retained configs', async () => got.size === 3, 20000, 50);
    await sub.endAsync();
    const v = got.get('homeassistant/sensor/gwtest_meter_voltage_l1/config')!;
    assert.equal(v.retain, true);
    assert.equal(v.body.device_class, 'voltage');
    assert.equal(v.body.unit_of_measurement, 'V');
    assert.equal(v.body.state_topic, 'devices/meter/data');
    assert.equal(v.body.device.via_device, 'edgegw_gwtest');
    const b = got.get('homeassistant/binary_sensor/gwtest_boiler_pump/config')!;
    assert.equal(b.retain, true);
    assert.equal(b.body.availability_topic, 'edge-gateway/gwtest/status');
    assert.ok(got.get('homeassistant/sensor/gwtest_gateway_uptime/config')?.retain);
  });
});
