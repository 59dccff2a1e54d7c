// The measured process of bench/mqtt-device.bench.ts: Node-RED 4.1 embedded with our mqtt-device
// node (through a one-line shim, as bench/can-pipeline does) and Node-RED's own mqtt and json
// nodes, optionally with the runtime's embedded aedes broker in the same process, as the
// edge-gateway runtime runs it. A counting node at the end of each flow notes the first and last
// message. Driven by its parent over IPC:
//   child -> parent  { type: 'ready', brokerPort }                 Node-RED (and aedes) run
//   parent -> child  { type: 'deploy', flow, port, qos, devices, kind }
//                                            -> { type: 'deploy' } the flow runs, its broker connected
//   parent -> child  { type: 'count' }      -> { type: 'count', count: Counted }
//   parent -> child  { type: 'stop' }                              stop everything and exit
// argv: 'aedes' to start the embedded broker, anything else not to; the repository whose
// nodes/mqtt-device to load (default: this one).
import { createServer } from 'node:http';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { benchNodeRedSettings } from '../shared/node-red-settings';
import { startEmbeddedBroker, type EmbeddedBroker } from '../../runtime/broker';
import { writeNodeShims } from '../pipeline/node-shims';
import { cpuMicros, deviceFlow, noneCounted, type BenchFlow, type Counted } from './flows';
import { runChild, toParent as send } from '../shared/child-messages';

const ROOT = join(__dirname, '..', '..');
const COUNTER = `module.exports = function (RED) {
  RED.nodes.registerType('bench-count', function (def) {
    RED.nodes.createNode(this, def);
    this.on('input', (msg, _send, done) => {
      const c = globalThis.__benchCounted;
      const now = performance.now();
      if (c.n === 0) {
        c.first = now;
        c.cpuFirst = globalThis.__benchCpu();
      }
      c.n++;
      if (c.n === c.expected) c.cpuLast = globalThis.__benchCpu();
      c.last = now;
      if (Array.isArray(msg.tags)) c.samples += msg.tags.length;
      done();
    });
  });
};
`;
const g = globalThis as unknown as { __benchCounted: Counted; __benchCpu: () => number };
g.__benchCpu = cpuMicros;
g.__benchCounted = noneCounted(0);

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'edgegw-mqtt-device-bench-'));
  const nodesDir = join(dir, 'nodes');
  // argv[3]: another checkout's mqtt-device (the code before a change), measured in the same run
  writeNodeShims(nodesDir, process.argv[3] || ROOT, ['mqtt-device']);
  writeFileSync(join(nodesDir, 'bench-count.js'), COUNTER);
  writeFileSync(join(nodesDir, 'bench-count.html'), `<script type="text/javascript">RED.nodes.registerType('bench-count', { category: 'function', defaults: {}, inputs: 1 });</script>\n`);
  const userDir = join(dir, 'user');
  mkdirSync(userDir);
  const RED = require('node-red');
  const server = createServer();
  RED.init(server, benchNodeRedSettings(userDir, nodesDir));
  await RED.start();
  // a flooded subscriber is further behind than the runtime's default 1 MiB: the bench measures
  // how fast the gateway drains, so the broker keeps it rather than dropping it as too slow
  const broker: EmbeddedBroker | undefined =
    process.argv[2] === 'aedes' ? await startEmbeddedBroker(0, { maxBufferedBytes: 1024 * 1024 * 1024, host: process.env.BENCH_BROKER_HOST ? '0.0.0.0' : undefined }) : undefined;

  const stop = async () => {
    await RED.stop().catch(() => undefined);
    await broker?.close().catch(() => undefined);
    server.close();
    rmSync(dir, { recursive: true, force: true });
    process.exit(0);
  };
  process.on('message', (m: { type: string; expected: number } & BenchFlow) => {
    if (m.type === 'deploy') {
      g.__benchCounted = noneCounted(m.expected);
      RED.nodes
        .setFlows(deviceFlow(m), 'full')
        .then(async () => {
          if (m.flow === 'none') return;
          const deadline = Date.now() + 20000;
          while ((RED.nodes.getNode('benchBroker') as { connected?: boolean } | null)?.connected !== true) {
            if (Date.now() > deadline) throw new Error('the flow did not connect to its broker in 20 s');
            await new Promise((r) => setTimeout(r, 50));
          }
          // the subscriptions are sent once connected: give them a moment to be granted
          await new Promise((r) => setTimeout(r, 500));
        })
        .then(
          () => send({ type: 'deploy' }),
          (err: Error) => send({ type: 'error', error: err.message }),
        );
    } else if (m.type === 'count') {
      send({ type: 'count', count: g.__benchCounted });
    } else if (m.type === 'stop') {
      void stop();
    }
  });
  process.on('disconnect', () => void stop());
  send({ type: 'ready', brokerPort: broker?.port });
}

runChild(main);
