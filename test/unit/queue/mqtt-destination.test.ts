// MqttDestination against a real mosquitto: QoS 1 and 2 acks, seq/id/queue in JSON payloads and
// as MQTT 5 user properties, MQTT 3.1.1, topic templates, retain, messages that cannot be
// published going to 'rejected', and 'retry' while the broker is away.
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { connect, type MqttClient, type IPublishPacket } from 'mqtt';
import { MqttDestination, encodePayload } from '../../../lib/forward/mqtt';
import { TopicTemplate } from '../../../lib/forward/topic-template';
import { messageHead, type QueuedMessage } from '../../../lib/forward/destination';
import { needPeers, PEER } from '../../helpers/peers';
import { startMosquitto, type Broker } from '../../helpers/mosquitto';
import { waitFor } from '../../helpers/process';

const qm = (seq: number, msg: QueuedMessage['msg']): QueuedMessage => ({ seq, id: `00000000-0000-4000-8000-${String(seq).padStart(12, '0')}`, queue: 'plant', enqueuedAt: 1, msg });

interface Received {
  topic: string;
  payload: string;
  packet: IPublishPacket;
}

async function subscriber(url: string, topic: string, version: 4 | 5 = 5): Promise<{ client: MqttClient; got: Received[] }> {
  const client = connect(url, { protocolVersion: version, reconnectPeriod: 200 });
  const got: Received[] = [];
  client.on('message', (t, p, packet) => got.push({ topic: t, payload: p.toString(), packet }));
  await new Promise<void>((resolve, reject) => {
    client.once('connect', () => client.subscribe(topic, { qos: 2 }, (err) => (err ? reject(err) : resolve())));
    client.once('error', reject);
  });
  return { client, got };
}

