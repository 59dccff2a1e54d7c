// modbus-device's identity check by device identification (function 43 / MEI 14) in Node-RED:
// against a modbus-server node answering as an SDM630 (its ProductCode set in the node), the
// right product polls good, a wrong one makes every tag bad with the mismatch named.
import { test, describe, before, after, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import { helper, nodeModule } from '../helpers/nodered';
import { freePort, waitFor } from '../helpers/process';

interface Scan {
  tags: Array<{ name: string; quality: string; error?: string }>;
  payload: Record<string, unknown>;
}

const TAGS = 'name,area,address,type,order,scale,offset,unit,access,group\nl1_voltage,input,30001,float32,ABCD,1,0,V,r,fast\nfrequency,input,30071,float32,ABCD,1,0,Hz,r,fast\n';

function flow(port: number, identity: Record<string, unknown>) {
  return [
    { id: 'tab1', type: 'tab', label: 'identity' },
    {
      id: 'sim',
      type: 'edgegw-modbus-server',
      z: 'tab1',
      x: 100,
      y: 100,
      transport: 'tcp',
      host: '127.0.0.1',
      port,
      units: '1',
      simulation: '1: eastron-sdm630',
      vendorName: 'Eastron',
      productCode: 'SDM630',
      modelName: 'SDM630-Modbus V2',
      wires: [[]],
    },
    { id: 'conn', type: 'edgegw-modbus-connection', name: 'line', transport: 'tcp', host: '127.0.0.1', port, timeoutMs: 3000, reconnectMinMs: 50, reconnectMaxMs: 200 },
    {
      id: 'meter',
      type: 'edgegw-modbus-device',
      z: 'tab1',
      x: 300,
      y: 100,
      connection: 'conn',
      device: 'meter',
      unit: 1,
      notation: 'modicon',
      tags: TAGS,
      groups: [{ name: 'fast', interval: 100 }],
      output: 'scan',
      ...identity,
      wires: [['out']],
    },
    { id: 'out', type: 'helper', z: 'tab1', x: 500, y: 100 },
  ];
}

describe('modbus-device identity by device identification', () => {
  const modules = () => [nodeModule('modbus-server'), nodeModule('modbus-connection'), nodeModule('modbus-device')];
  before(() => helper.startServer());
  after(() => helper.stopServer());
  afterEach(() => helper.unload());

  for (const [object, equals] of [
    ['ProductCode', 'SDM630'],
    ['modelname', 'SDM630-Modbus V2'],
  ]) {
    test(`the device it should be (${object} = ${equals}): scans are good`, async () => {
      await helper.load(modules(), flow(await freePort(), { identityMode: 'device-id', identityObject: object, identityEquals: equals }));
      const scans: Scan[] = [];
      helper.getNode('out').on('input', (m: unknown) => scans.push(m as Scan));
      await waitFor('three good scans', () => scans.filter((s) => s.tags.every((t) => t.quality === 'good')).length >= 3, 15_000);
      assert.ok(
        scans.every((s) => s.tags.every((t) => t.quality === 'good')),
        'never a bad scan',
      );
      assert.ok((scans[0].payload.frequency as number) > 49);
    });
  }

  test('another product behind the unit: every tag bad, the mismatch named', async () => {
    await helper.load(modules(), flow(await freePort(), { identityMode: 'device-id', identityObject: 'ProductCode', identityEquals: 'SDM120' }));
    const scans: Scan[] = [];
    helper.getNode('out').on('input', (m: unknown) => scans.push(m as Scan));
    await waitFor('a scan', () => scans.length >= 2, 15_000);
    for (const s of scans) {
      for (const t of s.tags) {
        assert.equal(t.quality, 'bad');
        assert.equal(t.error, 'identity mismatch: ProductCode is SDM630, expected SDM120');
      }
    }
  });

  test('a device-id identity without the value it must have is refused at deploy, naming the field', async () => {
    await helper.load(modules(), flow(await freePort(), { identityMode: 'device-id', identityObject: '0x1ff' }));
    const node = helper.getNode('meter') as unknown as { error: { getCalls(): Array<{ args: unknown[] }> } };
    await waitFor('the refusal', () => node.error.getCalls().length > 0, 5000);
    assert.match(String(node.error.getCalls()[0].args[0]), /identityObject: must be an object name/);
  });
});
