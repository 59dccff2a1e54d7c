// mqtt-device throughput in a real Node-RED runtime (issue 24's target: 50,000 device messages/s
// through mqtt-device into scans). Processes:
//   - devices: BENCH_DEVICES MQTT clients, each in a process of its own, publishing its share of
//     BENCH_MESSAGES as fast as the broker takes them: a Tasmota SENSOR JSON (9 tags read) or an
//     ESPHome plain value. BENCH_PUBLISHER=packets (the default): PUBLISH packets encoded once and
//     written many at a time (bench/mqtt-device/packet-publisher-process.ts), so that the devices are
//     not the ceiling; mqttjs: an mqtt.js client publishing one message at a time
//     (bench/mqtt-device/publisher-process.ts), as a device's firmware would;
//   - the broker: mosquitto (a process of its own), or the runtime's embedded aedes broker inside
//     the gateway process, as the edge-gateway runtime runs it;
//   - the gateway: Node-RED 4.1 with our mqtt-device node and Node-RED's own nodes
//     (bench/mqtt-device/gateway-process.ts), a counting node at the end of the flow;
//   - the broker alone: a plain mqtt.js subscriber in a process of its own, counting the same
//     messages with nothing parsed (bench/mqtt-device/subscriber-process.ts).
// Per broker, QoS and payload, in the same run: the broker alone, one mqtt-device per device ->
// counter, and `mqtt in` (one wildcard subscription) -> `json` -> counter. Figures: messages/s
// at the receiving end from its first message to its last; median of the rounds. Never fails on a
// number. The machine is shared and often loaded far beyond its cores, so beside the rate the
// receiving process's CPU time per message is measured (from its first message to its last):
// 1,000,000 / µs is the messages/s one core of the gateway would carry. For aedes that process
// holds the broker too. Run: npm run bench -- mqtt-device
// Env: BENCH_MESSAGES (100000 per measurement), BENCH_DEVICES (4), BENCH_ROUNDS (3),
// BENCH_BROKERS (mosquitto,aedes), BENCH_PUBLISHER (packets | mqttjs), BENCH_BROKER_HOST (an address of
// this host other than loopback: the flows' broker config connects there, aedes listens on every
// address, so mqtt-device reads aedes over MQTT instead of in-process), BENCH_QOS (0,1), BENCH_KINDS (tasmota,plain),
// BENCH_CPU_PROF (a directory: the gateway runs with --cpu-prof there), BENCH_BEFORE (another
// checkout, e.g. a worktree of the commit before a change: its mqtt-device measured too, in a
// gateway process of its own, as the row "mqtt-device (before)").
import { fork } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { talkTo, type BenchChild } from './shared/child-messages';
import { freePort, startProcess, waitForPort, type Peer } from '../test/helpers/process';
import { haveCommand } from '../test/helpers/peers';
import { deviceTopic, everyDeviceFilter, type BenchFlow, type Counted, type PayloadKind } from './mqtt-device/flows';

const N = Number(process.env.BENCH_MESSAGES ?? 100_000);
const DEVICES = Number(process.env.BENCH_DEVICES ?? 4);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const list = (v: string | undefined, d: string) => (v ?? d).split(',').filter(Boolean);
const BROKERS = list(process.env.BENCH_BROKERS, 'mosquitto,aedes');
const QOS = list(process.env.BENCH_QOS, '0,1').map(Number) as Array<0 | 1>;
const KINDS = list(process.env.BENCH_KINDS, 'tasmota,plain') as PayloadKind[];
const CPU_PROF = process.env.BENCH_CPU_PROF;
const BEFORE = process.env.BENCH_BEFORE;
const PUBLISHER = process.env.BENCH_PUBLISHER === 'mqttjs' ? 'mqttjs' : 'packets';
const PUBLISHER_SCRIPT = PUBLISHER === 'mqttjs' ? 'publisher-process.ts' : 'packet-publisher-process.ts';
/** no new message for this long: the rest is lost (a QoS 0 flood the broker dropped) */
const STALL_MS = 5000;

