// Bounded JSON parsing, the bounded copy of messages reported to Catch nodes, the log throttle
// and strict number parsing: the pieces that keep hostile input from crashing or flooding.
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { BoundedJsonError, parseBoundedJson } from '../../../lib/system/bounded/json';
import { boundedMessage, overLimits } from '../../../lib/system/bounded/copy';
import { LogThrottle } from '../../../lib/system/process/log-throttle';
import { parseStrictInteger, parseStrictNumber } from '../../../lib/system/text/strict-number';

const limitOf = (fn: () => unknown) => {
  try {
    fn();
  } catch (err) {
    assert.ok(err instanceof BoundedJsonError, String(err));
    return [err.limit, err.message];
  }
  assert.fail('no error');
};

describe('parseBoundedJson', () => {
  test('parses what is within the limits, strings and Buffers alike', () => {
    assert.deepEqual(parseBoundedJson('{"setpoint": 21.5, "pump_on": true}'), { setpoint: 21.5, pump_on: true });
    assert.deepEqual(parseBoundedJson(Buffer.from('[1,[2,[3]]]')), [1, [2, [3]]]);
    // brackets and commas inside strings are text, not structure
    assert.deepEqual(parseBoundedJson('{"a": "[[[[[,,,,{{{{\\\\\\"]]]"}', 'x', { maxDepth: 1, maxEntries: 1 }), { a: '[[[[[,,,,{{{{\\"]]]' });
  });

  test('refuses size, depth and entry count over the limits, naming the limit and where', () => {
    assert.deepEqual(
      limitOf(() => parseBoundedJson('x'.repeat(70_000), 'command payload')),
      ['bytes', 'command payload: 70000 bytes is more than the limit of 65536 bytes'],
    );
    assert.deepEqual(
      limitOf(() => parseBoundedJson('é'.repeat(40_000), 'p')),
      ['bytes', 'p: 80000 bytes is more than the limit of 65536 bytes'],
    );
    assert.deepEqual(
      limitOf(() => parseBoundedJson('{"a":[[[1]]]}', 'p', { maxDepth: 3 })),
      ['depth', 'p: nested deeper than 3 levels (at character 7)'],
    );
    const deep = '['.repeat(100_000) + ']'.repeat(100_000);
    assert.equal(limitOf(() => parseBoundedJson(deep, 'p', { maxBytes: 1e6 }))[0], 'depth');
    assert.deepEqual(
      limitOf(() => parseBoundedJson('[1,2,3,4]', 'p', { maxEntries: 3 })),
      ['entries', 'p: more than 3 keys/elements (at character 6)'],
    );
    assert.deepEqual(
      limitOf(() => parseBoundedJson('{"a":1,"b":2}', 'p', { maxEntries: 1 })),
      ['entries', 'p: more than 1 keys/elements (at character 6)'],
    );
    assert.deepEqual(
      limitOf(() => parseBoundedJson(Buffer.from([0x7b, 0xff, 0xfe, 0x7d]), 'p')),
      ['syntax', 'p: not UTF-8 text (binary data)'],
    );
    assert.equal(limitOf(() => parseBoundedJson('{"a":', 'p'))[0], 'syntax');
    assert.deepEqual(
      limitOf(() => parseBoundedJson(42 as unknown as string, 'p')),
      ['type', 'p: expected JSON text (string or Buffer), got a number'],
    );
  });
});

describe('boundedMessage', () => {
  test('passes small messages on as they are, summarizes deep and large ones', () => {
    const small = { _msgid: 'm1', topic: 't', payload: { a: [1, 2, 3] } };
    assert.equal(boundedMessage(small).msg, small);
    let deep: unknown = 1;
    for (let i = 0; i < 100_000; i++) deep = [deep];
    const d = boundedMessage({ _msgid: 'm2', topic: 't'.repeat(1000), payload: deep, n: 5 });
    assert.equal(d.truncated, 'nested deeper than 32 levels');
    assert.deepEqual(Object.keys(d.msg).sort(), ['_msgid', '_truncated', 'n', 'payload', 'topic']);
    assert.equal(d.msg.payload, '[array of 1 elements]');
    assert.equal(d.msg.n, 5);
    assert.match(String(d.msg.topic), /^t{256}\.\.\. \[string of 1000 characters\]$/);
    assert.equal(overLimits({ payload: Buffer.alloc(2 * 1024 * 1024) }), 'more than 1048576 bytes of data');
    assert.equal(overLimits({ payload: Array.from({ length: 20_000 }, (_, i) => i) }), 'more than 10000 values');
    const cyclic: Record<string, unknown> = { a: 1 };
    cyclic.self = cyclic;
    assert.equal(overLimits(cyclic), undefined);
  });
});

describe('LogThrottle', () => {
  test('first N lines per interval, then one summary naming the count and the last line', () => {
    let now = 0;
    const timers: Array<{ fn: () => void; at: number }> = [];
    const lines: string[] = [];
    const t = new LogThrottle((l) => lines.push(l), 'rejected commands', {
      burst: 3,
      intervalMs: 60_000,
      now: () => now,
      setTimer: (fn, ms) => {
        const tm = { fn, at: now + ms };
        timers.push(tm);
        return {};
      },
      clearTimer: (tm) => timers.splice(timers.indexOf(tm as (typeof timers)[0]), 1),
    });
    for (let i = 0; i < 1000; i++) t.log(`rejected ${i}`);
    assert.deepEqual(lines, ['rejected 0', 'rejected 1', 'rejected 2']);
    assert.equal(t.pending(), 997);
    assert.equal(timers.length, 1);
    now = timers[0].at;
    timers[0].fn();
    assert.equal(lines[3], '997 more rejected commands not logged in the last 60 s; the last: rejected 999');
    t.log('next window');
    assert.equal(lines[4], 'next window');
    for (let i = 0; i < 5; i++) t.log(`again ${i}`);
    t.close();
    assert.equal(lines.length, 8);
    assert.match(lines[7], /^3 more rejected commands not logged.*again 4$/);
    t.log('after close');
    assert.equal(lines.length, 8);
  });
});

describe('strict numbers', () => {
  test('decimal only', () => {
    for (const ok of ['0', '-1', '21.5', '1e3', '-0.5E-2']) assert.equal(parseStrictNumber(ok), Number(ok), ok);
    for (const bad of [' 21', '21 ', '0x10', '0b1', '0o7', '', '+1', '01', '1.', '.5', 'Infinity', 'NaN', '1_000', '1e400']) assert.equal(parseStrictNumber(bad), undefined, bad);
    assert.equal(parseStrictInteger('18446744073709551615'), 18446744073709551615n);
    assert.equal(parseStrictInteger('1.0'), undefined);
  });
});
