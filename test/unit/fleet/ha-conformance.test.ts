// The discovery configs HaDiscovery builds, judged the way Home Assistant reads them (real Jinja2,
// Home Assistant's unit and state class tables): every unit it announces, every kind of value,
// hostile tag names, messages that miss a tag, carry null or a value of the wrong type. And the
// judge itself, on the configs issue 20 measured: it must find each fault they had.
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { HaDiscovery, type DiscoveryMessage } from '../../../lib/fleet/ha-discovery';
import { announcedUnitClasses } from '../../../lib/fleet/ha-units';
import type { TagSample } from '../../../lib/tags/contract';
import { needPeers } from '../../helpers/peers';
import { describeViolations, JINJA_PEER, judgeDiscovery, type MqttSeen } from '../../helpers/ha-conformance';

const sample = (device: string, name: string, value: TagSample['value'], unit?: string): TagSample => ({ device, name, value, unit, quality: 'good', ts: 1 });
const retainedConfigs = (msgs: readonly DiscoveryMessage[]): MqttSeen[] => msgs.filter((m) => m.payload !== '').map((m) => ({ topic: m.topic, payload: JSON.stringify(m.payload), retain: true }));
/** devices/<device>/data as the default flows' "device data" function shapes it */
const data = (device: string, values: Record<string, unknown>): MqttSeen => ({
  topic: `devices/${device}/data`,
  payload: JSON.stringify({ device_id: device, ts: 1, values, quality: Object.fromEntries(Object.keys(values).map((k) => [k, values[k] === null ? 'bad' : 'good'])), units: {} }),
  retain: false,
});
const online = (gw: string): MqttSeen => ({ topic: `edge-gateway/${gw}/status`, payload: 'online', retain: true });
const heartbeat = (gw: string, body: unknown): MqttSeen => ({ topic: `edge-gateway/${gw}/heartbeat`, payload: JSON.stringify(body), retain: false });

describe('HaDiscovery configs as Home Assistant reads them', () => {
  test('every announced unit, booleans, text and hostile names: no violation over missing tags, nulls and wrong types', needPeers(JINJA_PEER()), () => {
    const units = announcedUnitClasses();
    const hostile = ["it's", 'back\\slash', 'a.b c', '%} {{ x }}', 'ü€ 😀', 'values', 'new\nline'];
    const first: Record<string, TagSample['value']> = {};
    const samples: TagSample[] = [];
    units.forEach((u, i) => {
      // "%" is a humidity or a battery level only by its tag's name
      const name = u.unit === '%' ? `${u.device_class}_${i}` : `t${i}`;
      samples.push(sample('plant', name, i + 0.5, u.unit));
      first[name] = i + 0.5;
    });
    for (const [i, name] of hostile.entries()) {
      samples.push(sample('plant', name, i * 10, 'kW'));
      first[name] = i * 10;
    }
    samples.push(sample('plant', 'pump', true), sample('plant', 'mode', 'auto'), sample('plant', 'rpm', 1500, 'rpm'), sample('plant', 'count', 7));
    Object.assign(first, { pump: true, mode: 'auto', rpm: 1500, count: 7 });
    const ha = new HaDiscovery({ gatewayId: 'Edge-GW.1' });
    const configs = retainedConfigs(ha.configsFor(samples));
    const names = Object.keys(first);
    const messages: MqttSeen[] = [
      online('Edge-GW.1'),
      heartbeat('Edge-GW.1', { uptime: { process_s: 12, system_s: 99 } }),
      data('plant', first),
      // the slow poll group: none of the fast group's tags
      data('plant', { rpm: 1490 }),
      // every other tag, then a failed read of everything (null), then values of the wrong type
      data('plant', Object.fromEntries(names.filter((_, i) => i % 2 === 0).map((n) => [n, first[n]]))),
      data('plant', Object.fromEntries(names.map((n) => [n, null]))),
      data('plant', { ...first, pump: 1, mode: 5, rpm: 'fast', count: true }),
      data('plant', { ...first, pump: false, mode: 'manual' }),
      heartbeat('Edge-GW.1', { ts: 2 }),
      { topic: 'devices/plant/data', payload: 'not json', retain: false },
    ];
    const { violations, renders } = judgeDiscovery(configs, messages);
    assert.deepEqual(violations, [], describeViolations(violations));
    assert.equal(configs.length, names.length + 1, 'every tag and the gateway uptime');
    assert.ok(renders >= (configs.length - 1) * 7, `${renders} renders: every plant template on each of the 7 plant messages`);
  });

  test('default_entity_id: the full entity id, in its domain, valid however odd the names', () => {
    const ha = new HaDiscovery({ gatewayId: 'edge-gw' });
    const [uptime, temp, pump, odd, oddCase] = ha
      .configsFor([sample('boiler', 'flow_temp', 50, 'degC'), sample('boiler', 'pump_on', true), sample('plant-can', '__Motor.Speed__', 1), sample('plant-can', '__motor.speed__', 1)])
      .map((m) => m.payload as Record<string, unknown>);
    assert.equal(uptime.default_entity_id, 'sensor.edge_gw_gateway_uptime');
    assert.equal(temp.default_entity_id, 'sensor.edge_gw_boiler_flow_temp');
    assert.equal(pump.default_entity_id, 'binary_sensor.edge_gw_boiler_pump_on');
    assert.equal(odd.default_entity_id, 'sensor.edge_gw_plant_can_motor_speed');
    assert.match(String(oddCase.default_entity_id), /^sensor\.edge_gw_plant_can_motor_speed_[0-9a-f]{8}$/);
    assert.notEqual(odd.default_entity_id, oddCase.default_entity_id, 'names that differ only in case get two entity ids');
    for (const c of [uptime, temp, pump, odd, oddCase]) {
      assert.equal('object_id' in c, false);
      assert.match(String(c.default_entity_id), /^(sensor|binary_sensor)\.(?!_)(?!.*__)[a-z0-9_]+(?<!_)$/);
    }
  });

  test('a tag "uptime" of a device "gateway" does not take the gateway uptime entity ids', () => {
    const [uptime, tag] = new HaDiscovery({ gatewayId: 'gw' }).configsFor([sample('gateway', 'uptime', 1, 's')]).map((m) => m.payload as Record<string, unknown>);
    assert.equal(uptime.unique_id, 'gw_gateway_uptime');
    assert.match(String(tag.unique_id), /^gw_gateway_uptime_[0-9a-f]{8}$/);
    assert.notEqual(tag.default_entity_id, uptime.default_entity_id);
  });
});

