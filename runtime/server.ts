// The runtime distribution: Node-RED 4.1 embedded with our settings, our nodes (loaded as a
// module through settings.nodesDir, exactly as a palette install loads them), the default
// flows, an embedded MQTT broker, /health and /metrics.
import { createServer, type Server } from 'node:http';
import { once } from 'node:events';
import { randomBytes } from 'node:crypto';
import { chmodSync, copyFileSync, existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import type { GatewaySettings } from '../settings';
import { loggingSettings } from './logging';
import { startEmbeddedBroker, type EmbeddedBroker } from './broker';
import { installHealthAndMetrics } from './health-routes';
import { nodeRedDir, requireRuntimePackage, StartupError } from './resolve';
import { SystemdNotifier } from '../lib/system/sd-notify';

export const PACKAGE_ROOT = findPackageRoot(__dirname);

/** The package root, whether this runs from dist/runtime (installed) or runtime/ (source). */
function findPackageRoot(from: string): string {
  let dir = from;
  for (;;) {
    const pj = join(dir, 'package.json');
    if (existsSync(pj) && JSON.parse(readFileSync(pj, 'utf8')).name === '@edgegw/node-red-gateway') return dir;
    const up = dirname(dir);
    if (up === dir) return resolve(from, '..', '..');
    dir = up;
  }
}
export const DEFAULT_FLOWS = join(PACKAGE_ROOT, 'flows', 'gateway.json');
export const FLOW_FILE = 'flows.json';
export const SECRET_FILE = '.credential-secret';

export function packageVersion(): string {
  return JSON.parse(readFileSync(join(PACKAGE_ROOT, 'package.json'), 'utf8')).version as string;
}

/** The credentialSecret: generated on first start, kept in the user directory with mode 0600. */
export function credentialSecret(userDir: string): string {
  const file = join(userDir, SECRET_FILE);
  if (existsSync(file)) {
    if ((statSync(file).mode & 0o077) !== 0) chmodSync(file, 0o600);
    const secret = readFileSync(file, 'utf8').trim();
    if (secret) return secret;
  }
  const secret = randomBytes(32).toString('hex');
  writeFileSync(file, secret + '\n', { mode: 0o600 });
  chmodSync(file, 0o600);
  return secret;
}

/**
 * Copies the default flows into the user directory on first start; never overwrites a user's
 * flows afterwards unless asked (--reset-flows), and then keeps the old file as a backup.
 */
export function installDefaultFlows(userDir: string, reset: boolean, log: (m: string) => void): void {
  const target = join(userDir, FLOW_FILE);
  if (existsSync(target) && !reset) return;
  if (existsSync(target)) {
    const backup = `${target}.${new Date().toISOString().replace(/[:.]/g, '-')}.bak`;
    copyFileSync(target, backup);
    log(`flows reset to the defaults; previous flows kept in ${backup}`);
    const creds = join(userDir, 'flows_cred.json');
    if (existsSync(creds)) copyFileSync(creds, `${creds}.${new Date().toISOString().replace(/[:.]/g, '-')}.bak`);
  }
  copyFileSync(DEFAULT_FLOWS, target);
}

export interface RunningGateway {
  server: Server;
  port: number;
  broker?: EmbeddedBroker;
  stop(): Promise<void>;
}

export async function startGateway(s: GatewaySettings): Promise<RunningGateway> {
  const RED = require(nodeRedDir());
  const express = requireRuntimePackage<any>('express');
  mkdirSync(s.userDir, { recursive: true });
  const say = (m: string) => (s.logFormat === 'json' ? process.stdout.write(JSON.stringify({ time: new Date().toISOString(), level: 'info', type: 'edge-gateway', msg: m }) + '\n') : console.log(`[edge-gateway] ${m}`));
  installDefaultFlows(s.userDir, s.resetFlows, say);

  // The MQTT broker the default flows use: ${EDGEGW_MQTT_URL} in their mqtt-broker node.
  let broker: EmbeddedBroker | undefined;
  let brokerUrl: string | undefined;
  if (s.mqttUrl) {
    brokerUrl = s.mqttUrl;
  } else if (s.broker) {
    broker = await startEmbeddedBroker(s.brokerPort);
    brokerUrl = `mqtt://127.0.0.1:${broker.port}`;
    say(`embedded MQTT broker listening on 127.0.0.1:${broker.port}`);
  }
  process.env.EDGEGW_MQTT_URL = brokerUrl ?? 'mqtt://127.0.0.1:1883';
  // What else the default flows refer to through ${...}: the simulator port and the demo CAN data.
  process.env.EDGEGW_SIM_PORT = String(s.simPort);
  process.env.EDGEGW_DEMO_DBC = join(PACKAGE_ROOT, 'flows', 'demo', 'plant.dbc');
  process.env.EDGEGW_DEMO_CANLOG = join(PACKAGE_ROOT, 'flows', 'demo', 'plant.log');

  const app = express();
  const server = createServer(app);
  let flowsStarted = false;
  const startedAt = Date.now();
  const version = packageVersion();

  const settings: Record<string, unknown> = {
    uiHost: s.host,
    uiPort: s.port,
    userDir: s.userDir,
    flowFile: FLOW_FILE,
    flowFilePretty: true,
    credentialSecret: credentialSecret(s.userDir),
    nodesDir: [PACKAGE_ROOT],
    httpAdminRoot: '/',
    httpNodeRoot: '/',
    safeMode: s.safe,
    logging: loggingSettings(s.logFormat, s.logLevel),
    editorTheme: {
      page: { title: 'edge-gateway' },
      header: { title: 'edge-gateway' },
      projects: { enabled: false },
      tours: false,
    },
    edgeGateway: { version, mqttUrl: brokerUrl },
    // every Modbus write is audited (who, tag, old and new value) as JSON lines
    edgegwAuditLog: join(s.userDir, 'audit.jsonl'),
  };
  if (s.adminUsers.length > 0) {
    settings.adminAuth = {
      type: 'credentials',
      users: s.adminUsers.map((u) => ({ username: u.username, password: u.password, permissions: u.permissions })),
    };
  }

  RED.init(server, settings);
  // Under systemd (Type=notify) the service is ready once the flows run: READY=1, once.
  const systemd = new SystemdNotifier();
  let readySent = false;
  const onFlowsStarted = () => {
    flowsStarted = true;
    if (systemd.enabled && !readySent) {
      readySent = true;
      systemd.send('READY=1').then(() => say('systemd notified: READY=1'), (err: Error) => say(`${err.message}`));
    }
  };
  const onFlowsStopped = () => {
    flowsStarted = false;
  };
  RED.events.on('flows:started', onFlowsStarted);
  RED.events.on('flows:stopped', onFlowsStopped);

  installHealthAndMetrics(app, {
    version,
    nodeRedVersion: typeof RED.version === "function" ? RED.version() : String(RED.version),
    startedAt,
    safeMode: s.safe,
    flowsStarted: () => flowsStarted,
    broker: () => {
      const mqttNodes = mqttBrokerNodes(RED);
      const connected = mqttNodes.length === 0 ? (broker ? true : null) : mqttNodes.every((n) => n.connected === true);
      if (broker) return { mode: 'embedded', url: brokerUrl, listening: true, clients: broker.clients(), connected };
      if (s.mqttUrl) return { mode: 'external', url: s.mqttUrl, connected };
      return { mode: 'none', connected: null };
    },
  });
  app.use(settings.httpAdminRoot as string, RED.httpAdmin);
  app.use(settings.httpNodeRoot as string, RED.httpNode);

  await RED.start();
  server.listen(s.port, s.host);
  try {
    await Promise.race([once(server, 'listening'), once(server, 'error').then(([e]) => Promise.reject(e))]);
  } catch (err) {
    await RED.stop().catch(() => undefined);
    if (broker) await broker.close();
    const e = err as NodeJS.ErrnoException;
    throw new StartupError(e.code === 'EADDRINUSE' ? `port ${s.host}:${s.port} is in use: choose another with --port N` : `cannot listen on ${s.host}:${s.port}: ${e.message}`);
  }
  const port = (server.address() as { port: number }).port;
  say(`editor on http://${s.host.includes(':') ? `[${s.host}]` : s.host}:${port}/  health on /health, metrics on /metrics`);

  let stopping: Promise<void> | undefined;
  return {
    server,
    port,
    broker,
    stop() {
      stopping ??= (async () => {
        await RED.stop();
        RED.events.off('flows:started', onFlowsStarted);
        RED.events.off('flows:stopped', onFlowsStopped);
        server.closeAllConnections?.();
        await new Promise<void>((r) => server.close(() => r()));
        if (broker) await broker.close();
      })();
      return stopping;
    },
  };
}

function mqttBrokerNodes(RED: any): Array<{ connected?: boolean }> {
  const out: Array<{ connected?: boolean }> = [];
  RED.nodes.eachNode((n: { id: string; type: string }) => {
    if (n.type !== 'mqtt-broker') return;
    const live = RED.nodes.getNode(n.id);
    if (live) out.push(live);
  });
  return out;
}
