// The broker alone, for bench/mqtt-device.bench.ts: a plain mqtt.js client in a process of its
// own, subscribed to the devices' topics at the run's QoS, counting what arrives (nothing parsed).
//   child -> parent  { type: 'ready' }                             subscribed
//   parent -> child  { type: 'count' }                            -> { type: 'count', count: Counted }
// argv: broker port, topic filter, qos, messages expected
import { connect } from 'mqtt';

const [portText, filter, qosText] = process.argv.slice(2);
import { cpuMicros, noneCounted } from './flows';

const EXPECTED = Number(process.argv[5]);
const counted = noneCounted(EXPECTED);

const client = connect(`mqtt://127.0.0.1:${portText}`, { clientId: `bench-subscriber-${process.pid}`, protocolVersion: 4, clean: true, reconnectPeriod: 0 });
client.on('error', (err) => process.send?.({ type: 'error', error: err.message }));
client.on('connect', () => client.subscribe(filter, { qos: Number(qosText) as 0 | 1 }, (err) => process.send?.(err ? { type: 'error', error: err.message } : { type: 'ready' })));
client.on('message', () => {
  const now = performance.now();
  if (counted.n === 0) {
    counted.first = now;
    counted.cpuFirst = cpuMicros();
  }
  counted.n++;
  if (counted.n === EXPECTED) counted.cpuLast = cpuMicros();
  counted.last = now;
});
process.on('message', (m: { type: string }) => {
  if (m.type === 'count') process.send?.({ type: 'count', count: counted });
  else if (m.type === 'stop') client.end(true, {}, () => process.exit(0));
});
process.on('disconnect', () => process.exit(0));
