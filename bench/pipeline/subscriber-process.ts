// The subscriber of bench/pipeline.bench.ts, in a process of its own so its CPU shows apart from
// the pipeline's: mqtt.js subscribed to devices/+/data at QoS 1 on the pipeline's embedded broker,
// counting what arrives. A payload is a scan, {tag: value, ..., seq, id, queue}; its tags are its
// keys other than seq, id and queue. seq is checked: a gap is a loss, a repeat a duplicate.
//   child -> parent  { type: 'ready' }                   subscribed
//   parent -> child  { type: 'counts' }                 -> { type: 'counts', counts: SubscriberCounts }
// argv: broker port.
import { connect } from 'mqtt';

export interface SubscriberCounts {
  messages: number;
  tags: number;
  /** per topic: messages */
  topics: Record<string, number>;
  /** seq not one more than the last one seen: missing, and seen again */
  gaps: number;
  missing: number;
  duplicates: number;
  bad: number;
}

const META = new Set(['seq', 'id', 'queue']);
const counts: SubscriberCounts = { messages: 0, tags: 0, topics: {}, gaps: 0, missing: 0, duplicates: 0, bad: 0 };
let lastSeq = 0;

const client = connect(`mqtt://127.0.0.1:${process.argv[2]}`, { clientId: `bench-subscriber-${process.pid}`, protocolVersion: 4, clean: true, reconnectPeriod: 500 });
client.on('connect', () => {
  client.subscribe('devices/+/data', { qos: 1 }, (err) => {
    if (err) process.send?.({ type: 'error', error: err.message });
    else process.send?.({ type: 'ready' });
  });
});
client.on('message', (topic, payload) => {
  counts.messages++;
  counts.topics[topic] = (counts.topics[topic] ?? 0) + 1;
  let body: Record<string, unknown>;
  try {
    body = JSON.parse(payload.toString('utf8')) as Record<string, unknown>;
  } catch {
    counts.bad++;
    return;
  }
  let tags = 0;
  for (const k in body) if (!META.has(k)) tags++;
  counts.tags += tags;
  const seq = Number(body.seq);
  if (lastSeq && seq !== lastSeq + 1) {
    if (seq <= lastSeq) counts.duplicates++;
    else {
      counts.gaps++;
      counts.missing += seq - lastSeq - 1;
    }
  }
  if (seq > lastSeq) lastSeq = seq;
});
client.on('error', (err) => process.send?.({ type: 'error', error: err.message }));
process.on('message', (m: { type: string }) => {
  if (m.type === 'counts') process.send?.({ type: 'counts', counts });
  else if (m.type === 'stop') client.end(true, {}, () => process.exit(0));
});
process.on('disconnect', () => process.exit(0));
