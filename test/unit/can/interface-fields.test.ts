// The can-interface fields, read through their declarations: the refusals keep the words they
// have always had (the value first), and a field missing from a flow takes its default.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CAN_INTERFACE_FIELDS } from '../../../lib/can/sources/fields';
import { createFrameSource } from '../../../lib/can/sources';
import { readFields } from '../../../lib/config/fields';

test('a refused field is named, its value leading the reason', () => {
  assert.throws(() => createFrameSource({ kind: 'slcan', serialPath: '/dev/ttyX', baudRate: '-1' }), /^ConfigFieldError: baudRate: -1 is not a baud rate$/);
  assert.throws(() => createFrameSource({ kind: 'slcan', serialPath: '/dev/ttyX', statusPollMs: 5 }), /statusPollMs: 5 is not 0 \(off\) or at least 10 ms/);
  assert.throws(() => createFrameSource({ kind: 'socketcan', iface: 'a very long interface name' }), /iface: "a very long interface name" is not a valid network interface name/);
  assert.throws(() => createFrameSource({ kind: 'replay', file: 'x.log', pace: 'slow' }), /pace: "slow" is not "realtime" or "fast"/);
  assert.throws(() => createFrameSource({ kind: 'replay' }), /file: give the path of a candump log file/);
  assert.throws(() => createFrameSource({ kind: 'replay', file: ' ' }), /file: is required/);
});

test('a field missing from a flow takes its default; one that does not count is not read', () => {
  const f = readFields(CAN_INTERFACE_FIELDS, { kind: 'slcan', serialPath: '/dev/ttyX', speed: 'surely wrong' });
  assert.deepEqual([f.baudRate, f.bitrate, f.timestamps, f.listenOnly, f.statusPollMs, f.speed], [115_200, 500_000, true, false, 0, 1]);
});
