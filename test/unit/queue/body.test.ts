// What a queue row stores (lib/queue/body.ts): whatever the message, the message read back is
// exactly its JSON (same text, same keys in the same order); a whole scan's samples are stored as
// runs, a scan that does not fit as plain JSON.
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { bodyText, jsonOf, messageOf, SCAN_BODY } from '../../../lib/queue/body';

/** What JSON makes of a message, without Node-RED's _msgid: what a row must give back. */
const asJson = (msg: Record<string, unknown>) => {
  const { _msgid: _hop, ...rest } = msg;
  return JSON.stringify(rest);
};

function roundTrip(msg: Record<string, unknown>): { body: string; payloadJson?: string } {
  const t = bodyText(msg);
  assert.ok(t.body !== undefined);
  const expected = asJson(msg);
  assert.equal(JSON.stringify(messageOf(t.body)), expected);
  assert.deepEqual(messageOf(t.body), JSON.parse(expected));
  assert.equal(jsonOf(t.body), expected);
  if (msg.payload && typeof msg.payload === 'object' && !Array.isArray(msg.payload)) assert.equal(t.payloadJson, JSON.stringify(msg.payload));
  return t as { body: string; payloadJson?: string };
}

/** A scan as modbus-device sends it: the samples in payload order, per-block timestamps, some units. */
function pollerScan(n: number, opts: { badEvery?: number } = {}) {
  const tags = Array.from({ length: n }, (_, i) => {
    const bad = opts.badEvery !== undefined && i % opts.badEvery === 0;
    return {
      device: 'press',
      name: `t${i}`,
      value: bad ? null : i % 3 ? i * 0.1 : i,
      quality: bad ? 'bad' : 'good',
      ts: 1733100000000 + Math.floor(i / 100),
      unit: i % 4 === 0 ? 'kW' : undefined,
      source: 'modbus',
      ...(bad ? { error: 'timeout after 1000 ms' } : {}),
    };
  });
  const payload: Record<string, unknown> = {};
  for (const t of tags) payload[t.name] = t.value;
  return { _msgid: 'hop', topic: 'press', payload, tags };
}

