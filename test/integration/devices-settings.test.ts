// `edge-gateway --config gateway.yaml` with a `devices:` list: the real runtime generates the
// flows on first start and polls the real (pymodbus) devices; ids and flows survive a restart.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import mqtt from 'mqtt';
import { startGatewayProcess, type GatewayProcess } from '../helpers/gateway';
import { pressInject } from '../helpers/nodered-admin';
import { needPeers, PEER } from '../helpers/peers';
import { startPymodbus, type PymodbusServer } from '../helpers/pymodbus';
import { waitFor } from '../helpers/process';

interface HealthNode {
  id: string;
  type: string;
  name?: string;
  state: string;
  detail?: { device?: string; good?: number; tags?: number };
}

let server: PymodbusServer | undefined;
let gw: GatewayProcess | undefined;
after(async () => {
  await gw?.stop('SIGKILL');
  gw?.cleanup();
  await server?.stop();
});

const pollingDevices = async (base: string): Promise<HealthNode[]> => {
  const body = (await (await fetch(`${base}/health`)).json()) as { nodes?: HealthNode[] };
  // polling = reading good values; the SDM630's serial-number register (464513) lies beyond the
  // test server's register image, so that one tag is bad and the meter reports "degraded"
  return (body.nodes ?? []).filter((n) => n.type === 'modbus-device' && n.state !== 'down' && (n.detail?.good ?? 0) > 0);
};

test('devices: in a YAML settings file become polling flows on first start, kept across a restart', needPeers(PEER.pymodbus()), async () => {
  server = await startPymodbus({ transport: 'tcp', units: [1, 2] });
  const dir = mkdtempSync(join(tmpdir(), 'edgegw-devices-'));
  const userDir = join(dir, 'ud');
  const config = join(dir, 'gateway.yaml');
  writeFileSync(
    config,
    [
      'gatewayId: test-gw',
      'devices:',
      '  - name: Main Meter',
      '    transport: tcp',
      `    host: 127.0.0.1:${server.port}`,
      '    unit: 1',
      '    template: eastron-sdm630',
      '    poll: 500ms',
      '  - name: boiler',
      `    host: 127.0.0.1`,
      `    port: ${server.port}`,
      '    unit: 2',
      '    tags: |',
      '      name,area,address,type,unit,access',
      '      flow_temp,holding,3,int16,degC,r',
      '      pump_on,coil,1,bool,,r',
      '',
    ].join('\n'),
  );
  gw = await startGatewayProcess({ userDir, args: ['--config', config] });
  const polling = (await waitFor(
    'both generated devices polling in /health',
    async () => {
      const list = await pollingDevices(gw!.base);
      return list.length === 2 ? list : false;
    },
    60000,
    200,
  ).catch(async (err) => {
    throw new Error(`${(err as Error).message}\n/health: ${await (await fetch(`${gw!.base}/health`)).text()}\n${gw!.peer.output()}\npymodbus: ${server!.output()}`);
  })) as HealthNode[];
  assert.deepEqual(polling.map((n) => n.detail?.device).sort(), ['boiler', 'main-meter']);
  assert.match(gw.peer.output(), /flows generated from the 2 device\(s\) in .*gateway\.yaml/);

  const flows = JSON.parse(readFileSync(join(userDir, 'flows.json'), 'utf8')) as Array<Record<string, unknown>>;
  assert.equal(flows.filter((n) => n.type === 'edgegw-modbus-connection').length, 1, 'one line, two units');
  assert.ok(flows.some((n) => n.type === 'link out' && n.name === 'edgegw acquisition'));
  assert.equal(
    flows.some((n) => n.type === 'edgegw-modbus-server'),
    false,
    'no simulator: these are real devices',
  );
  const registry = JSON.parse(readFileSync(join(userDir, 'devices.json'), 'utf8')) as { devices: Array<{ device_id: string }> };
  assert.deepEqual(
    registry.devices.map((d) => d.device_id),
    ['main-meter', 'boiler'],
  );

  // a restart never regenerates or overwrites the flows (a user may have edited them)
  await gw.stop();
  const edited = flows.map((n) => (n.type === 'tab' ? { ...n, label: 'Devices (edited)' } : n));
  writeFileSync(join(userDir, 'flows.json'), JSON.stringify(edited));
  gw = await startGatewayProcess({ userDir, args: ['--config', config] });
  await waitFor('devices polling again after restart', async () => (await pollingDevices(gw!.base)).length === 2, 60000, 200).catch(async (err) => {
    throw new Error(`${(err as Error).message}\n/health: ${await (await fetch(`${gw!.base}/health`)).text()}\n${gw!.peer.output()}\npymodbus: ${server!.output()}`);
  });
  const after = JSON.parse(readFileSync(join(userDir, 'flows.json'), 'utf8')) as Array<Record<string, unknown>>;
  assert.ok(after.some((n) => n.type === 'tab' && n.label === 'Devices (edited)'));
  assert.doesNotMatch(gw.peer.output(), /flows generated/);
});

