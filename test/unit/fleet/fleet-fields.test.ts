// The field declarations of gateway-heartbeat, ha-discovery and tag-calc keep the messages their
// nodes always gave, and a blank field reads what the node always took.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFields } from '../../../lib/config/fields';
import { GATEWAY_HEARTBEAT_FIELDS, HA_DISCOVERY_FIELDS } from '../../../lib/fleet/fields';
import { GATEWAY_ID_PATTERN } from '../../../lib/fleet/gateway-id';
import { TAG_CALC_FIELDS } from '../../../lib/expr/tag-calc-fields';

test('gateway-heartbeat: blank gateway id and topic mean the runtime id and the standard topic; the refusals read as before', () => {
  assert.deepEqual(readFields(GATEWAY_HEARTBEAT_FIELDS, {}), { gatewayId: '', interval: 10, topic: '' });
  assert.throws(() => readFields(GATEWAY_HEARTBEAT_FIELDS, { gatewayId: 'a/b' }), { message: `gatewayId: "a/b" is not a gateway id: 1-64 letters, digits, '-' or '_' (one MQTT topic level)` });
  assert.throws(() => readFields(GATEWAY_HEARTBEAT_FIELDS, { interval: 0.1 }), { message: 'interval: must be at least 1 s, got 0.1' });
  assert.throws(() => readFields(GATEWAY_HEARTBEAT_FIELDS, { topic: 'site/+/hb' }), { message: 'topic: must hold no MQTT wildcard (+ #): it is a publish topic, got "site/+/hb"' });
  assert.equal(readFields(GATEWAY_HEARTBEAT_FIELDS, { gatewayId: ' gw-1 ', topic: ' a/b ' }).topic, 'a/b');
  for (const id of ['gw', 'GW_1-a', 'x'.repeat(64)]) assert.equal(GATEWAY_ID_PATTERN.test(id), true, id);
  for (const id of ['-gw', 'a b', 'x'.repeat(65), 'a/b']) assert.equal(GATEWAY_ID_PATTERN.test(id), false, id);
});

test('ha-discovery: the prefix is one or more topic levels, no wildcards, no leading or trailing /', () => {
  assert.equal(readFields(HA_DISCOVERY_FIELDS, { prefix: '  ' }).prefix, 'homeassistant');
  for (const ok of ['ha', 'site/ha', 'a']) assert.equal(readFields(HA_DISCOVERY_FIELDS, { prefix: ok }).prefix, ok);
  for (const bad of ['/ha', 'ha/', 'h+a', '#', '/']) {
    assert.throws(() => readFields(HA_DISCOVERY_FIELDS, { prefix: bad }), { message: `prefix: "${bad}" is not a topic prefix (no wildcards, no leading or trailing '/')` });
  }
});

test('tag-calc: the interval counts only with an interval trigger; the refusals read as before', () => {
  assert.deepEqual(readFields(TAG_CALC_FIELDS, { interval: 0 }), { trigger: 'input', interval: 10, output: 'scan', missing: 'uncertain', device: '' });
  assert.throws(() => readFields(TAG_CALC_FIELDS, { trigger: 'both', interval: 0 }), { message: 'interval: 0 is not a number of seconds between 0.01 and 86400' });
  assert.throws(() => readFields(TAG_CALC_FIELDS, { trigger: 'sometimes' }), { message: 'trigger: "sometimes" is not input, interval or both' });
  assert.throws(() => readFields(TAG_CALC_FIELDS, { output: 'csv' }), { message: 'output: "csv" is not scan or tag' });
  assert.equal(readFields(TAG_CALC_FIELDS, { trigger: 'interval', interval: '0.05' }).interval, 0.05);
});