describe('queue row bodies', () => {
  test("a poller's scan is stored as runs, far smaller than its JSON, and read back exactly", () => {
    for (const scan of [pollerScan(1000), pollerScan(1000, { badEvery: 7 }), pollerScan(1)]) {
      const { body } = roundTrip(scan);
      assert.equal(body[0], SCAN_BODY);
      if (scan.tags.length === 1000) assert.ok(body.length < asJson(scan).length / 3, `${body.length} against ${asJson(scan).length}`);
    }
  });

  test('what does not fit is stored as plain JSON, and read back exactly', () => {
    const base = () => pollerScan(5);
    const cases: Array<[string, Record<string, unknown>]> = [
      ['a name that is not the payload key', { ...base(), tags: base().tags.map((t, i) => (i === 2 ? { ...t, name: 'other' } : t)) }],
      ['a value that is not the payload value', { ...base(), tags: base().tags.map((t, i) => (i === 3 ? { ...t, value: 99 } : t)) }],
      ['keys in another order', { ...base(), tags: base().tags.map((t, i) => (i === 1 ? { name: t.name, device: t.device, value: t.value, quality: t.quality, ts: t.ts } : t)) }],
      ['a sample that is not an object', { ...base(), tags: [...base().tags.slice(0, 4), 'x'] }],
      ['an object value', { ...base(), tags: base().tags.map((t, i) => (i === 0 ? { ...t, meta: { a: 1 } } : t)) }],
      ['a sample without a name', { ...base(), tags: base().tags.map((t, i) => (i === 4 ? { device: t.device, value: t.value } : t)) }],
      ['a name the first samples lack', { topic: 'x', payload: { a: 1, b: 2 }, tags: [{ value: 1 }, { name: 'b', value: 2 }] }],
      ['a value the first samples lack', { topic: 'x', payload: { a: 1, b: 2 }, tags: [{ name: 'a' }, { name: 'b', value: 2 }] }],
      ['fewer samples than payload keys', { ...base(), tags: base().tags.slice(1) }],
      ['NaN', { topic: 'x', payload: { a: NaN }, tags: [{ name: 'a', value: NaN }] }],
      ['no samples', { topic: 'x', payload: { a: 1 } }],
      ['the payload mark in the message', { topic: 'x', payload: { a: 1 }, note: '\u0000edgegw:payload\u0000' }],
      ['a payload that is not an object', { topic: 'x', payload: [1, 2], tags: [] }],
    ];
    for (const [what, msg] of cases) {
      const { body } = roundTrip(msg);
      assert.notEqual(body[0], SCAN_BODY, what);
    }
  });

  test('any scan-like message round-trips exactly (property)', () => {
    const scalar = fc.oneof(fc.string({ maxLength: 4 }), fc.integer(), fc.double({ noNaN: true, noDefaultInfinity: true }), fc.boolean(), fc.constant(null));
    const extra = fc.dictionary(fc.constantFrom('device', 'quality', 'ts', 'unit', 'source', 'error', 'x'), fc.oneof(scalar, fc.constant(undefined)), { maxKeys: 5 });
    fc.assert(
      fc.property(
        fc.uniqueArray(fc.string({ maxLength: 5 }), { minLength: 1, maxLength: 30 }),
        fc.array(extra, { minLength: 30, maxLength: 30 }),
        fc.array(scalar, { minLength: 30, maxLength: 30 }),
        fc.boolean(),
        (names, extras, values, nameFirst) => {
          const payload: Record<string, unknown> = {};
          names.forEach((n, i) => (payload[n] = values[i]));
          // samples in payload order (Object.keys: integer-like names first), as a scan has them
          const tags = Object.keys(payload).map((n, i) => (nameFirst ? { name: n, value: payload[n], ...extras[i] } : { ...extras[i], name: n, value: payload[n] }));
          roundTrip({ topic: 'd', payload, tags, _msgid: 'x' });
        },
      ),
      { numRuns: 300 },
    );
  });

  test("a scan with one sample's name or value not the payload's, at any position, is stored as plain JSON (property)", () => {
    // the runs take a sample's name and value from the payload: each sample is compared with the
    // payload's key at its position and the value under that key; one that differs anywhere, or
    // a payload with integer-like keys (Object.keys puts them first) beside samples in insertion
    // order, must not be taken for runs
    const scalar = fc.oneof(fc.string({ maxLength: 3 }), fc.integer({ min: -5, max: 5 }), fc.boolean(), fc.constant(null));
    fc.assert(
      fc.property(
        fc.uniqueArray(fc.oneof(fc.constantFrom('1', '7', '20'), fc.stringMatching(/^[a-z]{1,4}$/)), { minLength: 2, maxLength: 40 }),
        fc.array(scalar, { minLength: 40, maxLength: 40 }),
        fc.nat(),
        fc.constantFrom('value', 'name', 'swap', 'insertion order'),
        (names, values, where, change) => {
          const payload: Record<string, unknown> = {};
          names.forEach((n, i) => (payload[n] = values[i]));
          const order = change === 'insertion order' ? names : Object.keys(payload);
          const tags = order.map((n) => ({ device: 'd', name: n, value: payload[n], quality: 'good', ts: 1 }));
          const i = where % tags.length;
          const j = (i + 1) % tags.length;
          if (change === 'value') tags[i].value = typeof payload[tags[i].name] === 'number' ? (payload[tags[i].name] as number) + 1 : 99;
          else if (change === 'name') tags[i].name = `${tags[i].name}_`;
          else if (change === 'swap') [tags[i].value, tags[j].value] = [tags[j].value, tags[i].value];
          const differs = tags.some((t, k) => t.name !== Object.keys(payload)[k] || t.value !== payload[t.name]);
          const { body } = roundTrip({ topic: 'd', payload, tags, _msgid: 'x' });
          assert.equal(body[0] === SCAN_BODY, !differs);
        },
      ),
      { numRuns: 500 },
    );
  });
});
