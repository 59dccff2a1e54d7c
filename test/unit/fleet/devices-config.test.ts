import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import yaml from 'js-yaml';
import { parseArgs, resolveSettings, SettingsError } from '../../../runtime/settings';
import { parseDevices, yamlEntryLines, parsePollInterval } from '../../../lib/fleet/devices-config';
import { DeviceIdRegistry } from '../../../lib/fleet/device-ids';
import { flowsFromDevices, ACQUISITION_LINK_ID, ACQUISITION_LINK_NAME } from '../../../runtime/flows-from-devices';

const loadYaml = () => yaml;
const dir = mkdtempSync(join(tmpdir(), 'edgegw-devcfg-'));
const settingsOf = (name: string, text: string) => {
  const file = join(dir, name);
  writeFileSync(file, text);
  return resolveSettings(parseArgs(['--config', file]), {}, loadYaml);
};

const GOOD = `port: 1880
gatewayId: plant-7
devices:
  - name: main meter
    transport: tcp
    host: 10.0.0.5:502
    unit: 1
    template: eastron-sdm630
    poll: 2s
  - name: sub meter
    transport: tcp
    host: 10.0.0.5
    port: 502
    unit: 2
    template: eastron-sdm120
  - name: tank
    transport: rtu
    path: /dev/ttyUSB0
    baudRate: 19200
    parity: even
    unit: 7
    tags: tank.csv
  - name: pump
    host: 10.0.0.9
    tags: |
      name,area,address,type,unit,access
      speed,holding,0,uint16,rpm,r
      running,coil,0,bool,,r
    poll: 500ms
`;

