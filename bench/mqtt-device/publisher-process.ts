// A device of bench/mqtt-device.bench.ts in a process of its own: an mqtt.js client publishing
// `count` messages on one topic at QoS 0 or 1 as fast as the broker takes them (QoS 1: up to
// WINDOW unacknowledged at once; QoS 0: waiting for the socket to drain when it is full).
//   child -> parent  { type: 'ready' }                        connected
//   parent -> child  { type: 'go' }                           publish
//   child -> parent  { type: 'done', ms }                     every message handed over (QoS 1: acknowledged)
// argv: broker port, topic, count, qos, payload kind (tasmota | plain)
import { connect } from 'mqtt';
import { devicePayloads } from './flows';

const [portText, topic, countText, qosText, kind] = process.argv.slice(2);
const COUNT = Number(countText);
const QOS = Number(qosText) as 0 | 1;
const WINDOW = 500;

const client = connect(`mqtt://127.0.0.1:${portText}`, { clientId: `bench-device-${process.pid}`, protocolVersion: 4, clean: true, reconnectPeriod: 0 });
client.on('error', (err) => process.send?.({ type: 'error', error: err.message }));
client.on('connect', () => process.send?.({ type: 'ready' }));

function run(): void {
  const started = performance.now();
  const payloads = devicePayloads(kind === 'plain' ? 'plain' : 'tasmota');
  let sent = 0;
  let acked = 0;
  const finish = () => process.send?.({ type: 'done', ms: performance.now() - started });
  const pump = (): void => {
    while (sent < COUNT) {
      if (QOS === 1 && sent - acked >= WINDOW) return;
      const i = sent++;
      if (QOS === 1) {
        client.publish(topic, payloads[i % payloads.length], { qos: 1 }, () => {
          acked++;
          if (acked === COUNT) finish();
          else pump();
        });
      } else {
        client.publish(topic, payloads[i % payloads.length], { qos: 0 });
        // the socket's buffer is full: wait until it drains rather than queue without bound
        if (client.stream.writableNeedDrain) {
          client.stream.once('drain', pump);
          return;
        }
      }
    }
    if (QOS === 0 && sent === COUNT) finish();
  };
  pump();
}

process.on('message', (m: { type: string }) => {
  if (m.type === 'go') run();
  else if (m.type === 'stop') client.end(false, {}, () => process.exit(0));
});
process.on('disconnect', () => process.exit(0));