const fmt = (n: number) => (Number.isFinite(n) ? n.toLocaleString('en-US', { maximumFractionDigits: 0 }) : '-');
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

type Child = BenchChild;

function forkChild(script: string, args: string[], execArgv: string[] = []): Child {
  const proc = fork(join(__dirname, 'mqtt-device', script), args, { execArgv: ['--import', 'tsx', ...execArgv], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  return talkTo(proc, script);
}

/** Every device publishes its share at once; resolves when all of them handed their messages over. */
async function publishAll(port: number, qos: 0 | 1, kind: PayloadKind): Promise<void> {
  const devices = Array.from({ length: DEVICES }, (_, i) => forkChild(PUBLISHER_SCRIPT, [String(port), deviceTopic(kind, i), String(Math.floor(N / DEVICES)), String(qos), kind]));
  try {
    await Promise.all(devices.map((d) => d.next('ready')));
    const done = devices.map((d) => d.next('done'));
    for (const d of devices) d.proc.send({ type: 'go' });
    await Promise.all(done);
  } finally {
    await Promise.all(devices.map((d) => d.stop()));
  }
}

/** Waits until `expected` messages were counted, or none came for STALL_MS; the rate at the receiving end. */
async function settle(count: () => Promise<Counted>, expected: number): Promise<{ rate: number; received: number; cpuPerMessage: number }> {
  let last = -1;
  let since = Date.now();
  for (;;) {
    const c = await count();
    if (c.n >= expected || (c.n === last && Date.now() - since > STALL_MS))
      return { rate: c.n > 1 ? (c.n - 1) / ((c.last - c.first) / 1000) : NaN, received: c.n, cpuPerMessage: (c.cpuLast - c.cpuFirst) / (c.n - 1) };
    if (c.n !== last) {
      last = c.n;
      since = Date.now();
    }
    await sleep(50);
  }
}

type PathName = 'broker alone (mqtt.js subscriber)' | 'mqtt-device' | 'mqtt-device (before)' | 'mqtt in -> json';
const PATHS: PathName[] = ['broker alone (mqtt.js subscriber)', ...(BEFORE ? (['mqtt-device (before)'] as const) : []), 'mqtt-device', 'mqtt in -> json'];
const byPath = <T>(f: () => T) => Object.fromEntries(PATHS.map((p) => [p, f()])) as Record<PathName, T>;

async function main(): Promise<void> {
  const expected = Math.floor(N / DEVICES) * DEVICES;
  const dir = mkdtempSync(join(tmpdir(), 'edgegw-bench-mqtt-device-'));
  const rows: string[] = [];
  let mosquitto: Peer | undefined;
  const loads: number[] = [];
  try {
    for (const brokerName of BROKERS) {
      if (brokerName === 'mosquitto' && !haveCommand('mosquitto')) {
        console.log('mosquitto: not installed, skipped (apt-get install mosquitto)');
        continue;
      }
      let port: number;
      if (brokerName === 'mosquitto') {
        port = await freePort();
        const conf = join(dir, 'mosquitto.conf');
        writeFileSync(conf, `listener ${port} 127.0.0.1\nallow_anonymous true\nmax_queued_messages 0\n`);
        mosquitto = startProcess('mosquitto', ['-c', conf]);
        await waitForPort(port);
      }
      const gateway = forkChild('gateway-process.ts', [brokerName], CPU_PROF ? ['--cpu-prof', `--cpu-prof-dir=${CPU_PROF}`] : []);
      // the code before: a gateway of its own (both cannot register edgegw-mqtt-device in one Node-RED)
      const before = BEFORE ? forkChild('gateway-process.ts', [brokerName, BEFORE]) : undefined;
      const readies = [gateway.next('ready'), before?.next('ready')];
      let beforePort = 0;
      try {
        const ready = (await readies[0])!;
        if (brokerName === 'aedes') port = ready.brokerPort as number;
        const readyBefore = await readies[1];
        if (readyBefore) beforePort = brokerName === 'aedes' ? (readyBefore.brokerPort as number) : port!;
        for (const qos of QOS) {
          for (const kind of KINDS) {
            const rates = byPath<number[]>(() => []);
            const cpu = byPath<number[]>(() => []);
            const lost = byPath(() => 0);
            for (let round = 0; round < ROUNDS; round++) {
              for (const path of PATHS) {
                const target = path === 'mqtt-device (before)' ? before! : gateway;
                const targetPort = path === 'mqtt-device (before)' ? beforePort : port!;
                const flow: BenchFlow = { flow: path.startsWith('mqtt-device') ? 'device' : path === 'mqtt in -> json' ? 'json' : 'none', port: targetPort, qos, devices: DEVICES, kind };
                await target.ask('deploy', 'type', { ...flow, expected });
                let subscriber: Child | undefined;
                if (flow.flow === 'none') {
                  subscriber = forkChild('subscriber-process.ts', [String(targetPort), everyDeviceFilter(kind), String(qos), String(expected)]);
                  await subscriber.next('ready');
                }
                const count = subscriber ? () => subscriber.ask<Counted>('count', 'count') : () => target.ask<Counted>('count', 'count');
                await publishAll(targetPort, qos, kind);
                const r = await settle(count, expected);
                // the next path's flow replaces this one; the other gateway's is emptied now
                if (target !== gateway) await target.ask('deploy', 'type', { flow: 'none', port: targetPort, qos, devices: 0, kind, expected: 0 });
                loads.push(loadavg()[0]);
                await subscriber?.stop();
                rates[path].push(r.rate);
                cpu[path].push(r.cpuPerMessage);
                process.stderr.write(
                  `${brokerName} QoS ${qos} ${kind} round ${round + 1}: ${path} ${fmt(r.rate)} messages/s, ${r.cpuPerMessage.toFixed(1)} µs CPU each (${fmt(r.received)} received)\n`,
                );
                lost[path] = Math.max(lost[path], expected - r.received);
              }
            }
            const alone = median(rates['broker alone (mqtt.js subscriber)']);
            const json = median(rates['mqtt in -> json']);
            for (const path of PATHS) {
              const m = median(rates[path]);
              const us = median(cpu[path]);
              rows.push(
                `| ${brokerName} | ${qos} | ${kind === 'tasmota' ? 'Tasmota SENSOR (9 tags)' : 'ESPHome plain value'} | ${path} | ${fmt(m)} | ${(m / alone).toFixed(2)} | ${(m / json).toFixed(2)} | ${us.toFixed(1)} | ${fmt(1e6 / us)} | ${lost[path] ? fmt(lost[path]) : '0'} |`,
              );
            }
          }
        }
        await gateway.ask('deploy', 'type', { flow: 'none', port: port!, qos: 0, devices: 0, kind: 'tasmota' });
      } finally {
        await gateway.stop();
        await before?.stop();
        await mosquitto?.stop();
        mosquitto = undefined;
      }
    }
  } finally {
    await mosquitto?.stop();
    rmSync(dir, { recursive: true, force: true });
  }
  console.log(
    `${fmt(expected)} messages per measurement from ${DEVICES} devices (${PUBLISHER === 'mqttjs' ? 'mqtt.js publishing one message at a time' : 'pre-encoded PUBLISH packets written in batches'}, a process each), median of ${ROUNDS} rounds, load ${Math.min(...loads).toFixed(1)}-${Math.max(...loads).toFixed(1)}\n`,
  );
  console.log(
    '| broker | QoS | payload | path | messages/s | vs broker alone | vs mqtt in -> json | receiving process CPU µs/message | messages/s per CPU second | lost (worst round) |\n| --- | --- | --- | --- | ---: | ---: | ---: | ---: | ---: | ---: |',
  );
  for (const r of rows) console.log(r);
}

main().then(
  () => process.exit(0),
  (err: Error) => {
    console.error(err);
    process.exit(1);
  },
);
