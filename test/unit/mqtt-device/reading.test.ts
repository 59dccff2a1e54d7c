// The reader's data payloads at their edges: the size limit, text that is not UTF-8 or not JSON,
// nesting as deep as the size allows (read by path, shown cut short in a reason), and the device
// time of consecutive messages.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { MqttDeviceReader } from '../../../lib/mqtt/device/reading';
import { parseProfile } from '../../../lib/profiles/parse';
import { shippedProfiles } from '../../../lib/profiles/shipped';
import type { MqttProfile } from '../../../lib/profiles/types';
import type { TagSample } from '../../../lib/tags/contract';

const ARRIVAL = 1_700_000_000_000;

function plugReader(): MqttDeviceReader {
  const p = shippedProfiles().require('tasmota-energy-plug');
  assert.equal(p.protocol, 'mqtt');
  return new MqttDeviceReader(p, { device: 'plug', topic: 'plug' });
}

function samples(reader: MqttDeviceReader, topic: string, payload: Buffer | string): Map<string, TagSample> {
  const r = reader.receive(topic, payload, ARRIVAL);
  assert.equal(r.kind, 'samples', JSON.stringify(r));
  return new Map(r.kind === 'samples' ? r.samples.map((s) => [s.name, s]) : []);
}

test('a payload over 256 KiB, or not UTF-8, or not JSON: every tag bad with the reason', () => {
  const reader = plugReader();
  const big = JSON.stringify({ ENERGY: { Power: 5 }, pad: 'x'.repeat(256 * 1024) });
  for (const [payload, reason] of [
    [Buffer.from(big), /bytes is more than the limit of 262144 bytes/],
    [big, /bytes is more than the limit of 262144 bytes/],
    [Buffer.from([0x7b, 0x22, 0xff, 0xfe, 0x22, 0x3a, 0x31, 0x7d]), /not UTF-8/],
    [Buffer.from('{"ENERGY": {"Power": 5'), /not valid JSON/],
    ['{"ENERGY": {"Power": 5', /not valid JSON/],
  ] as const) {
    const s = samples(reader, 'tele/plug/SENSOR', payload);
    assert.equal(s.size, 9);
    for (const tag of s.values()) {
      assert.equal(tag.quality, 'bad');
      assert.equal(tag.value, null);
      assert.match(tag.error ?? '', reason);
    }
  }
});

test('a payload nested deeper than any device sends is still read by path', () => {
  const reader = plugReader();
  const deep = `{"ENERGY": {"Power": 7, "x": ${'['.repeat(5000)}${']'.repeat(5000)}}}`;
  const s = samples(reader, 'tele/plug/SENSOR', Buffer.from(deep));
  assert.equal(s.get('power')?.quality, 'uncertain', 'no Time: the arrival time, uncertain');
  assert.equal(s.get('power')?.value, 7);
  assert.match(s.get('voltage')?.error ?? '', /no value at ENERGY.Voltage/);
});

test('a whole payload too deep to show is a bad value whose reason says what it is, never a throw', () => {
  const profile = parseProfile(
    `id: whole
name: Whole payload
protocol: mqtt
mqtt:
  topics:
    - topic: '{topic}/state'
  interval: 10
tags:
  - { name: state, path: '$', type: string }
  - { name: level, path: 'a', type: number }
`,
    '/p/whole.yaml',
  ) as MqttProfile;
  const reader = new MqttDeviceReader(profile, { device: 'd', topic: 'd' });
  const deep = '['.repeat(100_000) + ']'.repeat(100_000);
  const s = samples(reader, 'd/state', Buffer.from(deep));
  assert.equal(s.get('state')?.quality, 'bad');
  assert.match(s.get('state')?.error ?? '', /is not text/);
  const small = samples(reader, 'd/state', '{"a": {"b": 1}}');
  assert.equal(small.get('level')?.quality, 'bad');
  assert.match(small.get('level')?.error ?? '', /\{"b":1\} is not a number/);
});

test('consecutive messages keep their own device time, the same time text read once', () => {
  const reader = plugReader();
  const at = (time: string) => samples(reader, 'tele/plug/SENSOR', JSON.stringify({ Time: time, ENERGY: { Power: 1 } })).get('power')!;
  assert.equal(at('2024-05-01T12:00:00').ts, Date.parse('2024-05-01T12:00:00'));
  assert.equal(at('2024-05-01T12:00:00').ts, Date.parse('2024-05-01T12:00:00'));
  assert.equal(at('2024-05-01T12:00:10').ts, Date.parse('2024-05-01T12:00:10'));
  const unreadable = at('yesterday');
  assert.equal(unreadable.ts, ARRIVAL);
  assert.equal(unreadable.quality, 'uncertain');
  assert.equal(at('yesterday').quality, 'uncertain', 'an unreadable time stays unreadable when repeated');
  assert.equal(at('2024-05-01T12:00:20').ts, Date.parse('2024-05-01T12:00:20'));
});

test('a quality field that is an object or a deep array is neither good nor bad: uncertain, named, never a throw', () => {
  const p = shippedProfiles().require('esp32-ds18b20');
  assert.equal(p.protocol, 'mqtt');
  const reader = new MqttDeviceReader(p, { device: 'probe', topic: 'probe' });
  const topic = reader.subscriptions().find((t) => t.includes('probe'))!;
  const deep = `{"id": "28-1", "temperature": 20.5, "ts": 1733568000, "status": ${'['.repeat(100_000)}${']'.repeat(100_000)}}`;
  const s = samples(reader, topic, Buffer.from(deep)).get('temperature')!;
  assert.equal(s.quality, 'uncertain');
  assert.equal(s.value, 20.5);
  assert.equal(s.error, 'status is an array');
  const obj = samples(reader, topic, '{"id": "28-1", "temperature": 20.5, "ts": 1733568000, "status": {"ok": true}}').get('temperature')!;
  assert.equal(obj.error, 'status is an object');
  const ok = samples(reader, topic, '{"id": "28-1", "temperature": 20.5, "ts": 1733568000, "status": "ok"}').get('temperature')!;
  assert.equal(ok.quality, 'good');
  const crc = samples(reader, topic, '{"id": "28-1", "temperature": 20.5, "ts": 1733568000, "status": "crc"}').get('temperature')!;
  assert.deepEqual([crc.quality, crc.value, crc.error], ['bad', null, 'status is "crc"']);
});
