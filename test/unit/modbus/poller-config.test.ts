import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { DeviceConfigError, resolveDeviceConfig } from '../../../lib/modbus/poller/config';
import { deviceStatus } from '../../../lib/modbus/poller/device-status';
import type { PollerStats } from '../../../lib/modbus/poller/poller';
import type { LineState } from '../../../lib/modbus/line/types';

const TABLE = 'name,area,address,type,group\na,holding,0,uint16,fast\nb,holding,1,float32,\n';

describe('device configuration', () => {
  test('defaults and conversions', () => {
    const c = resolveDeviceConfig({ name: 'Boiler', unit: '3', tags: TABLE, groups: [{ name: 'fast', interval: '250' }] });
    assert.equal(c.device, 'Boiler');
    assert.equal(c.unit, 3);
    assert.deepEqual(c.groups, [{ name: 'fast', intervalMs: 250 }]);
    assert.equal(c.output, 'rbe');
    assert.equal(c.maxGap, 10);
    assert.equal(c.maxRegisters, 125);
    assert.equal(c.tags.length, 2);
    assert.equal(resolveDeviceConfig({ unit: 7, tags: TABLE.replace(',fast', ','), groups: '[{"name":"g","interval":1000}]' }).device, 'unit7');
  });

  const bad: Array<[string, Record<string, unknown>, RegExp]> = [
    ['unit', { unit: 256 }, /^unit: must be a whole number 0\.\.255, got 256/],
    ['device', { device: 'a/b' }, /^device: device name 'a\/b' must not contain '\/'/],
    ['notation', { notation: 'hex' }, /^notation: must be zero, one, modicon/],
    ['output', { output: 'all' }, /^output: must be rbe, scan, both/],
    ['maxRegisters', { maxRegisters: 200 }, /^maxRegisters: must be a whole number 1\.\.125/],
    ['groups', { groups: [] }, /^groups: needs at least one poll group/],
    [
      'groups[1].name',
      {
        groups: [
          { name: 'fast', interval: 1000 },
          { name: 'fast', interval: 50 },
        ],
      },
      /^groups\[1\]\.name: poll group 'fast' is defined twice/,
    ],
    ['groups[0].interval', { groups: [{ name: 'fast', interval: 0 }] }, /^groups\[0\]\.interval: poll group 'fast': interval must be at least 1 ms/],
    ['tags', { tags: TABLE.replace('fast', 'slow') }, /^tags: line 2, tag 'a', field 'group': no poll group named 'slow'/],
    ['tags', { tags: 'name,area,address,type\nlong,holding,0,string:20\n', maxRegisters: 10 }, /^tags: tag 'long' occupies 20 units, more than the 10 one request may read/],
    ['tags', { tags: 'name,area,address,type\n' }, /^tags: the tag table has no tags/],
  ];
  for (const [field, over, re] of bad) {
    test(`refuses a bad ${field}`, () => {
      assert.throws(
        () => resolveDeviceConfig({ unit: 1, tags: TABLE, groups: [{ name: 'fast', interval: 1000 }], ...over }),
        (e: Error) => e instanceof DeviceConfigError && e.field === field && re.test(e.message),
      );
    });
  }

  test('tag table errors travel with the config error', () => {
    try {
      resolveDeviceConfig({ tags: 'name,area,address,type\na,holding,x,uint16\nb,coil,1,float32\n' });
      assert.fail('no error');
    } catch (e) {
      assert.ok(e instanceof DeviceConfigError);
      assert.equal(e.tagErrors.length, 2);
      assert.match(e.message, /\(and 1 more\)$/);
    }
  });
});

describe('device status', () => {
  const stats = (o: Partial<PollerStats>): PollerStats => ({
    tags: 4,
    good: 0,
    bad: 0,
    stale: 0,
    uncertain: 0,
    cycles: 1,
    overruns: 0,
    requests: 1,
    failedRequests: 0,
    splits: 0,
    requestsPerScan: 1,
    ...o,
  });
  const line = (o: Partial<LineState>, breaker: 'closed' | 'open' = 'closed'): LineState => ({
    connection: 'connected',
    units: { 1: { breaker, suspendedForMs: 0, queued: 0, requests: 1, errors: 0, timeouts: 0 } },
    ...o,
  });
  test('the line first, then the tags', () => {
    assert.deepEqual(deviceStatus(line({ connection: 'reconnecting', retryInMs: 2100 }), 1, stats({ good: 4 })), { fill: 'yellow', shape: 'ring', key: 'reconnecting', subs: { seconds: 3 } });
    assert.equal(deviceStatus(line({}, 'open'), 1, stats({ stale: 4 })).key, 'breakerOpen');
    assert.equal(deviceStatus(line({}, 'open'), 2, stats({ good: 4 })).key, 'polling', "another unit's breaker is not ours");
    assert.deepEqual(deviceStatus(line({}), 1, stats({ bad: 4 }), { code: 'timeout' }), {
      fill: 'red',
      shape: 'ring',
      key: 'error',
      subs: {},
      problem: { code: 'timeout' },
    });
    assert.deepEqual(deviceStatus(line({}), 1, stats({ good: 3, bad: 1 })), { fill: 'yellow', shape: 'dot', key: 'someBad', subs: { bad: 1, count: 4 } });
    assert.deepEqual(deviceStatus(line({}), 1, stats({ good: 4 })), { fill: 'green', shape: 'dot', key: 'polling', subs: { count: 4 } });
  });
});
