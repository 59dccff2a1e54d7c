// GET /health and GET /metrics: one health registry and one Prometheus registry for the
// runtime and every node (lib/health, lib/metrics).
//
// /health tells the truth in three states:
//   ok        the runtime and its flows run and every component reports ok      (HTTP 200)
//   degraded  they run, but something needs attention: a node down or degraded,
//             the broker unreachable, flows started from their backup, safe mode (HTTP 200)
//   down      the flows are not running (they failed to load or start)           (HTTP 503)
//   starting  the runtime listens but is still loading its nodes and flows       (HTTP 503)
// `reasons` lists, in words, why the state is not ok. Neither route ever answers with an HTML
// stack trace: a failure while building the answer is itself a JSON/text answer.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { healthRegistry, type HealthState } from '../lib/health/registry';
import { apiDirectory } from '../lib/api/directory';
import { metricsRegistry, enableProcessMetrics, gauge } from '../lib/metrics/registry';
import { redactDeep, redactUrlsInText } from '../lib/system/text/redact';

export interface RuntimeStatus {
  version: string;
  nodeRedVersion: string;
  startedAt: number;
  /** true from the moment the server listens until Node-RED has started (nodes loaded, flows running) */
  starting?(): boolean;
  flowsStarted(): boolean;
  /** why Node-RED did not start the flows, as its runtime-state event says (node types or modules missing) */
  flowsProblem?(): { missingTypes?: string[]; missingModules?: string[] } | undefined;
  safeMode: boolean;
  /** set when the flows file was damaged and the runtime started from its backup */
  flowsRecovery?(): { file: string; backup: string; reason: string; keptAs: string } | undefined;
  broker(): {
    mode: 'embedded' | 'external' | 'none';
    url?: string;
    listening?: boolean;
    clients?: number;
    /** embedded broker: clients dropped since start for not reading what was sent to them */
    slowClientsDropped?: number;
    /** embedded broker: connections closed since start (connection cap, packet too large or malformed, topic with NUL) */
    connectionsRefused?: number;
    connected: boolean | null;
  };
}

export type RuntimeHealthState = HealthState | 'starting';

/** 503 while the flows are not running (yet), 200 otherwise. */
const statusCodeOf = (status: RuntimeHealthState): number => (status === 'down' || status === 'starting' ? 503 : 200);

export function healthBody(rt: RuntimeStatus): { status: RuntimeHealthState; body: Record<string, unknown> } {
  if (rt.starting?.()) {
    const uptimeSeconds = Math.round((Date.now() - rt.startedAt) / 1000);
    return {
      status: 'starting',
      body: {
        status: 'starting',
        runtime: { up: true, version: rt.version, nodeRed: rt.nodeRedVersion, uptimeSeconds, safeMode: rt.safeMode },
        flows: { started: false },
        reasons: ['starting: Node-RED is loading the nodes and the flows'],
      },
    };
  }
  const reg = healthRegistry();
  const broker = rt.broker();
  const flowsStarted = rt.flowsStarted();
  const recovery = rt.flowsRecovery?.();
  // served redacted whatever a node reported: a URL's password or ?token= never leaves the process
  const nodes = redactDeep(reg.list()) as ReturnType<typeof reg.list>;
  const reasons: string[] = [];
  const problem = flowsStarted ? undefined : rt.flowsProblem?.();
  if (!flowsStarted) {
    if (rt.safeMode) reasons.push('safe mode: flows are not started');
    else if (problem?.missingTypes?.length)
      reasons.push(`flows are not running: node types missing: ${problem.missingTypes.join(', ')} (install the module that provides them, or remove those nodes)`);
    else if (problem?.missingModules?.length) reasons.push(`flows are not running: modules missing: ${problem.missingModules.join(', ')}`);
    else reasons.push('flows are not running');
  }
  if (recovery) reasons.push(`flows file ${recovery.file} ${recovery.reason}; running from its backup ${recovery.backup} (damaged file kept as ${recovery.keptAs})`);
  if (broker.connected === false) reasons.push('MQTT broker not connected');
  for (const n of nodes) if (n.state !== 'ok') reasons.push(`${n.type}${n.name ? ` "${n.name}"` : ''} (${n.id}) is ${n.state}`);
  const status: HealthState = !flowsStarted && !rt.safeMode ? 'down' : reasons.length > 0 ? 'degraded' : 'ok';
  const flows: Record<string, unknown> = { started: flowsStarted };
  if (problem?.missingTypes?.length) flows.missingTypes = problem.missingTypes;
  if (problem?.missingModules?.length) flows.missingModules = problem.missingModules;
  if (recovery) flows.recoveredFromBackup = { file: recovery.file, backup: recovery.backup, reason: recovery.reason, damagedCopy: recovery.keptAs };
  const body: Record<string, unknown> = {
    status,
    runtime: { up: true, version: rt.version, nodeRed: rt.nodeRedVersion, uptimeSeconds: Math.round((Date.now() - rt.startedAt) / 1000), safeMode: rt.safeMode },
    flows,
    broker,
    nodes,
  };
  if (reasons.length) body.reasons = reasons;
  return { status, body };
}

