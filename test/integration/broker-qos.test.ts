// The embedded broker delivers at the QoS MQTT says (MQTT-3.8.4-6, MQTT-3.3.5-1): the lower of
// the published QoS and the subscription's grant, for retained messages sent on SUBSCRIBE and for
// live ones, with wildcard filters as with exact ones. mosquitto is the judge: every scenario runs
// against it and against our broker, and both must give the QoS the standard gives.
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import mqtt, { type MqttClient, type IClientPublishOptions } from 'mqtt';
import { startEmbeddedBroker } from '../../runtime/broker';
import { startMosquitto } from '../helpers/mosquitto';
import { needPeers, PEER } from '../helpers/peers';
import { waitFor } from '../helpers/process';

interface Scenario {
  name: string;
  /** published before the subscriber subscribes (retained) or after (live) */
  when: 'retained' | 'live';
  publish: { topic: string; qos: 0 | 1 | 2 };
  subscribe: { filter: string; qos: 0 | 1 | 2 };
  /** the QoS MQTT says the subscriber receives */
  expected: 0 | 1 | 2;
}

const SCENARIOS: Scenario[] = [
  { name: 'retained QoS 1, wildcard # at QoS 0', when: 'retained', publish: { topic: 'plant/boiler/temp', qos: 1 }, subscribe: { filter: 'plant/#', qos: 0 }, expected: 0 },
  { name: 'retained QoS 2, wildcard + at QoS 1', when: 'retained', publish: { topic: 'plant/boiler', qos: 2 }, subscribe: { filter: 'plant/+', qos: 1 }, expected: 1 },
  { name: 'retained QoS 1, exact filter at QoS 0', when: 'retained', publish: { topic: 'plant/meter', qos: 1 }, subscribe: { filter: 'plant/meter', qos: 0 }, expected: 0 },
  { name: 'retained QoS 1, wildcard at QoS 2 (never upgraded)', when: 'retained', publish: { topic: 'plant/pump', qos: 1 }, subscribe: { filter: '+/pump', qos: 2 }, expected: 1 },
  { name: 'live QoS 2, wildcard + at QoS 1', when: 'live', publish: { topic: 'line/a', qos: 2 }, subscribe: { filter: 'line/+', qos: 1 }, expected: 1 },
  { name: 'live QoS 1, wildcard # at QoS 0', when: 'live', publish: { topic: 'line/b/c', qos: 1 }, subscribe: { filter: 'line/#', qos: 0 }, expected: 0 },
  { name: 'live QoS 2, exact at QoS 2', when: 'live', publish: { topic: 'line/d', qos: 2 }, subscribe: { filter: 'line/d', qos: 2 }, expected: 2 },
];

async function connect(url: string, clientId: string): Promise<MqttClient> {
  const c = mqtt.connect(url, { clientId, clean: true, protocolVersion: 4, reconnectPeriod: 0 });
  await new Promise<void>((resolve, reject) => {
    c.once('connect', () => resolve());
    c.once('error', reject);
  });
  return c;
}

/** Runs one scenario on the broker at `url`; the QoS the subscriber received the message with. */
async function receivedQos(url: string, s: Scenario, tag: string): Promise<number> {
  const topic = `${tag}/${s.publish.topic}`;
  const filter = `${tag}/${s.subscribe.filter}`;
  const pub = await connect(url, `pub-${tag}`);
  const sub = await connect(url, `sub-${tag}`);
  try {
    const got: number[] = [];
    sub.on('message', (t, _payload, packet) => {
      if (t === topic) got.push(packet.qos);
    });
    const opts: IClientPublishOptions = { qos: s.publish.qos, retain: s.when === 'retained' };
    if (s.when === 'retained') await pub.publishAsync(topic, 'v', opts);
    await sub.subscribeAsync(filter, { qos: s.subscribe.qos });
    if (s.when === 'live') await pub.publishAsync(topic, 'v', opts);
    await waitFor(`${s.name}: the message`, () => got.length > 0);
    if (s.when === 'retained') await pub.publishAsync(topic, '', { qos: 0, retain: true }); // clear it
    return got[0];
  } finally {
    await Promise.all([pub.endAsync(), sub.endAsync()]);
  }
}

describe('embedded broker: delivery QoS as MQTT says, judged by mosquitto', () => {
  test('every scenario: mosquitto and the embedded broker deliver at the standard QoS', needPeers(PEER.mosquitto()), async () => {
    const mosquitto = await startMosquitto();
    const ours = await startEmbeddedBroker(0);
    try {
      const rows: string[] = [];
      for (const [i, s] of SCENARIOS.entries()) {
        const judge = await receivedQos(mosquitto.url, s, `m${i}`);
        const mine = await receivedQos(`mqtt://127.0.0.1:${ours.port}`, s, `e${i}`);
        rows.push(`${s.name}: mosquitto ${judge}, embedded ${mine}, MQTT ${s.expected}`);
        assert.equal(judge, s.expected, `the judge disagrees with our reading of the standard: ${rows.at(-1)}`);
        assert.equal(mine, judge, rows.join('\n'));
      }
    } finally {
      await ours.close();
      await mosquitto.stop();
    }
  });
});
