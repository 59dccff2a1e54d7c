// The default flows (flows/gateway.json) run the whole gateway pipeline on simulated devices: the
// real edge-gateway process, a real mosquitto (--mqtt-url) and a real MQTT client, as a user sees
// it. Readings with good quality from every simulated device, a heartbeat, an alarm when a
// setpoint drives the boiler over its limit, commands with results and audit, and a 10 s broker
// outage after which no seq is missing. Heartbeats and alarms go through the durable events queue.
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import mqtt from 'mqtt';
import { startGatewayProcess } from '../helpers/gateway';
import { needPeers, PEER } from '../helpers/peers';
import { freePort, startProcess, waitFor, waitForPort, type Peer } from '../helpers/process';

const GATEWAY_ID = 'itest-gw';
const SIMULATED = ['boiler', 'meter', 'plant-can'];

/** mosquitto with persistence: a stop (SIGTERM) keeps the subscriber's session and its queued messages. */
async function persistentMosquitto(dir: string) {
  const port = await freePort();
  const conf = join(dir, 'mosquitto.conf');
  writeFileSync(
    conf,
    [`listener ${port} 127.0.0.1`, 'allow_anonymous true', 'persistence true', `persistence_location ${dir}/`, 'autosave_interval 1', 'max_queued_messages 0', 'max_inflight_messages 0', ''].join(
      '\n',
    ),
  );
  let peer: Peer | undefined;
  const b = {
    url: `mqtt://127.0.0.1:${port}`,
    async start() {
      peer = startProcess('mosquitto', ['-c', conf]);
      await waitForPort(port);
    },
    async stop() {
      await peer?.stop('SIGTERM');
    },
  };
  await b.start();
  return b;
}

interface Seen {
  topic: string;
  body: any;
  at: number;
}

function parse(payload: Buffer): any {
  try {
    return JSON.parse(payload.toString());
  } catch {
    return payload.toString();
  }
}

function auditLines(userDir: string): Array<Record<string, any>> {
  const file = join(userDir, 'audit.jsonl');
  if (!existsSync(file)) return [];
  return readFileSync(file, 'utf8')
    .trim()
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l));
}

