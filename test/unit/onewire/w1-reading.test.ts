import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseTemperatureFile, parseW1Slave, W1ReadingError } from '../../../lib/onewire/w1-reading';
import { W1_SLAVE } from '../../helpers/w1-sysfs';

const FILE = '/sys/bus/w1/devices/28-0316a2792cff/w1_slave';

test('w1_slave: t= in millidegrees once the driver says YES', () => {
  assert.equal(parseW1Slave(W1_SLAVE.ok, FILE), 23125);
  assert.equal(parseW1Slave(W1_SLAVE.negative, FILE), -10125);
});

test('w1_slave: a failed CRC is an error naming the file and the line, whatever t= says', () => {
  assert.throws(
    () => parseW1Slave(W1_SLAVE.crcFailed, FILE),
    (e: unknown) => e instanceof W1ReadingError && e.file === FILE && e.reason === 'CRC check failed: 72 01 4b 46 7f ff 0e 10 ff : crc=57 NO',
  );
});

test('85 °C, the power-on reset value, is a bad reading and says so', () => {
  assert.throws(() => parseW1Slave(W1_SLAVE.powerOnReset, FILE), /85 °C is the sensor's power-on reset value: the conversion did not run/);
  assert.throws(() => parseTemperatureFile('85000\n', '/x/temperature'), /\/x\/temperature: 85 °C is the sensor's power-on reset value/);
  // a genuine 85.062 °C (one step above) is a reading like any other
  assert.equal(parseTemperatureFile('85062\n', '/x/temperature'), 85062);
});

test('an all-zero scratchpad passes the CRC but is no sensor', () => {
  assert.throws(() => parseW1Slave(W1_SLAVE.allZeros, FILE), /scratchpad all zeros: no sensor answered/);
});

test('files not in the driver layout are refused with what they held', () => {
  assert.throws(() => parseW1Slave('', FILE), /not in the w1_slave layout/);
  assert.throws(() => parseW1Slave('72 01 4b 46 7f ff 0e 10 57 : crc=57 YES\n', FILE), /no t= value on the second line/);
  assert.throws(() => parseTemperatureFile('\n', '/x/temperature'), /not a temperature in millidegrees: ""/);
  assert.throws(() => parseTemperatureFile('21.5\n', '/x/temperature'), /not a temperature in millidegrees: "21.5"/);
});
