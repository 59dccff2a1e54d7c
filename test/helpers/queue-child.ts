// A gateway stand-in for the crash tests: a DurableQueue (SQLite, NORMAL) drained by a Forwarder
// into MQTT, in its own process so that the test can kill -9 it. Env: QUEUE_DIR, BROKER_URL,
// ENQUEUE (messages to enqueue at start, in chunks), MAX_IN_FLIGHT. Prints one JSON line per event.
import { DurableQueue, Forwarder } from '../../lib/queue';
import { MqttDestination } from '../../lib/forward/mqtt';

const say = (o: object) => process.stdout.write(JSON.stringify(o) + '\n');

async function main(): Promise<void> {
  const queue = new DurableQueue({ name: 'crash', dir: process.env.QUEUE_DIR!, batchMs: 10, batchMax: 2000 });
  queue.on('quarantined', (q) => say({ event: 'quarantined', ...q }));
  await queue.open();
  say({ event: 'opened', depth: queue.stats().depth, highWater: queue.stats().highWater });
  const dest = new MqttDestination({ url: process.env.BROKER_URL!, topic: 'crash/data', qos: 1, maxInFlight: Number(process.env.MAX_IN_FLIGHT ?? 100), clientId: `crash-${process.pid}` });
  const forwarder = new Forwarder(queue, dest);
  forwarder.start();
  const n = Number(process.env.ENQUEUE ?? 0);
  for (let i = 0; i < n; i += 1000) {
    await Promise.all(Array.from({ length: Math.min(1000, n - i) }, (_, k) => queue.enqueue({ topic: 'crash', payload: { i: i + k } })));
  }
  if (n) say({ event: 'enqueued', count: n, depth: queue.stats().depth });
  setInterval(() => say({ event: 'stats', depth: queue.stats().depth, delivered: forwarder.counts.delivered }), 500);
}

main().catch((err) => {
  say({ event: 'error', message: (err as Error).message });
  process.exit(1);
});
