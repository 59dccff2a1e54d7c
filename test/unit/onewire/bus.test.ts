// OneWireBus against a temporary directory laid out like /sys/bus/w1/devices.
import { test, describe, beforeEach, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { OneWireBus } from '../../../lib/onewire/bus';
import { oneWireSamples } from '../../../lib/onewire/tags';
import { W1_SLAVE, W1Sysfs } from '../../helpers/w1-sysfs';

describe('OneWireBus', () => {
  let w1: W1Sysfs;
  beforeEach(() => (w1 = new W1Sysfs()));
  afterEach(() => w1.remove());

  test('reads every thermometer listed, by family-serial id, from temperature or w1_slave', async () => {
    w1.slave('28-0316a2792cff', W1_SLAVE.ok).temperature('28-01144d2a3baa', '19437').temperature('10-000802b4c3d1', '-1250');
    // another family on the bus (a DS2413 switch) is no thermometer
    w1.temperature('3a-0000001f2e3d', '0');
    assert.deepEqual(await new OneWireBus(w1.root).read(), [
      { id: '10-000802b4c3d1', celsius: -1.25 },
      { id: '28-01144d2a3baa', celsius: 19.437 },
      { id: '28-0316a2792cff', celsius: 23.125 },
    ]);
  });

  test('a CRC failure and the 85 °C reset value are that sensor’s error; the others still read', async () => {
    w1.slave('28-0316a2792cff', W1_SLAVE.crcFailed).slave('28-01144d2a3baa', W1_SLAVE.powerOnReset).slave('28-0000075b2e01', W1_SLAVE.negative);
    const [a, b, c] = await new OneWireBus(w1.root).read();
    assert.deepEqual(a, { id: '28-0000075b2e01', celsius: -10.125 });
    assert.equal(b.id, '28-01144d2a3baa');
    assert.equal('error' in b && b.error, `${join(w1.root, '28-01144d2a3baa', 'w1_slave')}: 85 °C is the sensor's power-on reset value: the conversion did not run (power or wiring)`);
    assert.match('error' in c ? c.error : '', /28-0316a2792cff\/w1_slave: CRC check failed/);
  });

  test('a sensor appearing is found at the next read; one disappearing is bad with the reason until it is back', async () => {
    w1.slave('28-0316a2792cff', W1_SLAVE.ok);
    const bus = new OneWireBus(w1.root);
    assert.deepEqual(await bus.read(), [{ id: '28-0316a2792cff', celsius: 23.125 }]);
    w1.temperature('28-01144d2a3baa', '21000');
    assert.deepEqual(await bus.read(), [
      { id: '28-01144d2a3baa', celsius: 21 },
      { id: '28-0316a2792cff', celsius: 23.125 },
    ]);
    w1.unplug('28-0316a2792cff');
    const gone = { id: '28-0316a2792cff', error: `sensor 28-0316a2792cff is no longer listed under ${w1.root}` };
    assert.deepEqual(await bus.read(), [{ id: '28-01144d2a3baa', celsius: 21 }, gone]);
    assert.deepEqual(await bus.read(), [{ id: '28-01144d2a3baa', celsius: 21 }, gone], 'still missing, still reported');
    w1.slave('28-0316a2792cff', W1_SLAVE.negative);
    assert.deepEqual(await bus.read(), [
      { id: '28-01144d2a3baa', celsius: 21 },
      { id: '28-0316a2792cff', celsius: -10.125 },
    ]);
  });

  test('no bus at the root: nothing to read, and known sensors are bad with the reason', async () => {
    w1.slave('28-0316a2792cff', W1_SLAVE.ok);
    const bus = new OneWireBus(join(w1.root, 'missing'));
    assert.deepEqual(await bus.read(), []);
    const known = new OneWireBus(w1.root);
    await known.read();
    w1.remove();
    const [r] = await known.read();
    assert.match('error' in r ? r.error : '', /devices cannot be listed \(ENOENT\): is the w1 bus enabled\?/);
  });

  test('readings become samples named by sensor id, as tags of one device or as devices of their own', () => {
    const readings = [
      { id: '28-0316a2792cff', celsius: 23.125 },
      { id: '28-01144d2a3baa', error: 'gone' },
    ];
    assert.deepEqual(oneWireSamples(readings, { device: 'boiler-room', naming: 'tag', ts: 5 }), [
      { device: 'boiler-room', name: '28-0316a2792cff', ts: 5, unit: '°C', source: 'onewire', value: 23.125, quality: 'good' },
      { device: 'boiler-room', name: '28-01144d2a3baa', ts: 5, unit: '°C', source: 'onewire', value: null, quality: 'bad', error: 'gone' },
    ]);
    assert.deepEqual(
      oneWireSamples(readings, { device: 'x', naming: 'device', ts: 5 }).map((s) => [s.device, s.name]),
      [
        ['28-0316a2792cff', 'temperature'],
        ['28-01144d2a3baa', 'temperature'],
      ],
    );
  });
});