describe('devices: in the settings file', () => {
  test('a valid list: transports, templates, CSV files, inline tables, poll intervals', () => {
    writeFileSync(join(dir, 'tank.csv'), 'name,area,address,type,unit,access\nlevel,holding,0,uint16,%,r\ntemp,input,1,int16,degC,r\n');
    const s = settingsOf('good.yaml', GOOD);
    assert.equal(s.gatewayId, 'plant-7');
    const d = s.devices!;
    assert.equal(d.length, 4);
    assert.deepEqual([d[0].host, d[0].port, d[0].unit, d[0].template, d[0].manufacturer], ['10.0.0.5', 502, 1, 'eastron-sdm630', 'Eastron']);
    assert.ok(
      d[0].groups.every((g) => g.interval === 2000),
      'poll sets every group',
    );
    assert.deepEqual([d[2].transport, d[2].path, d[2].baudRate, d[2].parity, d[2].unit], ['rtu', '/dev/ttyUSB0', 19200, 'even', 7]);
    assert.match(d[2].tagsCsv, /level,holding,0/);
    assert.deepEqual([d[3].transport, d[3].port, d[3].unit], ['tcp', 502, 1], 'defaults: tcp, port 502, unit 1');
    assert.deepEqual(d[3].groups, [{ name: 'default', interval: 500 }]);
    assert.deepEqual(
      d.map((x) => x.line),
      [4, 10, 16, 23],
    );
  });

  const bad: Array<[string, string, RegExp]> = [
    ['no name', 'devices:\n  - transport: tcp\n    host: h\n    template: eastron-sdm630\n', /line 2: devices\[0\]\.name: missing/],
    ['bad transport', 'devices:\n  - name: a\n    transport: udp\n    host: h\n    template: eastron-sdm630\n', /line 2: devices\[0\]\.transport: "udp" must be one of tcp, rtu-over-tcp, rtu, ascii/],
    ['tcp without host', 'devices:\n  - name: a\n    template: eastron-sdm630\n', /devices\[0\]\.host: missing/],
    ['rtu without path', 'devices:\n  - name: a\n    transport: rtu\n    template: eastron-sdm630\n', /devices\[0\]\.path: missing/],
    ['unknown template', 'devices:\n  - name: a\n    host: h\n    template: sdm999\n', /devices\[0\]\.template: no template named "sdm999" \(known: .*eastron-sdm630/],
    ['template and tags', 'devices:\n  - name: a\n    host: h\n    template: eastron-sdm630\n    tags: x.csv\n', /give either template .* or tags/],
    ['missing CSV file', 'devices:\n  - name: a\n    host: h\n    tags: nope.csv\n', /devices\[0\]\.tags: cannot read the tag table .*nope\.csv: file not found \(ENOENT\)/],
    ['bad tag table line', 'devices:\n  - name: a\n    host: h\n    tags: |\n      name,area,address,type\n      t1,holding,0,int16\n      t2,holding,x,int16\n', /devices\[0\]\.tags: .*line 3/],
    ['unit out of range', 'devices:\n  - name: a\n    host: h\n    unit: 300\n    template: eastron-sdm630\n', /devices\[0\]\.unit: "300" must be a whole number 0\.\.255/],
    ['bad poll', 'devices:\n  - name: a\n    host: h\n    poll: soon\n    template: eastron-sdm630\n', /devices\[0\]\.poll: "soon" is not a poll interval/],
    [
      'duplicate name',
      'devices:\n  - name: a\n    host: h\n    template: eastron-sdm630\n  - name: a\n    host: h2\n    template: eastron-sdm630\n',
      /line 5: devices\[1\]\.name: "a" is used by two devices/,
    ],
    [
      'same unit twice on a line',
      'devices:\n  - name: a\n    host: h\n    template: eastron-sdm630\n  - name: b\n    host: h\n    template: eastron-sdm630\n',
      /devices\[1\]\.unit: unit 1 on the same line is already device "a"/,
    ],
    ['unknown field', 'devices:\n  - name: a\n    host: h\n    adress: 3\n    template: eastron-sdm630\n', /devices\[0\]\.adress: unknown field/],
    ['serial field on tcp', 'devices:\n  - name: a\n    host: h\n    baudRate: 9600\n    template: eastron-sdm630\n', /devices\[0\]\.baudRate: is for serial transports/],
    ['not a list', 'devices: {name: a}\n', /devices: must be a list/],
  ];
  for (const [what, text, want] of bad) {
    test(`error: ${what}`, () => {
      assert.throws(
        () => settingsOf(`bad-${what.replace(/\W+/g, '-')}.yaml`, text),
        (e: Error) => e instanceof SettingsError && want.test(e.message) && e.message.includes(dir),
        want.source,
      );
    });
  }

  test('JSON settings files work too (errors name the field path)', () => {
    const s = settingsOf('gw.json', JSON.stringify({ devices: [{ name: 'm', transport: 'tcp', host: '127.0.0.1', port: 1502, template: 'eastron-sdm120' }] }));
    assert.equal(s.devices![0].port, 1502);
    assert.throws(() => settingsOf('gw-bad.json', JSON.stringify({ devices: [{ name: 'm', host: 'h', unit: -1, template: 'eastron-sdm120' }] })), /gw-bad\.json: devices\[0\]\.unit:/);
  });

  test('entry lines and intervals', () => {
    assert.deepEqual(yamlEntryLines('a: 1\ndevices:\n  - name: x\n    tags:\n      - name: t\n  - name: y\nb: 2\n'), [3, 6]);
    assert.deepEqual(['1000', 1000, '1s', '500ms', '2 min', 'x'].map(parsePollInterval), [1000, 1000, 1000, 500, 120000, NaN]);
  });
});

describe('flows generated from devices', () => {
  test('one connection per line, one device per device, all wired to the acquisition link out; ids stable on regeneration', () => {
    writeFileSync(join(dir, 'tank.csv'), 'name,area,address,type,unit,access\nlevel,holding,0,uint16,%,r\n');
    const s = settingsOf('gen.yaml', GOOD);
    const ud = mkdtempSync(join(tmpdir(), 'edgegw-devflows-'));
    const flows = flowsFromDevices(s.devices!, new DeviceIdRegistry(ud), 'gen.yaml');
    const conns = flows.filter((n) => n.type === 'edgegw-modbus-connection');
    assert.equal(conns.length, 3, 'the two meters share 10.0.0.5:502');
    const devs = flows.filter((n) => n.type === 'edgegw-modbus-device');
    assert.deepEqual(
      devs.map((n) => n.device),
      ['main-meter', 'sub-meter', 'tank', 'pump'],
    );
    assert.equal(devs[0].connection, devs[1].connection);
    assert.ok(devs.every((n) => n.output === 'scan' && JSON.stringify(n.wires) === JSON.stringify([[ACQUISITION_LINK_ID]])));
    const link = flows.find((n) => n.id === ACQUISITION_LINK_ID)!;
    assert.equal(link.type, 'link out');
    assert.equal(link.name, ACQUISITION_LINK_NAME);
    // renaming a device in the settings file keeps its id: the address still identifies it
    const renamed = s.devices!.map((d) => (d.name === 'tank' ? { ...d, name: 'Tank 1' } : d));
    const again = flowsFromDevices(renamed, new DeviceIdRegistry(ud), 'gen.yaml');
    assert.deepEqual(
      again.filter((n) => n.type === 'edgegw-modbus-device').map((n) => n.device),
      ['main-meter', 'sub-meter', 'tank', 'pump'],
    );
  });
});

test('a device named __proto__, or with characters no topic level takes, is refused', () => {
  for (const name of ['__proto__', 'constructor', 'toString', '-lead', 'a#b', 'a+b', 'line\nbreak', 'x'.repeat(65)]) {
    assert.throws(() => parseDevices([{ name, host: 'h', template: 'eastron-sdm630' }], 'gw.yaml'), /devices\[0\]\.name: .* is not a device name: at most 64 characters/, name);
  }
  assert.equal(parseDevices([{ name: 'Котёл 2', host: 'h', template: 'eastron-sdm630' }], 'gw.yaml')[0].name, 'Котёл 2');
});
