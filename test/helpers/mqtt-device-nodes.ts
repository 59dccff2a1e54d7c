// What the mqtt-device node tests share: the node modules, a flow of one device on a broker config,
// the samples its scans carried, mosquitto_pub as a device, and the mqtt.js plug peer
// (mqtt-device-peer.ts) in a process of its own.
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import type { NodeMessage } from '../../nodes/common/red';
import type { TagSample } from '../../lib/tags/contract';
import { helper, nodeModule } from './nodered';
import { clearCollected, collectorModule, received } from './can-nodes';
import { startProcess, waitFor, type Peer } from './process';
import { leftAfterRedeploys } from './modbus-leaks';

const coreMqtt = () => require('@node-red/nodes/core/network/10-mqtt.js');
export const mqttDeviceModules = () => [nodeModule('mqtt-device'), coreMqtt(), collectorModule];

/** A device node `dev` (its config over `dev`) into the collector `out`, on the broker config `b` at 127.0.0.1:port. */
export function deviceFlow(port: number, dev: Record<string, unknown>): Record<string, unknown>[] {
  return [
    { id: 'tab', type: 'tab', label: 'devices' },
    { id: 'dev', z: 'tab', type: 'edgegw-mqtt-device', broker: 'b', qos: '1', staleAfter: 0, device: '', wires: [['out']], ...dev },
    { id: 'out', z: 'tab', type: 'test-collect' },
    { id: 'b', type: 'mqtt-broker', broker: '127.0.0.1', port: String(port), clientid: '', autoConnect: true, usetls: false, protocolVersion: '4', keepalive: '60', cleansession: true },
  ];
}

/** Every sample of the scans `out` received, in order. */
export const collectedSamples = (): TagSample[] => received('out').flatMap((m: NodeMessage) => (m as unknown as { tags: TagSample[] }).tags);

/** The values of the tag `name` that `out` received, in order. */
export const collectedValues = (name: string): TagSample['value'][] =>
  collectedSamples()
    .filter((s) => s.name === name)
    .map((s) => s.value);

/** `n` Tasmota SENSOR payloads, one a line (mosquitto_pub -l), Power counting 0..n-1. */
export function tasmotaFloodLines(n: number): string {
  return (
    Array.from({ length: n }, (_, i) =>
      JSON.stringify({ Time: '2024-05-01T12:00:00', ENERGY: { Power: i, Voltage: 230, Current: 0.1, Total: 1, Today: 0, Yesterday: 0, ApparentPower: i, ReactivePower: 0, Factor: 1 } }),
    ).join('\n') + '\n'
  );
}

/** The last sample of the tag `name` that `out` received. */
export const lastSample = (name: string): TagSample | undefined =>
  collectedSamples()
    .filter((s) => s.name === name)
    .pop();

/** Waits until the broker config `b` is connected. */
export const brokerConnected = () => waitFor('the broker connected', () => (helper.getNode('b') as unknown as { connected?: boolean }).connected === true, 20000);

/** mosquitto_pub against 127.0.0.1:port, with `stdin` written to it when given (-l, -s). */
export function mosquittoPub(port: number, args: string[], stdin?: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const p = spawn('mosquitto_pub', ['-h', '127.0.0.1', '-p', String(port), ...args], { stdio: [stdin === undefined ? 'ignore' : 'pipe', 'ignore', 'pipe'] });
    let err = '';
    p.stderr!.on('data', (d) => (err += d));
    p.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`mosquitto_pub exited ${code}: ${err}`))));
    if (stdin !== undefined) p.stdin!.end(stdin);
  });
}

const PEER_SCRIPT = join(__dirname, 'mqtt-device-peer.ts');

/** The mqtt.js plug in a process of its own, connected to `url` (env: TOPIC, PERIOD_MS, ANSWER). */
export async function startPlug(url: string, env: Record<string, string>): Promise<Peer> {
  const peer = startProcess(process.execPath, ['--import', 'tsx', PEER_SCRIPT], { env: { ...process.env, BROKER_URL: url, ...env } });
  await waitFor('the plug connected', () => peer.output().includes('ready'), 20000);
  return peer;
}

/** After each test: the plug peer killed (no clean close), the flow unloaded, the collected scans dropped. */
export async function endDeviceTest(plug: Peer | undefined): Promise<void> {
  await plug?.stop('SIGKILL');
  await helper.unload();
  clearCollected();
}

/**
 * Deploys `flow` 100 times and says what each redeploy left behind (timers, sockets, watchers):
 * the first deploy connects before the baseline is taken, so the broker's client is in it.
 */
export function leftAfterDeviceRedeploys(flow: Record<string, unknown>[]): Promise<string[]> {
  let first = true;
  const deploy = async () => {
    await helper.load(mqttDeviceModules(), flow);
    if (first) await brokerConnected();
    first = false;
  };
  return leftAfterRedeploys({ deploy, stop: () => helper.unload(), after: clearCollected });
}
