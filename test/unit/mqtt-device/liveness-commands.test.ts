// An MQTT device's liveness (stale after silence, down on its last will, its last values kept) and
// its writes (validated all-or-nothing, published as the profile says, confirmed or timed out
// naming the tag, audited).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DeviceLiveness } from '../../../lib/mqtt/device/liveness';
import { MqttCommandWriter } from '../../../lib/mqtt/device/commands';
import { shippedProfiles } from '../../../lib/profiles/shipped';
import { AuditLog } from '../../../lib/audit/audit-log';
import { WriteError, WriteValidationError } from '../../../lib/modbus/writes';
import type { MqttProfile } from '../../../lib/profiles/types';
import { parseProfile } from '../../../lib/profiles/parse';
import type { TagSample } from '../../../lib/tags/contract';

const sample = (name: string, value: number, ts: number): TagSample => ({ device: 'd', name, value, quality: 'good', ts });

test('silence past staleAfter makes every tag stale once, with its last value and time', () => {
  const l = new DeviceLiveness(['a', 'b'], 'd', 1000, 0);
  assert.equal(l.check(900), undefined);
  const never = l.check(1001)!;
  assert.deepEqual(
    never.map((s) => [s.name, s.value, s.quality]),
    [
      ['a', null, 'stale'],
      ['b', null, 'stale'],
    ],
  );
  assert.equal(l.check(5000), undefined, 'once');
  l.heard(6000, [sample('a', 1, 5990)]);
  assert.equal(l.state, 'live');
  assert.equal(l.check(6900), undefined);
  const stale = l.check(7001)!;
  assert.deepEqual(
    stale.find((s) => s.name === 'a'),
    { device: 'd', name: 'a', value: 1, quality: 'stale', ts: 5990, error: 'no message for 1 s (expected within 1 s)' },
  );
  const down = l.down(7100, 'offline');
  assert.equal(l.state, 'down');
  assert.ok(down.every((s) => s.quality === 'bad' && s.error === 'offline'));
  assert.equal(l.check(99999), undefined, 'a down device is not also stale');
  l.online(8000);
  assert.equal(l.state, 'live');
});

function plug(): MqttProfile {
  const p = shippedProfiles().require('tasmota-energy-plug');
  assert.equal(p.protocol, 'mqtt');
  return p;
}

test('a write is validated whole before anything is published', async () => {
  const published: string[] = [];
  const w = new MqttCommandWriter({ profile: plug(), at: { device: 'plug', topic: 'plug' }, publish: async (t, p) => void published.push(`${t} ${p}`), oldValue: () => undefined });
  await assert.rejects(
    () => w.write({ relay: true, power: 5 }, 'test'),
    (e: unknown) => e instanceof WriteValidationError && /tag 'power': read-only/.test(e.message),
  );
  await assert.rejects(() => w.write({ relay: 'maybe' }, 'test'), /tag 'relay': "maybe" is not true or false/);
  await assert.rejects(() => w.write({ nope: 1 }, 'test'), /tag 'nope': no such tag/);
  assert.deepEqual(published, []);
  w.close();
});

test('a confirmed write answers with the confirmation; an unconfirmed one fails naming the tag; both are audited', async () => {
  const audit = new AuditLog();
  const published: string[] = [];
  const w = new MqttCommandWriter({
    profile: plug(),
    at: { device: 'plug', topic: 'plug' },
    audit,
    publish: async (t, p) => {
      published.push(`${t} ${p}`);
      // the plug answers on stat/plug/POWER, first with something else
      if (p === 'ON')
        setTimeout(() => {
          w.observe('stat/plug/POWER', Buffer.from('OFF'), 1);
          w.observe('stat/plug/POWER', Buffer.from('ON'), 2);
        }, 10);
    },
    oldValue: (tag) => (tag === 'relay' ? false : undefined),
  });
  const answer = await w.write({ relay: 'on' }, 'operator');
  assert.deepEqual(published, ['cmnd/plug/POWER ON']);
  assert.deepEqual(answer, {
    device: 'plug',
    outcome: 'written',
    tags: [{ tag: 'relay', requested: true, written: true, old: false, readBack: { value: true, quality: 'good', ts: 2 } }],
    warnings: [],
  });
  // OFF is never confirmed: the profile's 5 s pass
  const started = Date.now();
  await assert.rejects(
    () => w.write({ relay: false }, 'operator'),
    (e: unknown) => e instanceof WriteError && e.failed[0] === 'relay' && /no confirmation on stat\/plug\/POWER within 5 s/.test(e.message),
  );
  assert.ok(Date.now() - started >= 4900);
  const records = audit.recent();
  assert.deepEqual(
    records.map((r) => [r.actor, r.device, r.tag, r.old, r.new, r.ok]),
    [
      ['operator', 'plug', 'relay', false, true, true],
      ['operator', 'plug', 'relay', false, false, false],
    ],
  );
  w.close();
});

test('a write reads true and false from the same texts as a device payload (on/off, 1/0, yes/no, any case)', () => {
  const w = new MqttCommandWriter({ profile: plug(), at: { device: 'plug', topic: 'plug' }, publish: async () => undefined, oldValue: () => undefined });
  for (const [text, value] of [
    ['ON', true],
    [' off ', false],
    ['1', true],
    [0, false],
    ['Yes', true],
    ['no', false],
    [true, true],
  ] as const)
    assert.deepEqual(
      w.validate({ relay: text }).map((p) => p.value),
      [value],
      String(text),
    );
  assert.throws(() => w.validate({ relay: 'maybe' }), /"maybe" is not true or false/);
  w.close();
});

test('a written text is published as it is: placeholders in the value are not filled in', async () => {
  const profile = parseProfile(
    [
      'id: display',
      'name: Display',
      'protocol: mqtt',
      'mqtt:',
      '  topics:',
      '    - topic: display/{topic}/state',
      '      format: json',
      'tags:',
      '  - name: line1',
      '    type: string',
      '    access: rw',
      '    path: line1',
      "    topic: 'display/{topic}/state'",
      '    command:',
      "      topic: 'display/{topic}/set'",
      '      payload: \'{"device":"{device}","text":"{value}"}\'',
      '',
    ].join('\n'),
    'display.yaml',
  ) as MqttProfile;
  const published: string[] = [];
  const w = new MqttCommandWriter({ profile, at: { device: 'hall', topic: 'd1' }, publish: async (t, p) => void published.push(`${t} ${p}`), oldValue: () => undefined });
  await w.write({ line1: 'see {device} and {topic}' }, 'test');
  assert.deepEqual(published, ['display/d1/set {"device":"hall","text":"see {device} and {topic}"}']);
  w.close();
});
