// Embedded broker: what the packet size guard (runtime/broker.ts, lib/mqtt/frame-guard.ts)
// costs. One publisher sends QoS 0 messages through the broker to one subscriber over TCP on
// 127.0.0.1; messages/s until the subscriber has them all. Baseline: aedes served directly
// (createServer(aedes.handle), no guard), in the same process. The two alternate in rounds;
// medians reported. Also: the 250 MB PUBLISH of issue 7 against the guarded broker (bytes the
// client got to send before the broker closed the connection, and RSS growth).
// Run: node --expose-gc --import tsx bench/broker-guard.bench.ts   (never fails on a number)
import { createServer, connect as netConnect, type Server } from 'node:net';
import { once } from 'node:events';
import mqtt from 'mqtt';
import { startEmbeddedBroker } from '../runtime/broker';
import { requireRuntimePackage } from '../runtime/resolve';

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 5);
const MESSAGES = Number(process.env.BENCH_MESSAGES ?? 20000);
const PAYLOAD = Buffer.alloc(100, 0x61);

async function plainAedes(): Promise<{ port: number; close(): Promise<void> }> {
  const mod = requireRuntimePackage<any>('aedes');
  const aedes = mod.Aedes?.createBroker ? await mod.Aedes.createBroker() : (mod.default ?? mod)();
  const server: Server = createServer(aedes.handle);
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return {
    port: (server.address() as { port: number }).port,
    close: async () => {
      await new Promise<void>((r) => aedes.close(() => r()));
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
}

async function round(port: number): Promise<number> {
  const url = `mqtt://127.0.0.1:${port}`;
  const sub = await mqtt.connectAsync(url, { reconnectPeriod: 0 });
  const pub = await mqtt.connectAsync(url, { reconnectPeriod: 0 });
  await sub.subscribeAsync('bench/#');
  let got = 0;
  const all = new Promise<void>((r) => sub.on('message', () => ++got === MESSAGES && r()));
  const t0 = process.hrtime.bigint();
  for (let i = 0; i < MESSAGES; i++) {
    if (!pub.publish('bench/x', PAYLOAD)) await new Promise((r) => setImmediate(r));
  }
  await all;
  const s = Number(process.hrtime.bigint() - t0) / 1e9;
  await pub.endAsync(true);
  await sub.endAsync(true);
  return MESSAGES / s;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

async function bigPublish(port: number): Promise<{ sent: number; rssMb: number }> {
  global.gc?.();
  const rss0 = process.memoryUsage().rss;
  const sock = netConnect(port, '127.0.0.1');
  sock.on('error', () => undefined);
  await once(sock, 'connect');
  sock.write(Buffer.from([0x10, 12, 0, 4, 0x4d, 0x51, 0x54, 0x54, 4, 2, 0, 60, 0, 0]));
  sock.write(Buffer.from([0x30, 0xfb, 0xff, 0xff, 0x77])); // PUBLISH of 250 MB
  const chunk = Buffer.alloc(1024 * 1024, 0x41);
  let sent = 0;
  const closed = new Promise<void>((r) => sock.on('close', () => r()));
  let open = true;
  void closed.then(() => (open = false));
  while (open && sent < 250 * 1024 * 1024) {
    if (!sock.write(chunk)) await Promise.race([new Promise((r) => sock.once('drain', r)), closed]);
    sent += chunk.length;
  }
  await closed;
  return { sent, rssMb: (process.memoryUsage().rss - rss0) / 1024 / 1024 };
}

async function main() {
  const guarded = await startEmbeddedBroker(0, {});
  const plain = await plainAedes();
  const rates: Record<string, number[]> = { 'aedes, no guard (baseline)': [], 'embedded broker, guard 4 MiB': [] };
  for (let r = 0; r < ROUNDS; r++) {
    rates['aedes, no guard (baseline)'].push(await round(plain.port));
    rates['embedded broker, guard 4 MiB'].push(await round(guarded.port));
  }
  const base = median(rates['aedes, no guard (baseline)']);
  console.log(`| broker | median msg/s (${MESSAGES} x 100 B, ${ROUNDS} rounds) | ratio |`);
  console.log('|---|---|---|');
  for (const [k, v] of Object.entries(rates)) console.log(`| ${k} | ${Math.round(median(v))} | ${(median(v) / base).toFixed(2)} |`);
  const big = await bigPublish(guarded.port);
  console.log(`\n250 MB PUBLISH to the guarded broker: connection closed after the client wrote ${(big.sent / 1024 / 1024).toFixed(0)} MiB (socket buffers), process RSS +${big.rssMb.toFixed(0)} MiB`);
  await guarded.close();
  await plain.close();
}
void main();
