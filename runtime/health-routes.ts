// GET /health and GET /metrics: one health registry and one Prometheus registry for the
// runtime and every node (lib/health, lib/metrics).
import type { IncomingMessage, ServerResponse } from 'node:http';
import { healthRegistry, type HealthState } from '../lib/health/registry';
import { metricsRegistry, enableProcessMetrics, gauge } from '../lib/metrics/registry';

export interface RuntimeStatus {
  version: string;
  nodeRedVersion: string;
  startedAt: number;
  flowsStarted(): boolean;
  safeMode: boolean;
  broker(): { mode: 'embedded' | 'external' | 'none'; url?: string; listening?: boolean; clients?: number; connected: boolean | null };
}

export function healthBody(rt: RuntimeStatus): { status: HealthState; body: Record<string, unknown> } {
  const reg = healthRegistry();
  const broker = rt.broker();
  const flowsStarted = rt.flowsStarted();
  let status: HealthState = reg.overall();
  if (!flowsStarted && !rt.safeMode) status = 'down';
  else if (broker.connected === false && status === 'ok') status = 'degraded';
  return {
    status,
    body: {
      status,
      runtime: { up: true, version: rt.version, nodeRed: rt.nodeRedVersion, uptimeSeconds: Math.round((Date.now() - rt.startedAt) / 1000), safeMode: rt.safeMode },
      flows: { started: flowsStarted },
      broker,
      nodes: reg.list(),
    },
  };
}

export function installHealthAndMetrics(app: { get(path: string, h: (req: IncomingMessage, res: ServerResponse) => void): void }, rt: RuntimeStatus): void {
  enableProcessMetrics();
  const up = gauge('edgegw_up', 'edge-gateway runtime is up (1)', []);
  const flows = gauge('edgegw_flows_started', 'flows are started (1) or stopped (0)', []);
  const brokerConnected = gauge('edgegw_broker_connected', 'MQTT broker reachable (1) or not (0)', ['mode']);
  const brokerClients = gauge('edgegw_broker_clients', 'clients connected to the embedded MQTT broker', []);
  const nodeHealth = gauge('edgegw_node_health', 'per-node health: 0 ok, 1 degraded, 2 down', ['id', 'type', 'name']);

  app.get('/health', (_req, res) => {
    const { status, body } = healthBody(rt);
    res.statusCode = status === 'down' ? 503 : 200;
    res.setHeader('Content-Type', 'application/json');
    res.setHeader('Cache-Control', 'no-store');
    res.end(JSON.stringify(body));
  });

  app.get('/metrics', (_req, res) => {
    up.set(1);
    flows.set(rt.flowsStarted() ? 1 : 0);
    const b = rt.broker();
    brokerConnected.reset();
    if (b.mode !== 'none') brokerConnected.set({ mode: b.mode }, b.connected ? 1 : 0);
    if (b.clients !== undefined) brokerClients.set(b.clients);
    nodeHealth.reset();
    for (const e of healthRegistry().list()) nodeHealth.set({ id: e.id, type: e.type, name: e.name ?? '' }, e.state === 'ok' ? 0 : e.state === 'degraded' ? 1 : 2);
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
        res.end(`metrics failed: ${err.message}`);
      });
  });
}
