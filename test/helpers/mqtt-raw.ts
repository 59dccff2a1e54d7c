// MQTT clients written byte by byte, for what a well-behaved library will not do.
import { connect as netConnect, type Socket } from 'node:net';

/** A raw MQTT 3.1.1 client that connects and subscribes to '#', then never reads again. */
export async function neverReadingSubscriber(port: number): Promise<Socket> {
  const raw = netConnect(port, '127.0.0.1');
  raw.on('error', () => undefined);
  await new Promise<void>((r) => raw.once('connect', () => r()));
  raw.write(Buffer.from([0x10, 16, 0, 4, 0x4d, 0x51, 0x54, 0x54, 4, 2, 0, 60, 0, 4, 0x73, 0x6c, 0x6f, 0x77])); // CONNECT "slow"
  raw.write(Buffer.from([0x82, 6, 0, 1, 0, 1, 0x23, 0])); // SUBSCRIBE 1: '#' QoS 0
  await new Promise<void>((r) => raw.once('data', () => r())); // CONNACK (and maybe SUBACK)
  await new Promise((r) => setTimeout(r, 100));
  raw.pause(); // from here on nothing is read: the kernel buffers fill, then the broker's
  return raw;
}
