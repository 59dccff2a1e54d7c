// The runtime distribution: Node-RED 4.1 embedded with our settings, our nodes (loaded as a
// module through settings.nodesDir, exactly as a palette install loads them), the default
// flows, an embedded MQTT broker, /health and /metrics.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer, type Server as HttpsServer } from 'node:https';
import { createSecureContext } from 'node:tls';
import { ensureDirectory, DirectoryError } from '../lib/system/fs/directory';
import { ensureLoadableFlows, migrateFlowsFile, type FlowsRecovery } from './flows-file';
import { ensureEncryptedCredentials } from './credentials-file';
import { once } from 'node:events';
import { randomBytes } from 'node:crypto';
import { chmodSync, copyFileSync, existsSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { DEFAULTS, type GatewaySettings, type TlsFiles } from './settings';
import { loggingSettings } from './logging';
import { servesNetwork, type EmbeddedBroker } from './broker';
import { chooseBroker, provideBroker, type FlowsBroker } from './broker-choice';
import { installHealthAndMetrics } from './health-routes';
import { nodeRedDir, requireRuntimePackage, StartupError } from './resolve';
import { redactUrl, redactUrlsInText } from '../lib/system/text/redact';
import { SystemdNotifier } from '../lib/system/process/sd-notify';
import { DeviceIdRegistry } from '../lib/fleet/device-ids';
import { closeSharedDeviceRegistry, DiscoveryTopic, sharedDeviceRegistry, type DeviceRegistry } from '../lib/registry';
import { installDeviceAdminRoutes } from './devices-routes';
import { sharedAuditLog } from '../lib/audit/audit-log';
import { flowsFromDevices, ACQUISITION_LINK_NAME } from './flows-from-devices';
import { httpNodeAuth, type Middleware } from './http-node-auth';
import { dashboardSameOrigin, dashboardSocketLogin } from './dashboard-auth';
import { InstanceLockError, takeInstanceLock, type InstanceLock } from '../lib/system/process/instance-lock';
import { runtimeText } from './messages';
import { overlapPaletteCheck } from './palette-check';
import { serveMountedApiFirst } from '../nodes/gateway-api/mount';
import { releaseMqttNumberCaches } from './mqtt-number-cache';

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
/** the pid of the gateway running on a user directory (one at a time) */
export const LOCK_FILE = 'edge-gateway.pid';

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
export function installDefaultFlows(userDir: string, reset: boolean, log: (m: string) => void, generated?: () => unknown[]): void {
  const target = join(userDir, FLOW_FILE);
  if (existsSync(target) && !reset) return;
  if (existsSync(target)) {
    const backup = `${target}.${new Date().toISOString().replace(/[:.]/g, '-')}.bak`;
    copyFileSync(target, backup);
    log(`flows reset to the defaults; previous flows kept in ${backup}`);
    const creds = join(userDir, 'flows_cred.json');
    if (existsSync(creds)) copyFileSync(creds, `${creds}.${new Date().toISOString().replace(/[:.]/g, '-')}.bak`);
  }
  if (generated) writeFileSync(target, JSON.stringify(generated(), null, 4) + '\n');
  else copyFileSync(DEFAULT_FLOWS, target);
}

/**
 * The user directory made ready before Node-RED sees it: created (once, never looping), checked
 * writable, credential secret, flows file checked (a damaged one replaced from its backup, or
 * the start refused), default flows on first start. An unusable directory is a StartupError
 * with exit code 2 and one line naming the directory and the reason.
 */
async function prepareUserDir(
  s: GatewaySettings,
  say: (m: string, level?: 'info' | 'warn') => void,
): Promise<{ secret: string; flowsRecovery?: FlowsRecovery; lock: InstanceLock; devices: DeviceRegistry }> {
  try {
    ensureDirectory(s.userDir, { writable: true });
  } catch (err) {
    if (err instanceof DirectoryError) throw new StartupError(`user directory ${err.message} (choose another with --user-dir DIR)`, 2);
    throw err;
  }
  let lock: InstanceLock;
  try {
    lock = takeInstanceLock(join(s.userDir, LOCK_FILE), ['edge-gateway', 'runtime/cli.js']);
  } catch (err) {
    if (err instanceof InstanceLockError)
      throw new StartupError(`user directory ${s.userDir}: another edge-gateway (pid ${err.pid}) runs on it; stop that one first, or choose another with --user-dir DIR`, 2);
    throw err;
  }
  process.once('exit', () => lock.release());
  try {
    // the one device registry of this user directory (lib/registry): the generated flows' ids,
    // the embedded broker's logins and ACL, the pending devices, the nodes' registrations
    // its decisions (accept, reject, remove, a login added) go to the one audit log, whose file
    // (<user-dir>/audit.jsonl) the logging settings below give it
    const devices = await sharedDeviceRegistry(s.userDir, { warn: (m) => say(m, 'warn'), info: (m) => say(m), audit: sharedAuditLog() });
    const secret = credentialSecret(s.userDir);
    const flowsRecovery = s.resetFlows ? undefined : ensureLoadableFlows(s.userDir, FLOW_FILE);
    if (flowsRecovery) {
      say(
        `FLOWS FILE DAMAGED: ${flowsRecovery.file} ${flowsRecovery.reason}. Started from the backup ${flowsRecovery.backup}; the damaged file is kept as ${flowsRecovery.keptAs}. /health reports "degraded" until the flows are deployed again.`,
        'warn',
      );
    }
    // flows saved by an earlier release: former type names and older config versions rewritten
    const flowsFile = join(s.userDir, FLOW_FILE);
    const migrated = s.resetFlows || !existsSync(flowsFile) ? undefined : migrateFlowsFile(flowsFile);
    if (migrated?.changed) say(`flows migrated: ${flowsFile} (${migrated.summary}); the file as it was is kept as ${migrated.keptAs}`, 'warn');
    // a settings file listing real devices replaces the simulated default flows (first start only)
    const configured = s.devices;
    const generated = configured?.length
      ? () => {
          const flows = flowsFromDevices(configured, new DeviceIdRegistry(devices), s.configFile ?? 'the settings file');
          say(`flows generated from the ${configured.length} device(s) in ${s.configFile}: scans go to link out "${ACQUISITION_LINK_NAME}"`);
          return flows;
        }
      : undefined;
    installDefaultFlows(s.userDir, s.resetFlows, say, generated);
    ensureEncryptedCredentials(s.userDir, secret);
    return { secret, flowsRecovery, lock, devices };
  } catch (err) {
    await closeSharedDeviceRegistry(s.userDir).catch(() => undefined);
    lock.release();
    const e = err as NodeJS.ErrnoException;
    if (err instanceof StartupError) throw err;
    if (e.code && e.syscall) throw new StartupError(`user directory ${s.userDir}: cannot ${e.syscall} ${e.path ?? ''}: ${e.code} (choose another with --user-dir DIR)`, 2);
    throw err;
  }
}

/**
 * The certificate and key of `tls` (PEM files; relative paths in the user directory), read and
 * checked as a pair before anything listens. A file that is missing or unreadable, or a key that
 * is not the certificate's, is a StartupError naming the file.
 */
export function readTlsFiles(tls: TlsFiles, userDir: string): { cert: Buffer; key: Buffer } {
  const read = (field: 'cert' | 'key'): Buffer => {
    const file = resolve(userDir, tls[field]);
    try {
      return readFileSync(file);
    } catch (err) {
      const e = err as NodeJS.ErrnoException;
      throw new StartupError(`tls.${field}: cannot read ${file}: ${e.code === 'ENOENT' ? 'no such file' : e.code === 'EACCES' ? 'permission denied' : (e.code ?? e.message)}`, 2);
    }
  };
  const pair = { cert: read('cert'), key: read('key') };
  try {
    createSecureContext(pair);
  } catch (err) {
    throw new StartupError(`tls: ${resolve(userDir, tls.cert)} and ${resolve(userDir, tls.key)} are not a certificate and its private key (PEM): ${(err as Error).message}`, 2);
  }
  return pair;
}

export interface RunningGateway {
  server: Server | HttpsServer;
  port: number;
  broker?: EmbeddedBroker;
  stop(): Promise<void>;
}

export async function startGateway(s: GatewaySettings): Promise<RunningGateway> {
  const RED = require(nodeRedDir());
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- Node-RED's express, untyped here
  const express = requireRuntimePackage<any>('express');
  const say = (m: string, level: 'info' | 'warn' = 'info') => {
    const text = redactUrlsInText(m);
    if (s.logFormat === 'json') process.stdout.write(JSON.stringify({ time: new Date().toISOString(), level, type: 'edge-gateway', msg: text }) + '\n');
    else console.log(`[edge-gateway]${level === 'warn' ? ' [warn]' : ''} ${text}`);
  };
  // before the user directory is locked: a TLS file that cannot be used stops the start at once
  const tls = s.tls ? readTlsFiles(s.tls, s.userDir) : undefined;
  const prepared = await prepareUserDir(s, say);
  const flowsRecovery = prepared.flowsRecovery;
  const devices = prepared.devices;
  // what `edge-gateway devices accept` and `admin add-device` wrote while the gateway runs
  const registryRefresh = setInterval(() => void devices.refresh().catch((err: Error) => say(`device registry: cannot read ${devices.location}: ${err.message}`, 'warn')), REGISTRY_REFRESH_MS);
  registryRefresh.unref();
  const releaseUserDir = async () => {
    clearInterval(registryRefresh);
    await closeSharedDeviceRegistry(s.userDir).catch((err: Error) => say(`device registry: ${err.message}`, 'warn'));
    prepared.lock.release();
  };

  // The MQTT broker the default flows use: ${EDGEGW_MQTT_URL} in their broker config nodes.
  const discovery = new DiscoveryTopic(s.discovery?.topic);
  let flowsBroker: FlowsBroker;
  try {
    flowsBroker = await provideBroker(chooseBroker(s), (m) => say(m, 'warn'), undefined, { registry: devices, discovery });
  } catch (err) {
    await releaseUserDir();
    throw err;
  }
  const broker = flowsBroker.mode === 'embedded' ? flowsBroker.embedded : undefined;
  // before the broker's first CONNACK would fill mqtt-packet's number table (6.6 MB of heap)
  releaseMqttNumberCaches();
  if (broker) {
    say(s.brokerHost !== DEFAULTS.brokerHost ? runtimeText('brokerListeningOn', { host: s.brokerHost, port: broker.port }) : runtimeText('brokerListening', { port: broker.port }));
    // the choice for a network bind without logins: nobody from the network gets in (refused,
    // and counted), rather than anybody; said once so the operator knows what to do
    if (servesNetwork(s.brokerHost) && !devices.hasCredentials()) say(runtimeText('brokerNoDeviceLogins', { host: s.brokerHost }), 'warn');
  }
  process.env.EDGEGW_MQTT_URL = flowsBroker.url;
  // What else the default flows refer to through ${...}: the simulator port and the demo CAN data.
  process.env.EDGEGW_SIM_PORT = String(s.simPort);
  // the flows' topics edge-gateway/<id>/heartbeat|status|alarms (settings: gatewayId)
  process.env.EDGEGW_GATEWAY_ID = s.gatewayId;
  // Node-RED substitutes ${VAR} only as a property's whole value: the broker's birth/will topic
  process.env.EDGEGW_STATUS_TOPIC = `edge-gateway/${s.gatewayId}/status`;
  // and the topic an operator acknowledges alarms on
  process.env.EDGEGW_ALARMS_ACK_TOPIC = `edge-gateway/${s.gatewayId}/alarms/ack`;
  // the editor port, so the flows can call their own HTTP endpoints (the digital twin)
  process.env.EDGEGW_UI_PORT = String(s.port);
  process.env.EDGEGW_DEMO_DBC = join(PACKAGE_ROOT, 'flows', 'demo', 'plant.dbc');
  process.env.EDGEGW_DEMO_CANLOG = join(PACKAGE_ROOT, 'flows', 'demo', 'plant.log');

  const app = express();
  // the operator API's requests are answered before Express once the editor is served (the
  // layers in front of httpNode cost more than the API itself: docs/api.md, Benchmark)
  const listener = (req: IncomingMessage, res: ServerResponse) => {
    const httpNode = (RED as { httpNode?: object }).httpNode;
    if (editorReady && httpNode) serveMountedApiFirst(httpNode, String(settings.httpNodeRoot), req, res, () => app(req, res));
    else app(req, res);
  };
  // one server, so the editor, the flows' endpoints, the API, /health and /metrics all go over TLS
  const server: Server | HttpsServer = tls ? createHttpsServer(tls, listener) : createServer(listener);
  let flowsStarted = false;
  // The server listens while Node-RED loads (seconds on a busy box). The editor is served once
  // Node-RED has started; /health says "starting" until the flows run, fail (a runtime-state
  // event says why) or have not started STARTING_GRACE_MS after Node-RED did (then "down").
  let editorReady = false;
  let healthStarting = true;
  let startingGrace: NodeJS.Timeout | undefined;
  const startingOver = () => {
    healthStarting = false;
    if (startingGrace) clearTimeout(startingGrace);
  };
  const startedAt = Date.now();
  const version = packageVersion();

  const settings: Record<string, unknown> = {
    uiHost: s.host,
    uiPort: s.port,
    userDir: s.userDir,
    flowFile: FLOW_FILE,
    flowFilePretty: true,
    credentialSecret: prepared.secret,
    // our package, and Dashboard 2.0 (a dependency of ours: wherever npm put it, Node-RED may not scan there)
    nodesDir: [PACKAGE_ROOT, ...dashboardModuleDir()],
    httpAdminRoot: '/',
    httpNodeRoot: '/',
    safeMode: s.safe,
    // deploys (with the user) and editor logins go to the audit log beside device writes
    logging: loggingSettings(s.logFormat, s.logLevel, undefined, { file: join(s.userDir, 'audit.jsonl'), warn: (m) => say(m, 'warn') }),
    // node status texts are translated on the runtime side, in this language (unset: from LANG)
    ...(s.lang ? { lang: s.lang } : {}),
    editorTheme: {
      page: { title: 'edge-gateway' },
      header: { title: 'edge-gateway' },
      // no "enabled" key: `enabled: false` makes Node-RED warn "Projects disabled" on every
      // start, no `projects` key makes it warn too; an empty object leaves projects off quietly
      projects: {},
      tours: false,
    },
    // an edge gateway does not phone home, and the editor does not ask on first start
    // (the "Enable update notifications?" dialog appears while telemetry is undecided)
    telemetry: { enabled: false, updateNotification: false },
    // the package's one settings namespace (nodes/common/settings.ts): the version heartbeats
    // report, and the file every Modbus write is audited to (who, tag, old and new value)
    // and the operator API's settings (keys file, JWT issuer, rate limits; lib/api/auth/settings.ts)
    // and where unknown devices announce themselves (lib/registry/discovery.ts)
    edgegw: { version, auditLog: join(s.userDir, 'audit.jsonl'), ...(s.api ? { api: s.api } : {}), discovery: { topic: discovery.filter } },
  };
  if (s.adminUsers.length > 0) {
    const { adminAuthSettings } = await import('./admin');
    const adminAuth = adminAuthSettings(s.adminUsers);
    settings.adminAuth = adminAuth;
    // the flows' http in endpoints (the digital twin, a user's own) need the same login
    const flowsToken = randomBytes(24).toString('base64url');
    process.env.EDGEGW_HTTP_TOKEN = flowsToken;
    const flowsLogin = httpNodeAuth({
      needsPermission: (permission) => (RED.auth as { needsPermission(p: string): Middleware }).needsPermission(permission),
      authenticate: (username, password) => adminAuth.authenticate(username, password),
      flowsToken,
    });
    settings.httpNodeMiddleware = flowsLogin;
    // Dashboard 2.0 behind the same login: its pages (httpNodeMiddleware reaches only http in
    // nodes' routes) and its socket.io path, which the HTTP server answers before express
    settings.dashboard = { middleware: flowsLogin, ioMiddleware: [dashboardSocketLogin(flowsLogin), dashboardSameOrigin] };
  } else {
    delete process.env.EDGEGW_HTTP_TOKEN;
  }

  RED.init(server, settings);
  // the editor's pending devices (GET /edgegw/devices/pending, POST /edgegw/devices/:id/accept)
  installDeviceAdminRoutes(RED.httpAdmin, (permission) => (RED.auth as { needsPermission(p: string): Middleware }).needsPermission(permission), devices);
  const paletteCheck = overlapPaletteCheck(nodeRedDir());
  let recovery = flowsRecovery;
  // Under systemd (Type=notify) the service is ready once the flows run: READY=1, once.
  const systemd = new SystemdNotifier();
  let readySent = false;
  const onFlowsStarted = (ev?: { diff?: unknown }) => {
    flowsStarted = true;
    startingOver();
    if (systemd.enabled && !readySent) {
      readySent = true;
      systemd.send('READY=1').then(
        () => say('systemd notified: READY=1'),
        (err: Error) => say(`${err.message}`),
      );
    }
    // a deploy (it carries a diff; the start-up load does not) wrote a fresh flows file
    if (ev?.diff && recovery) {
      say(`flows deployed: ${recovery.file} rewritten, no longer running from its backup`);
      recovery = undefined;
    }
  };
  const onFlowsStopped = () => {
    flowsStarted = false;
  };
  // Node-RED says why it did not start the flows in its runtime-state event
  let flowsProblem: { missingTypes?: string[]; missingModules?: string[] } | undefined;
  const onRuntimeEvent = (ev: { id?: string; payload?: { error?: string; types?: unknown; modules?: unknown } }) => {
    if (ev?.id !== 'runtime-state') return;
    const p = ev.payload;
    if (p?.error === 'missing-types' && Array.isArray(p.types)) flowsProblem = { missingTypes: p.types.map(String) };
    else if (p?.error === 'missing-modules' && Array.isArray(p.modules))
      flowsProblem = { missingModules: p.modules.map((m: { module?: unknown } | string) => (typeof m === 'string' ? m : String(m?.module as string))) };
    else flowsProblem = undefined;
    if (flowsProblem) startingOver();
  };
  RED.events.on('runtime-event', onRuntimeEvent);
  RED.events.on('flows:started', onFlowsStarted);
  RED.events.on('flows:stopped', onFlowsStopped);

  installHealthAndMetrics(app, {
    version,
    nodeRedVersion: typeof RED.version === 'function' ? RED.version() : String(RED.version),
    startedAt,
    starting: () => healthStarting,
    safeMode: s.safe,
    flowsStarted: () => flowsStarted,
    flowsProblem: () => flowsProblem,
    flowsRecovery: () => recovery,
    broker: () => {
      const mqttNodes = mqttBrokerNodes(RED);
      const connected = mqttNodes.length === 0 ? (broker ? true : null) : mqttNodes.every((n) => n.connected === true);
      if (flowsBroker.mode === 'embedded') {
        const { clients, slowClientsDropped, connectionsRefused } = flowsBroker.embedded.stats();
        return { mode: 'embedded', url: redactUrl(flowsBroker.url), listening: true, clients, slowClientsDropped, connectionsRefused, connected };
      }
      if (flowsBroker.mode === 'external') return { mode: 'external', url: redactUrl(flowsBroker.url), connected };
      return { mode: 'none', connected: null };
    },
  });
  // until Node-RED has started, the editor and the flows' endpoints answer "starting" (/health and
  // /metrics, above, answer for themselves)
  app.use((req: { headers: Record<string, string | undefined> }, res: StartingResponse, next: () => void) => (editorReady ? next() : answerStarting(req, res)));
  app.use(settings.httpAdminRoot, RED.httpAdmin);
  app.use(settings.httpNodeRoot, RED.httpNode);

  server.listen(s.port, s.host);
  try {
    await Promise.race([once(server, 'listening'), once(server, 'error').then(([e]) => Promise.reject(e instanceof Error ? e : new Error(String(e))))]);
  } catch (err) {
    if (broker) await broker.close();
    await releaseUserDir();
    const e = err as NodeJS.ErrnoException;
    const where = { host: s.host, port: s.port };
    throw new StartupError(e.code === 'EADDRINUSE' ? runtimeText('portInUse', where) : runtimeText('cannotListen', { ...where, reason: e.message }));
  }
  const port = (server.address() as { port: number }).port;
  try {
    await RED.start();
    await paletteCheck.settled();
    // Node-RED's mqtt nodes (loaded by the start) may bring a copy of mqtt-packet of their own
    releaseMqttNumberCaches();
  } catch (err) {
    server.closeAllConnections?.();
    await new Promise<void>((r) => server.close(() => r()));
    if (broker) await broker.close();
    await releaseUserDir();
    throw err;
  }
  editorReady = true;
  if (s.safe || flowsStarted || flowsProblem) startingOver();
  else startingGrace = setTimeout(startingOver, STARTING_GRACE_MS).unref();
  say(runtimeText('editorOn', { url: `${tls ? 'https' : 'http'}://${s.host.includes(':') ? `[${s.host}]` : s.host}:${port}/` }));

  let stopping: Promise<void> | undefined;
  return {
    server,
    port,
    broker,
    stop() {
      stopping ??= (async () => {
        startingOver();
        await RED.stop();
        RED.events.off('flows:started', onFlowsStarted);
        RED.events.off('runtime-event', onRuntimeEvent);
        RED.events.off('flows:stopped', onFlowsStopped);
        server.closeAllConnections?.();
        await new Promise<void>((r) => server.close(() => r()));
        if (broker) await broker.close();
        await releaseUserDir();
      })();
      return stopping;
    },
  };
}

/** how often the gateway reads what the CLI wrote to the device registry */
const REGISTRY_REFRESH_MS = 3000;
/** Dashboard 2.0's package directory, resolved from ours (none when it is not installed). */
function dashboardModuleDir(): string[] {
  try {
    return [dirname(require.resolve('@flowfuse/node-red-dashboard/package.json', { paths: [PACKAGE_ROOT] }))];
  } catch {
    return [];
  }
}

/** how long /health says "starting" after Node-RED started without the flows running or failing */
const STARTING_GRACE_MS = 15_000;

interface StartingResponse {
  status(code: number): StartingResponse;
  set(name: string, value: string): StartingResponse;
  type(t: string): StartingResponse;
  send(body: string): void;
}

/** 503 while Node-RED starts: a page that reloads itself for a browser, JSON for every other client. */
function answerStarting(req: { headers: Record<string, string | undefined> }, res: StartingResponse): void {
  res.status(503).set('Retry-After', '1').set('Cache-Control', 'no-store');
  if ((req.headers.accept ?? '').includes('text/html'))
    res
      .type('html')
      .send(
        '<!doctype html><meta charset="utf-8"><meta http-equiv="refresh" content="1"><title>edge-gateway</title><p>edge-gateway is starting: the editor opens as soon as the nodes and flows are loaded.</p>',
      );
  else res.type('json').send(JSON.stringify({ status: 'starting', error: 'edge-gateway is starting: try again in a second' }));
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- Node-RED's runtime object, untyped here
function mqttBrokerNodes(RED: any): Array<{ connected?: boolean }> {
  const out: Array<{ connected?: boolean }> = [];
  try {
    RED.nodes.eachNode((n: { id: string; type: string }) => {
      if (n.type !== 'mqtt-broker') return;
      const live = RED.nodes.getNode(n.id);
      if (live) out.push(live);
    });
  } catch {
    // no flows loaded yet (Node-RED's active configuration is null until they are): no broker nodes
  }
  return out;
}