describe('the judge', () => {
  test('finds every fault issue 20 measured in the configs before the fix', needPeers(JINJA_PEER()), () => {
    const device = { identifiers: ['edgegw_gw_boiler'], name: 'boiler' };
    const old = (component: string, name: string, extra: Record<string, unknown>): MqttSeen => ({
      topic: `homeassistant/${component}/gw_boiler_${name}/config`,
      payload: JSON.stringify({
        name,
        unique_id: `gw_boiler_${name}`,
        object_id: `gw_boiler_${name}`,
        state_topic: 'devices/boiler/data',
        availability_topic: 'edge-gateway/gw/status',
        device,
        ...extra,
      }),
      retain: true,
    });
    const configs = [
      old('sensor', 'flow_temp', { value_template: "{{ value_json['values']['flow_temp'] }}", unit_of_measurement: '°C', device_class: 'temperature', state_class: 'measurement' }),
      old('binary_sensor', 'pump_on', { value_template: "{{ 'ON' if value_json['values']['pump_on'] else 'OFF' }}" }),
      old('sensor', 'flow', { value_template: "{{ value_json['values']['flow'] }}", unit_of_measurement: 'l/min', device_class: 'volume_flow_rate', state_class: 'measurement' }),
      old('sensor', 'apparent', { value_template: "{{ value_json['values']['apparent'] }}", unit_of_measurement: 'kVA', device_class: 'apparent_power', state_class: 'measurement' }),
    ];
    const messages = [
      online('gw'),
      data('boiler', { flow_temp: 50, pump_on: true, flow: 12, apparent: 3 }),
      data('boiler', { outdoor_temp: 5 }),
      data('boiler', { flow_temp: 51, pump_on: null, flow: 12, apparent: 3 }),
    ];
    const { violations } = judgeDiscovery(configs, messages);
    const found = (topicPart: string, rule: string) => violations.some((v) => v.topic.includes(topicPart) && v.rule === rule);
    for (const c of configs) {
      const name = c.topic.split('/')[2];
      assert.ok(found(name, 'object_id'), `${name}: object_id`);
      assert.ok(found(name, 'default_entity_id'), `${name}: default_entity_id`);
    }
    assert.ok(found('flow_temp', 'template-warning'), describeViolations(violations));
    assert.ok(found('pump_on', 'missing-tag-changes-state'), 'the binary sensor flips to OFF on the slow group');
    assert.ok(found('pump_on', 'null-not-unknown'), 'a failed read renders OFF');
    assert.ok(found('_flow/', 'unit'), 'l/min is not a volume_flow_rate unit');
    assert.ok(found('apparent', 'unit'), 'kVA is not an apparent_power unit in the fixture');
  });

  test('finds a missing availability message, a foreign via_device, a bad state class and a non-numeric state', needPeers(JINJA_PEER()), () => {
    const configs: MqttSeen[] = [
      {
        topic: 'homeassistant/sensor/gw_x_energy/config',
        payload: JSON.stringify({
          name: 'energy',
          unique_id: 'gw_x_energy',
          default_entity_id: 'sensor.gw_x_energy',
          state_topic: 'devices/x/data',
          availability_topic: 'edge-gateway/nowhere/status',
          value_template: "{{ value_json['values']['energy'] }}",
          unit_of_measurement: 'kWh',
          device_class: 'energy',
          state_class: 'measurement',
          device: { identifiers: ['edgegw_gw_x'], name: 'x', via_device: 'edgegw_nobody' },
        }),
        retain: true,
      },
    ];
    const { violations } = judgeDiscovery(configs, [data('x', { energy: 'lots' })]);
    assert.deepEqual(violations.map((v) => v.rule).sort(), ['availability', 'numeric-state', 'state_class', 'via_device'], describeViolations(violations));
  });
});
