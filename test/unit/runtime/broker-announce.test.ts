// A device's announcement payload (devices/<id>/hello) is read once for its profile and name,
// and nothing a device sends there (garbage, a huge or odd JSON) throws or is kept beyond bounds.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { announcedFields } from '../../../runtime/broker-devices';

test('profile and name from one parse of the payload', (t) => {
  const parse = t.mock.method(JSON, 'parse');
  assert.deepEqual(announcedFields(Buffer.from('{"profile":"ds18b20-esp32","name":"Boiler probe","x":1}')), { profile: 'ds18b20-esp32', name: 'Boiler probe' });
  assert.equal(parse.mock.callCount(), 1);
});

test('garbage, odd and oversized payloads give nothing, never a throw', () => {
  for (const payload of [
    Buffer.from('not json'),
    Buffer.from('{"profile":'),
    Buffer.from('[1,2]'),
    Buffer.from('null'),
    Buffer.from(`{"profile":"${'p'.repeat(5000)}"}`),
    'a string, not a buffer',
    undefined,
    Buffer.alloc(0),
  ])
    assert.deepEqual(announcedFields(payload), {}, String(payload).slice(0, 20));
  assert.deepEqual(announcedFields(Buffer.from(`{"profile":"${'p'.repeat(129)}","name":42}`)), { profile: undefined, name: undefined });
});
