// Acknowledging alarms in the default flows, end to end: the real runtime with its embedded
// broker, a setpoint command that drives the simulated boiler over its limit, and an operator's
// acknowledgement published to edge-gateway/<gateway id>/alarms/ack; the acknowledged event comes
// back on the alarms topic through the durable events queue.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import mqtt from 'mqtt';
import { startGatewayProcess, type GatewayProcess } from '../helpers/gateway';
import { waitFor } from '../helpers/process';

const GATEWAY_ID = 'ack-gw';
const ALARM = 'boiler/flow_temp:hi';

let gw: GatewayProcess | undefined;
let client: mqtt.MqttClient | undefined;
after(async () => {
  await client?.endAsync(true);
  await gw?.stop();
  gw?.cleanup();
});

interface AlarmEvent {
  alarm_id: string;
  state: string;
  ackedBy?: string | null;
  queue?: string;
  seq?: number;
}

test('an alarm acknowledged over MQTT: the acknowledged event, by whom, on the alarms topic', async () => {
  gw = await startGatewayProcess({ args: ['--gateway-id', GATEWAY_ID] });
  const events: AlarmEvent[] = [];
  client = mqtt.connect(`mqtt://127.0.0.1:${gw.brokerPort}`, { reconnectPeriod: 200 });
  client.on('message', (_topic, payload) => events.push(JSON.parse(payload.toString()) as AlarmEvent));
  await client.subscribeAsync(`edge-gateway/${GATEWAY_ID}/alarms`, { qos: 1 });
  const context = (err: unknown) => {
    throw new Error(`${(err as Error).message}\nalarm events: ${JSON.stringify(events)}\n${gw!.peer.output()}`);
  };
  // setpoint 45 drives the flow temperature over 85 degC (the simulated plant's physics)
  await client.publishAsync('devices/boiler/commands', JSON.stringify({ setpoint: 45 }), { qos: 1 });
  await waitFor('the over-temperature alarm', () => events.some((e) => e.alarm_id === ALARM && e.state === 'active'), 45000).catch(context);
  // a plain alarm id: acknowledged by "mqtt"
  await client.publishAsync(`edge-gateway/${GATEWAY_ID}/alarms/ack`, ALARM, { qos: 1 });
  const acked = await waitFor('the acknowledged event', () => events.find((e) => e.alarm_id === ALARM && e.state === 'acknowledged'), 15000).catch(context);
  assert.equal(acked.ackedBy, 'mqtt');
  assert.equal(acked.queue, 'events', 'through the durable events queue');
  assert.ok(Number.isInteger(acked.seq));
  // an acknowledgement that is no alarm id is refused with a warning, nothing else happens
  const before = events.length;
  await client.publishAsync(`edge-gateway/${GATEWAY_ID}/alarms/ack`, JSON.stringify({ by: 'op-7' }), { qos: 1 });
  await waitFor('the warning', () => /alarm acknowledgement on edge-gateway\/ack-gw\/alarms\/ack: expected an alarm id/.test(gw!.peer.output()), 10000).catch(context);
  assert.equal(events.slice(before).filter((e) => e.state === 'acknowledged').length, 0);
});

test('the acknowledgement is in the audit log: who, which alarm, from which state to which', () => {
  const file = join(gw!.userDir, 'audit.jsonl');
  const lines = existsSync(file)
    ? readFileSync(file, 'utf8')
        .trim()
        .split('\n')
        .filter(Boolean)
        .map((l) => JSON.parse(l) as Record<string, unknown>)
    : [];
  const acks = lines.filter((a) => a.kind === 'alarm-ack');
  assert.ok(
    acks.some((a) => a.tag === ALARM && a.actor === 'mqtt' && a.old === 'active' && a.new === 'acknowledged' && a.ok === true && a.device === 'boiler'),
    `audit.jsonl: ${JSON.stringify(lines)}`,
  );
});