test('a bad devices: entry stops the start with the file, line and field', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'edgegw-devices-bad-'));
  const config = join(dir, 'gateway.yaml');
  writeFileSync(config, 'devices:\n  - name: meter\n    host: 127.0.0.1\n    template: eastron-sdm630\n  - name: tank\n    transport: rtu\n    template: eastron-sdm120\n');
  const bad = await startGatewayProcess({ userDir: join(dir, 'ud'), args: ['--config', config], waitHealthy: false });
  const code = await new Promise<number | null>((r) => (bad.peer.proc.exitCode !== null ? r(bad.peer.proc.exitCode) : bad.peer.proc.once('exit', (c) => r(c))));
  assert.notEqual(code, 0);
  assert.match(bad.peer.output(), /gateway\.yaml line 5: devices\[1\]\.path: missing \(transport rtu needs the serial port/);
});

interface Seen {
  topic: string;
  body: any;
  retain: boolean;
}

test(
  'devices: get the whole pipeline: data with seq, heartbeat, retained discovery, commands with results, a comm loss alarm acknowledged over MQTT and with the button',
  needPeers(PEER.pymodbus()),
  async () => {
    const device = await startPymodbus({ transport: 'tcp', units: [1] });
    const dir = mkdtempSync(join(tmpdir(), 'edgegw-devices-pipeline-'));
    const config = join(dir, 'gateway.yaml');
    writeFileSync(
      config,
      [
        'gatewayId: pipe-gw',
        'devices:',
        '  - name: Boiler 1',
        `    host: 127.0.0.1:${device.port}`,
        '    unit: 1',
        '    poll: 500ms',
        '    tags: |',
        '      name,area,address,type,unit,access',
        '      flow_temp,holding,3,int16,degC,r',
        '      setpoint,holding,10,int16,degC,rw',
        '',
      ].join('\n'),
    );
    const pipeline = await startGatewayProcess({ userDir: join(dir, 'ud'), args: ['--config', config] });
    const seen: Seen[] = [];
    const client = mqtt.connect(`mqtt://127.0.0.1:${pipeline.brokerPort}`, { reconnectPeriod: 200 });
    client.on('message', (topic, payload, packet) => {
      let body: any = payload.toString();
      try {
        body = JSON.parse(body);
      } catch {
        // a plain text payload (status)
      }
      seen.push({ topic, body, retain: packet.retain });
    });
    const context = async (err: unknown) => {
      throw new Error(`${(err as Error).message}\nMQTT topics seen: ${[...new Set(seen.map((m) => m.topic))].join(', ')}\n${pipeline.peer.output()}\npymodbus: ${device.output()}`);
    };
    try {
      await client.subscribeAsync(['devices/#', 'edge-gateway/pipe-gw/#', 'homeassistant/#'], { qos: 1 });
      const registry = JSON.parse(readFileSync(join(pipeline.userDir, 'devices.json'), 'utf8')) as { devices: Array<{ device_id: string }> };
      const id = registry.devices[0].device_id;
      const data = () => seen.filter((m) => m.topic === `devices/${id}/data`);

      // the device's scans on MQTT through the durable queue: values, quality, units, seq
      const scan = await waitFor('a scan of the device on MQTT', () => data().find((m) => m.body.values?.flow_temp === 3), 30000).catch(context);
      assert.equal(scan.body.device_id, id);
      assert.equal(scan.body.quality.flow_temp, 'good');
      assert.equal(scan.body.units.flow_temp, 'degC');
      assert.equal(scan.body.queue, 'devices');
      assert.ok(Number.isInteger(scan.body.seq) && scan.body.seq > 0, `seq ${scan.body.seq}`);
      // the gateway's status, heartbeat and Home Assistant discovery, all under the one gateway id
      await waitFor('status online', () => seen.some((m) => m.topic === 'edge-gateway/pipe-gw/status' && m.body === 'online'), 15000).catch(context);
      const heartbeat = await waitFor('a heartbeat', () => seen.find((m) => m.topic === 'edge-gateway/pipe-gw/heartbeat'), 30000).catch(context);
      assert.equal(heartbeat.body.gateway_id, 'pipe-gw');
      assert.equal(heartbeat.body.queue, 'events');
      const discovery = await waitFor(
        'a discovery config for flow_temp',
        () => seen.find((m) => m.topic.startsWith('homeassistant/') && m.body?.state_topic === `devices/${id}/data` && /flow_temp/.test(m.topic)),
        15000,
      ).catch(context);
      assert.equal(discovery.body.availability_topic, 'edge-gateway/pipe-gw/status');
      const late = mqtt.connect(`mqtt://127.0.0.1:${pipeline.brokerPort}`);
      try {
        const retained = new Promise<boolean>((resolve) => late.on('message', (topic, _p, packet) => topic === discovery.topic && resolve(packet.retain)));
        await late.subscribeAsync(discovery.topic, { qos: 1 });
        assert.equal(await retained, true, 'the discovery config is retained');
      } finally {
        await late.endAsync(true);
      }

      // a command: written to the device, audited, answered
      await client.publishAsync(`devices/${id}/commands`, JSON.stringify({ setpoint: 42 }), { qos: 1 });
      const result = await waitFor('the command result', () => seen.find((m) => m.topic === `devices/${id}/commands/result`), 15000).catch(context);
      assert.equal(result.body.ok, true, JSON.stringify(result.body));
      assert.deepEqual(await device.getRegisters(1, 'holding', 10, 1), [42]);
      const audit = join(pipeline.userDir, 'audit.jsonl');
      await waitFor('the write in audit.jsonl', () => existsSync(audit) && readFileSync(audit, 'utf8').includes('"tag":"setpoint"'), 5000);

      // the device falls silent: communication lost, an alarm on the alarms topic
      await device.silence(1, true);
      const alarms = () => seen.filter((m) => m.topic === 'edge-gateway/pipe-gw/alarms');
      const lost = await waitFor('the communication loss alarm', () => alarms().find((m) => m.body.alarm_id === `${id}/flow_temp:bad` && m.body.state === 'active'), 30000).catch(context);
      assert.equal(lost.body.severity, 'high');
      assert.equal(lost.body.queue, 'events');
      // acknowledged over MQTT, by a named operator
      await client.publishAsync('edge-gateway/pipe-gw/alarms/ack', JSON.stringify({ id: `${id}/flow_temp:bad`, by: 'op-7' }), { qos: 1 });
      const acked = await waitFor('the acknowledgement', () => alarms().find((m) => m.body.alarm_id === `${id}/flow_temp:bad` && m.body.state === 'acknowledged'), 15000).catch(context);
      assert.equal(acked.body.ackedBy, 'op-7');
      // no fresh reading for 15 s: a second alarm, acknowledged with the editor's button
      await waitFor('the stale reading alarm', () => alarms().find((m) => m.body.alarm_id === `${id}/flow_temp:stale` && m.body.state === 'active'), 40000).catch(context);
      await pressInject(pipeline.base, 'edgegw.proc.ack.all');
      const button = await waitFor('the acknowledgement of all', () => alarms().find((m) => m.body.alarm_id === `${id}/flow_temp:stale` && m.body.state === 'acknowledged'), 15000).catch(context);
      assert.equal(button.body.ackedBy, 'editor');
    } finally {
      await client.endAsync(true);
      await pipeline.stop();
      pipeline.cleanup();
      await device.stop();
      rmSync(dir, { recursive: true, force: true });
    }
  },
);
