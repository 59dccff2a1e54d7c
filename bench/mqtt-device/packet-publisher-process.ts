// A device of bench/mqtt-device.bench.ts that is not the ceiling of the run: a real MQTT client (CONNECT
// awaited to its CONNACK, QoS 1 PUBACKs awaited and counted, at most WINDOW unacknowledged) that writes
// PUBLISH packets encoded once per distinct payload (mqtt-packet, the encoder mqtt.js itself uses), many
// per socket write, waiting for the socket to drain when it is full. The mqtt.js publisher
// (publisher-process.ts) makes one write and one packet encoding per message: with four of them on the
// bench machine's two cores it caps a run near 40,000 messages/s, below what the gateway takes.
// Same protocol with the parent and same argv as publisher-process.ts.
import { connect as tcpConnect } from 'node:net';
import { generate, parser as packetParser, type Packet } from 'mqtt-packet';
import { devicePayloads } from './flows';

const [portText, topic, countText, qosText, kind] = process.argv.slice(2);
const COUNT = Number(countText);
const QOS = Number(qosText) as 0 | 1;
const WINDOW = 1000;
/** packets per socket write */
const BATCH = 200;

/** The pool's packets, each with where its 2-byte message id sits (QoS 1) */
const pool = devicePayloads(kind === 'plain' ? 'plain' : 'tasmota').map((payload) => {
  const bytes = generate({ cmd: 'publish', topic, payload, qos: QOS, messageId: QOS ? 1 : undefined, retain: false, dup: false });
  // fixed header (1 byte + remaining length) and the topic (2-byte length + its bytes) come before the id
  const idAt = bytes.length - Buffer.byteLength(payload) - 2;
  return { bytes, idAt };
});

const socket = tcpConnect(Number(portText), '127.0.0.1');
socket.setNoDelay(true);
const incoming = packetParser({ protocolVersion: 4 });
socket.on('data', (d) => incoming.parse(d));
socket.on('error', (err) => process.send?.({ type: 'error', error: err.message }));
incoming.on('error', (err) => process.send?.({ type: 'error', error: err.message }));
socket.on('connect', () => socket.write(generate({ cmd: 'connect', protocolId: 'MQTT', protocolVersion: 4, clean: true, keepalive: 60, clientId: `bench-device-${process.pid}` })));

let sent = 0;
let acked = 0;
let started = 0;
const finish = () => process.send?.({ type: 'done', ms: performance.now() - started });

incoming.on('packet', (p: Packet) => {
  if (p.cmd === 'connack') {
    if (p.returnCode) process.send?.({ type: 'error', error: `CONNACK refused: ${p.returnCode}` });
    else process.send?.({ type: 'ready' });
  } else if (p.cmd === 'puback') {
    acked++;
    if (acked === COUNT) finish();
    else if (sent - acked <= WINDOW / 2) pump();
  }
});

/** Writes batches while the window and the socket allow; resumes on drain (QoS 0) or on PUBACKs (QoS 1). */
function pump(): void {
  while (sent < COUNT) {
    const room = QOS ? WINDOW - (sent - acked) : BATCH;
    const n = Math.min(BATCH, room, COUNT - sent);
    if (n <= 0) return;
    const parts: Buffer[] = [];
    for (let k = 0; k < n; k++) {
      const i = sent++;
      const p = pool[i % pool.length];
      if (QOS) {
        // ids 1..65535 in turn: at most WINDOW are in flight, so an id is free again long before it comes round
        const b = Buffer.from(p.bytes);
        b.writeUInt16BE((i % 65535) + 1, p.idAt);
        parts.push(b);
      } else parts.push(p.bytes);
    }
    const last = QOS === 0 && sent === COUNT;
    // QoS 0 is done when its last batch is handed to the kernel
    if (!socket.write(Buffer.concat(parts), last ? finish : undefined)) {
      socket.once('drain', pump);
      return;
    }
  }
}

process.on('message', (m: { type: string }) => {
  if (m.type === 'go') {
    started = performance.now();
    pump();
  } else if (m.type === 'stop') {
    socket.end(generate({ cmd: 'disconnect' }), () => process.exit(0));
  }
});
process.on('disconnect', () => process.exit(0));
