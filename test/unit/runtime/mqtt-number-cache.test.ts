// runtime/mqtt-number-cache.ts: mqtt-packet's table of 65,536 number Buffers is switched off and
// emptied, and the packets it writes afterwards are byte for byte the ones it wrote with it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { PassThrough } from 'node:stream';
import { releaseMqttNumberCaches } from '../../../runtime/mqtt-number-cache';

// the copy mqtt.js (a dependency of ours) writes with
const fromMqtt = createRequire(require.resolve('mqtt'));
const packetDir = dirname(fromMqtt.resolve('mqtt-packet/package.json'));
const writeToStream = fromMqtt('mqtt-packet').writeToStream as ((packet: object, stream: NodeJS.WritableStream) => boolean) & { cacheNumbers: boolean };
const numbers = require(join(packetDir, 'numbers.js')) as { cache: Record<number, Buffer> };

const PACKETS = [
  { cmd: 'publish', topic: 'devices/boiler/data', payload: Buffer.from('{"t":1}'), qos: 1, messageId: 54321, retain: false, dup: false },
  { cmd: 'puback', messageId: 258 },
  { cmd: 'subscribe', messageId: 7, subscriptions: [{ topic: 'devices/+/data', qos: 1 }] },
];

function bytesOf(packet: object): Buffer {
  const stream = new PassThrough();
  const chunks: Buffer[] = [];
  stream.on('data', (c: Buffer) => chunks.push(c));
  writeToStream(packet, stream);
  stream.end();
  return Buffer.concat(chunks);
}

test("mqtt-packet's number table is switched off and emptied; the bytes written stay the same", () => {
  writeToStream.cacheNumbers = true;
  const before = PACKETS.map(bytesOf);
  assert.equal(Object.keys(numbers.cache).length, 65536, 'the table is filled by the first packet written');

  const released = releaseMqttNumberCaches();
  assert.ok(released.copies >= 1, 'the loaded copy is found');
  assert.equal(released.dropped, 65536);
  assert.equal(writeToStream.cacheNumbers, false);
  assert.equal(Object.keys(numbers.cache).length, 0);

  assert.deepEqual(PACKETS.map(bytesOf), before);
  assert.equal(Object.keys(numbers.cache).length, 0, 'writing no longer fills the table');
  assert.deepEqual(releaseMqttNumberCaches().dropped, 0, 'a second release finds nothing to drop');
});

test('only mqtt-packet writers are touched; a copy whose table was never filled counts, nothing dropped', () => {
  const writer = { cacheNumbers: true };
  const other = { cacheNumbers: true };
  const cache = {
    '/x/node_modules/mqtt-packet/writeToStream.js': { exports: writer },
    '/x/node_modules/mqtt-packet/numbers.js': { exports: { cache: {} } },
    '/x/node_modules/not-mqtt-packet/writeToStream.js': { exports: other },
  } as unknown as NodeJS.Dict<NodeModule>;
  assert.deepEqual(releaseMqttNumberCaches(cache), { copies: 1, dropped: 0 });
  assert.equal(writer.cacheNumbers, false);
  assert.equal(other.cacheNumbers, true);
});