export function installHealthAndMetrics(app: { get(path: string, h: (req: IncomingMessage, res: ServerResponse) => void): void }, rt: RuntimeStatus): void {
  enableProcessMetrics();
  const up = gauge('edgegw_up', 'edge-gateway runtime is up (1)', []);
  const flows = gauge('edgegw_flows_started', 'flows are started (1) or stopped (0)', []);
  const brokerConnected = gauge('edgegw_broker_connected', 'MQTT broker reachable (1) or not (0)', ['mode']);
  const brokerClients = gauge('edgegw_broker_clients', 'clients connected to the embedded MQTT broker', []);
  const flowsFromBackup = gauge('edgegw_flows_from_backup', 'flows started from .flows.json.backup because flows.json was damaged (1) or not (0)', []);
  // prom-client's default metrics have heap and external memory but not the array buffers (Buffers)
  // inside external: scripts/measure-rss.mjs reads all four to attribute the RSS
  const arrayBuffers = gauge('edgegw_nodejs_array_buffers_bytes', 'memory of ArrayBuffers and Buffers (part of external memory), bytes', []);
  const nodeHealth = gauge('edgegw_node_health', 'per-node health: 0 ok, 1 degraded, 2 down', ['id', 'type', 'name']);

  // the operator API's GET /api/health answers with this same body and status code
  apiDirectory().setHealthProvider(() => {
    const { status, body } = healthBody(rt);
    return { statusCode: statusCodeOf(status), body };
  });

  app.get('/health', (_req, res) => {
    let code: number;
    let text: string;
    try {
      const { status, body } = healthBody(rt);
      code = statusCodeOf(status);
      text = JSON.stringify(body);
    } catch (err) {
      // the runtime could not even describe itself: that is "down", said in JSON
      code = 503;
      text = JSON.stringify({ status: 'down', reasons: [`health check failed: ${redactUrlsInText((err as Error).message)}`] });
    }
    res.statusCode = code;
    res.setHeader('Content-Type', 'application/json');
    res.setHeader('Cache-Control', 'no-store');
    res.end(text);
  });

  app.get('/metrics', (_req, res) => {
    try {
      refreshRuntimeGauges();
    } catch (err) {
      // keep serving what the registry has; the failure is visible as edgegw_up 0
      up.set(0);
      process.emitWarning(`edge-gateway /metrics: runtime gauges failed: ${(err as Error).message}`);
    }
    const reg = metricsRegistry();
    reg
      .metrics()
      .then((text) => {
        res.statusCode = 200;
        res.setHeader('Content-Type', reg.contentType);
        res.end(text);
      })
      .catch((err: Error) => {
        res.statusCode = 500;
        res.setHeader('Content-Type', 'text/plain; charset=utf-8');
        res.end(`metrics failed: ${redactUrlsInText(err.message)}\n`);
      });
  });

  function refreshRuntimeGauges(): void {
    up.set(1);
    arrayBuffers.set(process.memoryUsage().arrayBuffers);
    flows.set(rt.flowsStarted() ? 1 : 0);
    flowsFromBackup.set(rt.flowsRecovery?.() ? 1 : 0);
    const b = rt.broker();
    brokerConnected.reset();
    if (b.mode !== 'none') brokerConnected.set({ mode: b.mode }, b.connected ? 1 : 0);
    if (b.clients !== undefined) brokerClients.set(b.clients);
    nodeHealth.reset();
    for (const e of healthRegistry().list()) {
      const labels = { id: e.id, type: e.type, name: e.name ?? '' };
      nodeHealth.set(labels, e.state === 'ok' ? 0 : e.state === 'degraded' ? 1 : 2);
    }
  }
}
