// `edge-gateway --config gateway.yaml` with a `devices:` list: the real runtime generates the
// flows on first start and polls the real (pymodbus) devices; ids and flows survive a restart.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startGatewayProcess, type GatewayProcess } from '../helpers/gateway';
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
