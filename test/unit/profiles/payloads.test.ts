// Every shipped MQTT profile against the payloads its vendor publishes (test/fixtures/
// profiles-payloads, each file naming its source): the values, the device time, the bad values
// with their reasons, and the availability messages.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { shippedProfiles } from '../../../lib/profiles/shipped';
import { MqttDeviceReader } from '../../../lib/mqtt/device/reading';

interface Fixture {
  profile: string;
  topic: string;
  messages: Array<{ topic: string; payload: string; expect?: Record<string, unknown>; bad?: Record<string, string>; availability?: boolean; deviceTime?: string | number }>;
}

const DIR = join(__dirname, '..', '..', 'fixtures', 'profiles-payloads');
const files = readdirSync(DIR).filter((f) => f.endsWith('.yaml'));

test('every shipped mqtt profile has vendor payloads', () => {
  const mqttProfiles = shippedProfiles()
    .list()
    .filter((p) => p.protocol === 'mqtt')
    .map((p) => p.id);
  assert.deepEqual(files.map((f) => f.replace(/\.yaml$/, '')).sort(), mqttProfiles.sort());
});

for (const file of files) {
  test(`${file}: the vendor's payloads read as the profile says`, () => {
    const fx = parse(readFileSync(join(DIR, file), 'utf8')) as Fixture;
    const profile = shippedProfiles().require(fx.profile);
    assert.equal(profile.protocol, 'mqtt');
    if (profile.protocol !== 'mqtt') return;
    const reader = new MqttDeviceReader(profile, { device: 'dev', topic: fx.topic });
    const subscribed = reader.subscriptions();
    const arrival = 1_700_000_000_000;
    for (const m of fx.messages) {
      assert.ok(subscribed.includes(m.topic), `${m.topic} is subscribed`);
      const r = reader.receive(m.topic, Buffer.from(m.payload), arrival);
      if (m.availability !== undefined) {
        assert.equal(r.kind, 'availability', m.topic);
        if (r.kind === 'availability') assert.equal(r.online, m.availability);
        continue;
      }
      assert.equal(r.kind, 'samples', `${m.topic}: ${JSON.stringify(r)}`);
      if (r.kind !== 'samples') continue;
      const byName = new Map(r.samples.map((s) => [s.name, s]));
      for (const s of r.samples) {
        assert.equal(s.device, 'dev');
        assert.equal(s.source, `mqtt:${fx.profile}`);
      }
      for (const [tag, value] of Object.entries(m.expect ?? {})) {
        const s = byName.get(tag);
        assert.ok(s, `${m.topic}: tag ${tag}`);
        assert.equal(s.quality, 'good', `${tag}: ${s.error}`);
        if (typeof value === 'number') assert.ok(Math.abs((s.value as number) - value) < 1e-9, `${tag}: ${String(s.value)} is ${value}`);
        else assert.equal(s.value, value, tag);
        const unit: string | undefined = profile.tags.find((t) => t.name === tag)?.unit;
        assert.equal(s.unit, unit);
        if (m.deviceTime !== undefined) assert.equal(s.ts, typeof m.deviceTime === 'number' ? m.deviceTime : Date.parse(m.deviceTime), `${tag}: device time`);
        else assert.equal(s.ts, arrival, `${tag}: arrival time`);
      }
      for (const [tag, reason] of Object.entries(m.bad ?? {})) {
        const s = byName.get(tag);
        assert.ok(s, `${m.topic}: tag ${tag}`);
        assert.equal(s.quality, 'bad', tag);
        assert.equal(s.value, null);
        assert.match(s.error ?? '', new RegExp(reason), tag);
      }
    }
  });
}
