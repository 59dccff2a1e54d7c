// mqtt-device throughput: Tasmota SENSOR messages published by mosquitto_pub (a process of its
// own) to a local mosquitto, through an mqtt-device (tasmota-energy-plug profile, 9 tags per
// message) into scans, beside Node-RED's own `mqtt in` -> `json` of the same messages, in one
// Node-RED (node-red-node-test-helper) in one run. Figures: messages/s from the first to the last
// one received; median of the rounds. Needs mosquitto and mosquitto_pub. The test helper records
// every node call (sinon spies), which weighs on both paths alike: the ratio is the figure to read.
// Run: npm run bench -- mqtt-device   (never fails on a number)
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { helper, nodeModule } from '../test/helpers/nodered';
import { freePort, startProcess, waitFor, waitForPort } from '../test/helpers/process';
import { haveCommand } from '../test/helpers/peers';

const N = Number(process.env.BENCH_MESSAGES ?? 100_000);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const fmt = (n: number) => n.toLocaleString('en-US', { maximumFractionDigits: 0 });
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

let counted = { n: 0, first: 0, last: 0 };
function counterModule(RED: { nodes: { registerType(t: string, f: unknown): void; createNode(n: unknown, d: unknown): void } }): void {
  RED.nodes.registerType('bench-count', function (this: { on(e: string, f: (m: unknown, s: unknown, d: () => void) => void): void }, def: unknown) {
    RED.nodes.createNode(this, def);
    this.on('input', (_m, _s, done) => {
      const now = performance.now();
      if (counted.n === 0) counted.first = now;
      counted.n++;
      counted.last = now;
      done();
    });
  });
}

function publish(port: number, topic: string, lines: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const p = spawn('mosquitto_pub', ['-h', '127.0.0.1', '-p', String(port), '-q', '0', '-t', topic, '-l'], { stdio: ['pipe', 'ignore', 'inherit'] });
    p.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`mosquitto_pub exited ${code}`))));
    p.stdin.end(lines);
  });
}

async function main(): Promise<void> {
  if (!haveCommand('mosquitto') || !haveCommand('mosquitto_pub')) {
    console.log('skipped: needs mosquitto and mosquitto_pub (apt-get install mosquitto mosquitto-clients)');
    return;
  }
  const dir = mkdtempSync(join(tmpdir(), 'edgegw-bench-mqtt-'));
  const port = await freePort();
  const conf = join(dir, 'mosquitto.conf');
  writeFileSync(conf, `listener ${port} 127.0.0.1\nallow_anonymous true\nmax_queued_messages 0\n`);
  const broker = startProcess('mosquitto', ['-c', conf]);
  await waitForPort(port);
  const lines =
    Array.from({ length: N }, (_, i) =>
      JSON.stringify({
        Time: '2024-05-01T12:00:00',
        ENERGY: { Total: 3.705, Yesterday: 0.028, Today: 0.026, Power: i % 100, ApparentPower: 27, ReactivePower: 8, Factor: 0.93, Voltage: 231, Current: 0.117 },
      }),
    ).join('\n') + '\n';
  const brokerNode = {
    id: 'b',
    type: 'mqtt-broker',
    broker: '127.0.0.1',
    port: String(port),
    clientid: '',
    autoConnect: true,
    usetls: false,
    protocolVersion: '4',
    keepalive: '60',
    cleansession: true,
  };
  const variants = {
    'mqtt-device (9 tags)': [
      { id: 'dev', z: 't', type: 'edgegw-mqtt-device', broker: 'b', profile: 'tasmota-energy-plug', topic: 'bench', device: 'bench', qos: '0', staleAfter: 0, wires: [['count']] },
    ],
    'mqtt in -> json': [
      { id: 'in', z: 't', type: 'mqtt in', broker: 'b', topic: 'tele/bench/SENSOR', qos: '0', datatype: 'utf8', wires: [['parse']] },
      { id: 'parse', z: 't', type: 'json', property: 'payload', action: 'obj', wires: [['count']] },
    ],
  };
  await helper.startServer();
  const rates: Record<string, number[]> = {};
  try {
    for (let round = 0; round < ROUNDS; round++) {
      for (const [name, nodes] of Object.entries(variants)) {
        await helper.load(
          [nodeModule('mqtt-device'), require('@node-red/nodes/core/network/10-mqtt.js'), require('@node-red/nodes/core/parsers/70-JSON.js'), counterModule],
          [{ id: 't', type: 'tab' }, ...nodes, { id: 'count', z: 't', type: 'bench-count' }, brokerNode],
        );
        await waitFor('connected', () => (helper.getNode('b') as unknown as { connected?: boolean }).connected === true, 20000);
        await new Promise((r) => setTimeout(r, 300));
        counted = { n: 0, first: 0, last: 0 };
        await publish(port, 'tele/bench/SENSOR', lines);
        await waitFor('every message', () => counted.n >= N, 120_000, 20);
        (rates[name] ??= []).push((N - 1) / ((counted.last - counted.first) / 1000));
        await helper.unload();
      }
    }
  } finally {
    await helper.stopServer();
    await broker.stop('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  }
  const base = median(rates['mqtt in -> json']);
  console.log(`${fmt(N)} Tasmota SENSOR messages per run, QoS 0, median of ${ROUNDS} rounds\n`);
  console.log('| path | messages/s | vs mqtt in -> json |\n| --- | ---: | ---: |');
  for (const [name, r] of Object.entries(rates)) console.log(`| ${name} | ${fmt(median(r))} | ${(median(r) / base).toFixed(2)} |`);
}

main().then(
  () => process.exit(0),
  (err: Error) => {
    console.error(err);
    process.exit(1);
  },
);