describe('MqttDestination', () => {
  let broker: Broker | undefined;
  const peers = needPeers(PEER.mosquitto());
  before(async () => {
    if (!peers.skip) broker = await startMosquitto();
  });
  after(async () => {
    await broker?.stop();
  });

  test('topic templates: placeholders, dot paths, clear errors', () => {
    const scan = qm(7, { topic: 'boiler', payload: { t: 1 }, tags: [{ device: 'boiler', name: 't', value: 1, quality: 'good', ts: 1 }], site: 'north' });
    assert.equal(new TopicTemplate('devices/{device}/data').render(scan), 'devices/boiler/data');
    assert.equal(new TopicTemplate('{msg.site}/{queue}/{seq}').render(scan), 'north/plant/7');
    assert.equal(new TopicTemplate('').render(scan), 'boiler');
    const tagMsg = qm(8, { topic: 'pump/speed', payload: 3, tag: { device: 'pump', name: 'speed' } });
    assert.equal(new TopicTemplate('d/{device}/{tag}').render(tagMsg), 'd/pump/speed');
    assert.throws(() => new TopicTemplate('a/{nope}'), /unknown placeholder \{nope\}/);
    assert.throws(() => new TopicTemplate('a/#'), /cannot contain \+ or #/);
    assert.throws(() => new TopicTemplate('d/{msg.site}').render(qm(9, { topic: 'x' })), /\{msg\.site\} has no value in message seq 9/);
    assert.throws(() => new TopicTemplate('{topic}').render(qm(10, { topic: 'a/+/b' })), /seq 10 is "a\/\+\/b"/);
  });

  test('payloads: a JSON object gains seq, id, queue; other payloads go as they are', () => {
    assert.deepEqual(JSON.parse(String(encodePayload(qm(1, { payload: { t: 1 } }), 'payload'))), { t: 1, seq: 1, id: qm(1, {}).id, queue: 'plant' });
    assert.equal(encodePayload(qm(2, { payload: 'text' }), 'payload'), 'text');
    assert.equal(encodePayload(qm(3, { payload: 21.5 }), 'payload'), '21.5');
    assert.deepEqual(encodePayload(qm(4, { payload: { type: 'Buffer', data: [1, 2] } }), 'payload'), Buffer.from([1, 2]));
    const whole = JSON.parse(String(encodePayload(qm(5, { topic: 'd', payload: 1, tag: { quality: 'good' } }), 'message')));
    assert.deepEqual(whole, { topic: 'd', payload: 1, tag: { quality: 'good' }, seq: 5, id: qm(5, {}).id, queue: 'plant' });
  });

  test('an object payload is published as exactly the JSON of { ...payload, seq, id, queue }', () => {
    const meta = (n: number) => ({ seq: n, id: qm(n, {}).id, queue: 'plant' });
    // the appended text must equal the spread's: empty objects, nested values, and payloads that
    // already carry seq/id/queue (the message's own values win, in the payload's key order)
    for (const payload of [{}, { t: 1 }, { a: { b: [1, 'x'] }, c: null }, { seq: 99, t: 2 }, { t: 3, queue: 'other', id: 'mine' }]) {
      assert.equal(encodePayload(qm(7, { payload }), 'payload'), JSON.stringify({ ...payload, ...meta(7) }), JSON.stringify(payload));
    }
    fc.assert(
      fc.property(fc.dictionary(fc.string(), fc.jsonValue()), fc.nat(), (payload, seq) => {
        assert.equal(encodePayload(qm(seq, { payload }), 'payload'), JSON.stringify({ ...payload, ...meta(seq) }));
      }),
    );
  });

  test("with the payload's text from the enqueue, the bytes and topics are the same as from the parsed message", () => {
    const viaText = (seq: number, msg: QueuedMessage['msg']): QueuedMessage => ({ ...qm(seq, msg), payloadJson: JSON.stringify(msg.payload), head: messageHead(msg) });
    const template = new TopicTemplate('devices/{device}/{tag}/{topic}');
    fc.assert(
      fc.property(fc.dictionary(fc.string(), fc.jsonValue()), fc.nat(), fc.string({ minLength: 1 }), (payload, seq, device) => {
        for (const msg of [
          { topic: device, payload, tags: [{ device, name: 'x' }] },
          { topic: `${device}/x/y`, payload },
          { topic: 't', payload, tag: { device, name: 'n' } },
        ]) {
          assert.equal(encodePayload(viaText(seq, msg), 'payload'), encodePayload(qm(seq, msg), 'payload'));
          let expected: string | Error;
          try {
            expected = template.render(qm(seq, msg));
          } catch (err) {
            expected = err as Error;
          }
          if (expected instanceof Error) assert.throws(() => template.render(viaText(seq, msg)), { message: expected.message });
          else assert.equal(template.render(viaText(seq, msg)), expected);
        }
      }),
    );
    // a payload that has one of seq, id, queue keeps its own values (the exact path)
    const own = { t: 1, id: 'mine' };
    assert.equal(encodePayload(viaText(3, { payload: own }), 'payload'), JSON.stringify({ ...own, seq: 3, id: qm(3, {}).id, queue: 'plant' }));
  });

  for (const qos of [1, 2] as const) {
    test(`QoS ${qos}, MQTT 5: delivered means acknowledged; seq/id/queue in the payload and the user properties`, peers, async () => {
      const sub = await subscriber(broker!.url, 'devices/#');
      const dest = new MqttDestination({ url: broker!.url, qos, topic: 'devices/{device}/data', clientId: `t-qos${qos}` });
      await dest.start();
      assert.equal(dest.status().state, 'connected');
      const batch = [1, 2, 3].map((i) => qm(i, { topic: `dev${i}`, payload: { v: i } }));
      const outcomes = await dest.send(batch);
      assert.deepEqual(
        outcomes,
        batch.map((m) => ({ seq: m.seq, status: 'delivered' })),
      );
      await waitFor('three messages', () => sub.got.length === 3, 10_000);
      assert.deepEqual(
        sub.got.map((g) => g.topic),
        ['devices/dev1/data', 'devices/dev2/data', 'devices/dev3/data'],
      );
      assert.deepEqual(JSON.parse(sub.got[1].payload), { v: 2, seq: 2, id: batch[1].id, queue: 'plant' });
      assert.deepEqual({ ...sub.got[2].packet.properties?.userProperties }, { seq: '3', id: batch[2].id, queue: 'plant' });
      await dest.close();
      sub.client.end(true);
    });
  }

  test('MQTT 3.1.1, retain, and a message that cannot get a topic is rejected (dead letter), not retried', peers, async () => {
    const dest = new MqttDestination({ url: broker!.url, protocolVersion: 4, retain: true, topic: 'retained/{msg.site}', clientId: 't-v4' });
    await dest.start();
    const outcomes = await dest.send([qm(1, { payload: 'on', site: 's1' }), qm(2, { payload: 'off' })]);
    assert.deepEqual(outcomes[0], { seq: 1, status: 'delivered' });
    assert.equal(outcomes[1].status, 'rejected');
    assert.match((outcomes[1] as { error: string }).error, /\{msg\.site\} has no value in message seq 2/);
    await dest.close();
    // retained: a late subscriber still gets it
    const late = await subscriber(broker!.url, 'retained/#', 4);
    await waitFor('the retained message', () => late.got.length === 1, 10_000);
    assert.equal(late.got[0].payload, 'on');
    assert.equal(late.got[0].packet.retain, true);
    late.client.end(true);
  });

  test('while the broker is away every send is a retry, start() rejects with a clear error; it reconnects when the broker is back', peers, async () => {
    const dest = new MqttDestination({ url: broker!.url, clientId: 't-outage', reconnectMs: 200, connectTimeoutMs: 1500 });
    await dest.start();
    await broker!.peer.stop('SIGKILL');
    await waitFor('disconnected', () => dest.status().state !== 'connected', 10_000);
    const outcomes = await dest.send([qm(1, { topic: 'away', payload: 1 })]);
    assert.equal(outcomes[0].status, 'retry');
    assert.match((outcomes[0] as { error: string }).error, /not connected to mqtt:\/\/127\.0\.0\.1:\d+/);
    await assert.rejects(dest.start(), /mqtt:\/\/127\.0\.0\.1:\d+: (connect ECONNREFUSED|not connected within 1500 ms)/);
    await broker!.restart();
    await waitFor('reconnected', () => dest.status().state === 'connected', 15_000);
    assert.deepEqual(await dest.send([qm(2, { topic: 'back', payload: 2 })]), [{ seq: 2, status: 'delivered' }]);
    await dest.close();
  });

  test('bad options name the field; credentials never appear in describe', () => {
    assert.throws(() => new MqttDestination({ url: 'nonsense' }), /mqtt destination url: "nonsense" is not a URL/);
    assert.throws(() => new MqttDestination({ url: 'http://x' }), /scheme http: is not/);
    assert.throws(() => new MqttDestination({ url: 'mqtt://x', qos: 0 as 1 }), /qos: must be 1 or 2/);
    assert.throws(() => new MqttDestination({ url: 'mqtt://x', topic: 'a/{bad}' }), /mqtt destination topic: .*unknown placeholder \{bad\}/);
    assert.equal(new MqttDestination({ url: 'mqtt://user:secret@h:1883' }).describe, 'mqtt://user:***@h:1883');
  });
});
