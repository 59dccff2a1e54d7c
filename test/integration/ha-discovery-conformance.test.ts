// Every Home Assistant discovery config the default flows publish, judged the way Home Assistant
// reads it (test/peers/ha_conformance.py: HA's unit and state class tables, required keys, the
// availability topic, and each value_template rendered with real Jinja2 against the state
// messages the flows really publish). The real edge-gateway process and a real mosquitto, as a
// user runs them.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import mqtt from 'mqtt';
import { startGatewayProcess } from '../helpers/gateway';
import { needPeers, PEER } from '../helpers/peers';
import { startMosquitto } from '../helpers/mosquitto';
import { waitFor } from '../helpers/process';
import { describeViolations, JINJA_PEER, judgeDiscovery, type MqttSeen } from '../helpers/ha-conformance';

const GATEWAY_ID = 'edge-gw';

/** The retained configs, as a Home Assistant that (re)connects now gets them; waits until two reads agree. */
async function retainedConfigs(url: string): Promise<MqttSeen[]> {
  let previous = -1;
  let configs: MqttSeen[] = [];
  await waitFor(
    'the retained discovery configs to settle',
    async () => {
      const got = new Map<string, MqttSeen>();
      const sub = await mqtt.connectAsync(url);
      sub.on('message', (topic, body, packet) => {
        if (packet.retain) got.set(topic, { topic, payload: body.toString(), retain: true });
      });
      await sub.subscribeAsync('homeassistant/#', { qos: 1 });
      await new Promise((r) => setTimeout(r, 500));
      await sub.endAsync();
      const settled = got.size > 0 && got.size === previous;
      previous = got.size;
      configs = [...got.values()];
      return settled;
    },
    30000,
    1000,
  );
  return configs;
}

test("the default flows' discovery configs pass Home Assistant's rules against the payloads they publish", needPeers(PEER.mosquitto(), JINJA_PEER()), async () => {
  const broker = await startMosquitto();
  const gw = await startGatewayProcess({ args: ['--mqtt-url', broker.url, '--gateway-id', GATEWAY_ID] });
  const client = await mqtt.connectAsync(broker.url);
  try {
    const messages: MqttSeen[] = [];
    client.on('message', (topic, body, packet) => messages.push({ topic, payload: body.toString(), retain: packet.retain }));
    // subscribed after the gateway is up: its status arrives as Home Assistant gets it, retained
    await client.subscribeAsync(['devices/+/data', `edge-gateway/${GATEWAY_ID}/#`], { qos: 1 });
    const data = (device: string) => messages.filter((m) => m.topic === `devices/${device}/data`).map((m) => JSON.parse(m.payload) as { group?: string; values: Record<string, unknown> });
    await waitFor(
      'state messages of every device, both boiler poll groups, the system figures and a heartbeat',
      () =>
        ['meter', 'plant-can', 'calc'].every((d) => data(d).length >= 3) &&
        // the system-tags node's scan: its discovery configs are judged against it too
        data('system').length >= 1 &&
        data('boiler').filter((m) => m.group === 'fast').length >= 3 &&
        data('boiler').filter((m) => m.group === 'slow').length >= 2 &&
        messages.some((m) => m.topic === `edge-gateway/${GATEWAY_ID}/heartbeat`),
      60000,
      200,
    );
    const configs = await retainedConfigs(broker.url);
    // a failed read as the flows publish it: the tags' value null, quality bad (the simulator does not fail on its own)
    const fast = messages.filter((m) => m.topic === 'devices/boiler/data').find((m) => (JSON.parse(m.payload) as { group?: string }).group === 'fast')!;
    const failed = JSON.parse(fast.payload) as { values: Record<string, unknown>; quality: Record<string, string> };
    for (const tag of ['flow_temp', 'pump_on']) {
      failed.values[tag] = null;
      failed.quality[tag] = 'bad';
    }
    messages.push({ topic: fast.topic, payload: JSON.stringify(failed), retain: false }, fast);

    // what the judge is given really holds the cases of issue 20: tags missing from a message on their topic, and null
    const slow = data('boiler').find((m) => m.group === 'slow')!;
    assert.ok(!('pump_on' in slow.values) && !('flow_temp' in slow.values), "the slow group lacks the fast group's tags");
    const tagsSeen = new Set(['boiler', 'meter', 'plant-can', 'calc'].flatMap((d) => data(d).flatMap((m) => Object.keys(m.values).map((t) => `devices/${d}/data ${t}`))));
    const announced = new Set(configs.map((c) => JSON.parse(c.payload) as { state_topic: string; name: string }).map((c) => `${c.state_topic} ${c.name}`));
    assert.deepEqual(
      [...tagsSeen].filter((t) => !announced.has(t)),
      [],
      'every published tag is announced',
    );
    assert.ok(configs.length >= 40, `${configs.length} configs`);

    const { violations, renders } = judgeDiscovery(configs, messages);
    assert.deepEqual(violations, [], describeViolations(violations));
    console.log(`${configs.length} discovery configs, ${messages.length} state and status messages, ${renders} template renders: no violation`);
  } finally {
    await client.endAsync(true);
    await gw.stop();
    gw.cleanup();
    await broker.stop();
  }
});
