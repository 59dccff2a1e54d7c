import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { MqttFrameGuard } from '../../../lib/mqtt/frame-guard';

/** An MQTT packet: type byte, remaining length varint, body. */
function packet(bodyLength: number, type = 0x30): Buffer {
  const len: number[] = [];
  let x = bodyLength;
  do {
    let b = x % 128;
    x = Math.floor(x / 128);
    if (x > 0) b |= 0x80;
    len.push(b);
  } while (x > 0);
  return Buffer.concat([Buffer.from([type, ...len]), Buffer.alloc(bodyLength, 0x61)]);
}

describe('MqttFrameGuard', () => {
  test('packets up to the limit pass, however the stream is split', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: 300 }), { minLength: 1, maxLength: 20 }), fc.array(fc.integer({ min: 1, max: 50 }), { minLength: 1 }), (bodies, cuts) => {
        const stream = Buffer.concat(bodies.map((n) => packet(n)));
        const guard = new MqttFrameGuard(303); // 300 body + 1 type + 2 length bytes
        let at = 0;
        for (let k = 0; at < stream.length; k++) {
          const end = Math.min(stream.length, at + cuts[k % cuts.length]);
          assert.deepEqual(guard.feed(stream.subarray(at, end)), { ok: true });
          at = end;
        }
        assert.equal(guard.packets, bodies.length);
      }),
    );
  });

  test('a packet over the limit is refused from its header, before its body', () => {
    const guard = new MqttFrameGuard(1024 * 1024);
    assert.deepEqual(guard.feed(packet(10)), { ok: true });
    const header = packet(250 * 1024 * 1024 - 5).subarray(0, 5); // the first bytes of a 250 MB PUBLISH
    assert.deepEqual(guard.feed(header.subarray(0, 2)), { ok: true }, 'the length is not complete yet');
    assert.deepEqual(guard.feed(header.subarray(2)), { ok: false, problem: 'too-large', size: 250 * 1024 * 1024, max: 1024 * 1024 });
    assert.equal(guard.feed(Buffer.from([0xc0, 0])).ok, false, 'and stays refused');
  });

  test('a remaining length of more than 4 bytes is malformed', () => {
    const guard = new MqttFrameGuard(1e9);
    assert.deepEqual(guard.feed(Buffer.from([0x30, 0xff, 0xff, 0xff, 0xff, 0x01])), { ok: false, problem: 'malformed', detail: 'remaining length longer than 4 bytes' });
  });
});