describe('default flows: the whole gateway pipeline', () => {
  test('readings of every simulated device, heartbeat, alarm, commands with results and audit, no seq lost in a broker outage', needPeers(PEER.mosquitto()), async () => {
    const dir = mkdtempSync(join(tmpdir(), 'edgegw-flows-'));
    const broker = await persistentMosquitto(dir);
    // a persistent QoS 1 session, subscribed before the gateway starts: every data message is kept for it
    const client = mqtt.connect(broker.url, { clientId: `default-flows-${process.pid}`, clean: false, reconnectPeriod: 200 });
    const seen: Seen[] = [];
    client.on('message', (topic, payload) => seen.push({ topic, body: parse(payload), at: Date.now() }));
    await new Promise<void>((resolve, reject) => {
      client.once('connect', () => client.subscribe(['devices/#', `edge-gateway/${GATEWAY_ID}/#`, 'homeassistant/#'], { qos: 1 }, (err) => (err ? reject(err) : resolve())));
      client.once('error', reject);
    });
    const gw = await startGatewayProcess({ args: ['--mqtt-url', broker.url, '--gateway-id', GATEWAY_ID] });
    const data = (device: string) => seen.filter((m) => m.topic === `devices/${device}/data`);
    const results = (device: string) => seen.filter((m) => m.topic === `devices/${device}/commands/result`);
    try {
      const up = Date.now();
      // within 15 s: good readings from every simulated device and a heartbeat
      for (const device of SIMULATED) {
        const m = await waitFor(
          `good readings of ${device}`,
          () => data(device).find((d) => Object.values(d.body.quality ?? {}).length > 0 && Object.values(d.body.quality).every((q) => q === 'good')),
          15000,
        );
        assert.equal(m.body.device_id, device);
        assert.ok(Number.isInteger(m.body.seq) && m.body.seq > 0, `${device}: seq ${m.body.seq}`);
        assert.match(m.body.id, /^[0-9a-f-]{36}$/);
        assert.equal(m.body.queue, 'devices');
        assert.ok(m.body.ts > 0);
      }
      const meter = data('meter').at(-1)!.body;
      assert.ok(meter.values.l1_voltage > 220 && meter.values.l1_voltage < 240, `meter voltage ${meter.values.l1_voltage}`);
      assert.equal(meter.units.l1_voltage, 'V');
      // the heartbeat (gateway-heartbeat node) through the durable events queue: system figures, queue depth, seq
      const heartbeats = () => seen.filter((m) => m.topic === `edge-gateway/${GATEWAY_ID}/heartbeat`);
      const heartbeat = await waitFor('a heartbeat with the queue depth', () => heartbeats().find((m) => typeof m.body.queue_depth === 'number'), 30000);
      const hb = heartbeat.body;
      assert.equal(hb.gateway_id, GATEWAY_ID);
      assert.equal(typeof hb.version, 'string');
      assert.ok(hb.ts > 0);
      assert.equal(typeof hb.uptime.process_s, 'number', 'uptime in the shape Home Assistant reads');
      assert.equal(typeof hb.uptime.system_s, 'number');
      assert.equal(typeof hb.cpu.process_percent, 'number');
      assert.equal(hb.cpu.load.length, 3);
      assert.ok(hb.cpu.cores >= 1);
      assert.ok(hb.memory.rss_bytes > 0 && hb.memory.heap_used_bytes > 0 && hb.memory.system_total_bytes > 0, JSON.stringify(hb.memory));
      assert.equal(hb.disk.path, gw.userDir, 'the disk of the user directory');
      assert.ok(hb.disk.free_bytes > 0 && hb.disk.total_bytes >= hb.disk.free_bytes, JSON.stringify(hb.disk));
      assert.ok(hb.queue_depth >= 0);
      assert.equal(hb.queue, 'events');
      assert.ok(Number.isInteger(hb.seq) && hb.seq > 0, `heartbeat seq ${hb.seq}`);
      assert.match(hb.id, /^[0-9a-f-]{36}$/);
      // Home Assistant discovery: a retained config per tag, reading its state from the data topic
      const ha = await waitFor('a Home Assistant discovery config for boiler/flow_temp', () => seen.find((m) => m.topic === `homeassistant/sensor/${GATEWAY_ID}_boiler_flow_temp/config`), 15000);
      assert.equal(ha.body.state_topic, 'devices/boiler/data');
      assert.equal(ha.body.unit_of_measurement, '°C');
      assert.equal(ha.body.device_class, 'temperature');
      assert.equal(ha.body.availability_topic, `edge-gateway/${GATEWAY_ID}/status`);
      console.log(`first devices/+/data ${Math.min(...seen.filter((m) => m.topic.endsWith('/data')).map((m) => m.at)) - up} ms after /health said the flows started`);
      assert.ok(
        seen.some((m) => m.topic === `edge-gateway/${GATEWAY_ID}/status` && m.body === 'online'),
        'status online (retained)',
      );
      const calc = await waitFor('derived tags', () => data('calc').find((d) => typeof d.body.values.boiler_delta_t === 'number'), 15000);
      assert.equal(calc.body.units.boiler_delta_t, 'K');

      // command round trip: setpoint 45 is written, read back, audited, answered ok
      await client.publishAsync('devices/boiler/commands', JSON.stringify({ setpoint: 45 }), { qos: 1 });
      const ok = await waitFor('the result of the setpoint command', () => results('boiler')[0], 15000);
      assert.equal(ok.body.ok, true, JSON.stringify(ok.body));
      await waitFor('setpoint 45 read back', () => data('boiler').find((d) => d.body.values.setpoint === 45), 15000);
      const write = await waitFor('the write in audit.jsonl', () => auditLines(gw.userDir).find((a) => a.tag === 'setpoint' && a.new === 45), 5000);
      assert.equal(write.device, 'boiler');
      assert.equal(write.ok, true);

      // the setpoint drives the flow temperature over 85 degC: a critical alarm event
      const alarm = await waitFor(
        'over-temperature alarm',
        () => seen.find((m) => m.topic === `edge-gateway/${GATEWAY_ID}/alarms` && m.body.alarm_id === 'boiler/flow_temp:hi' && m.body.state === 'active'),
        30000,
      );
      assert.equal(alarm.body.severity, 'critical');
      assert.ok(alarm.body.value > 85, `alarm value ${alarm.body.value}`);
      // through the same durable events queue as the heartbeat: seq and id from the queue
      assert.equal(alarm.body.queue, 'events');
      assert.ok(Number.isInteger(alarm.body.seq) && alarm.body.seq > 0, `alarm seq ${alarm.body.seq}`);
      assert.match(alarm.body.id, /^[0-9a-f-]{36}$/);

      // a bad command (flow_temp is read-only) gets an error result and writes nothing
      const auditBefore = auditLines(gw.userDir).length;
      await client.publishAsync('devices/boiler/commands', JSON.stringify({ setpoint: 22, flow_temp: 10 }), { qos: 1 });
      const refused = await waitFor('the result of the bad command', () => results('boiler')[1], 15000);
      assert.equal(refused.body.ok, false);
      assert.match(refused.body.error, /flow_temp/);
      const afterBad = Date.now();
      await waitFor('a slow scan after the bad command', () => data('boiler').find((d) => d.at > afterBad + 500 && d.body.group === 'slow'), 15000);
      assert.equal(
        data('boiler')
          .filter((d) => d.body.group === 'slow')
          .at(-1)!.body.values.setpoint,
        45,
        'setpoint unchanged',
      );
      assert.ok(
        !auditLines(gw.userDir)
          .slice(auditBefore)
          .some((a) => a.new === 22),
        'nothing audited as written',
      );
      // a command to a device the gateway does not have is answered too
      await client.publishAsync('devices/nosuch/commands', JSON.stringify({ x: 1 }), { qos: 1 });
      const unknown = await waitFor('the result for an unknown device', () => results('nosuch')[0], 15000);
      assert.equal(unknown.body.ok, false);
      await client.publishAsync('devices/boiler/commands', JSON.stringify({ setpoint: 21 }), { qos: 1 });

      // the broker is away for 10 s: the queue keeps everything, then delivers it; no seq missing
      const before = Math.max(...seen.filter((m) => m.topic.endsWith('/data')).map((m) => m.body.seq));
      const eventsBefore = Math.max(...heartbeats().map((m) => m.body.seq as number));
      await broker.stop();
      await new Promise((r) => setTimeout(r, 10000));
      await broker.start();
      const target = before + 40;
      await waitFor(`seq beyond ${target} after the outage`, () => seen.some((m) => m.topic.endsWith('/data') && m.body.seq > target), 60000);
      const seqs = [...new Set(seen.filter((m) => m.topic.startsWith('devices/') && m.topic.endsWith('/data')).map((m) => m.body.seq as number))].sort((a, b) => a - b);
      const missing: number[] = [];
      for (let s = seqs[0]; s <= seqs.at(-1)!; s++) if (!seqs.includes(s)) missing.push(s);
      assert.deepEqual(missing, [], `seq ${seqs[0]}..${seqs.at(-1)} without a gap`);
      assert.ok(seqs[0] === 1, `the first seq is 1, got ${seqs[0]}`);
      // the events queue (heartbeats every 10 s, alarms) kept its share of the outage too
      await waitFor('a heartbeat after the outage', () => heartbeats().some((m) => m.body.seq > eventsBefore + 1), 60000);
      const eventSeqs = [...new Set(seen.filter((m) => m.body?.queue === 'events').map((m) => m.body.seq as number))].sort((a, b) => a - b);
      const eventsMissing: number[] = [];
      for (let s = eventSeqs[0]; s <= eventSeqs.at(-1)!; s++) if (!eventSeqs.includes(s)) eventsMissing.push(s);
      assert.deepEqual(eventsMissing, [], `events seq ${eventSeqs[0]}..${eventSeqs.at(-1)} without a gap`);
      assert.equal(eventSeqs[0], 1, 'the first event seq is 1');
      assert.equal(gw.peer.proc.exitCode, null, 'still running');
    } finally {
      await client.endAsync(true);
      await gw.stop();
      gw.cleanup();
      await broker.stop();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
