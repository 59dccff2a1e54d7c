// gateway-heartbeat: emits the gateway's heartbeat (lib/fleet/heartbeat.ts) every N seconds on
// edge-gateway/{gateway_id}/heartbeat, ready for an mqtt out or the store-forward node.
// msg.queue_depth (or payload {queue_depth} / {depth}) on the input is the current queue depth,
// e.g. from the store-forward node; any other message (an inject's timestamp) asks for a
// heartbeat now. A bare number is not taken as a depth: it is what an inject sends by default.
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { NodeAPI, Node, NodeDef, NodeMessage } from '../common/red';
import { HeartbeatSampler, heartbeatTopic } from '../../lib/fleet/heartbeat';
import { effectiveGatewayId } from '../../lib/fleet/gateway-id';
import { migrateNodeConfig } from '../common/migrations';
import { edgegwSettings } from '../common/settings';
import { LOOK, StatusDisplay } from '../common/node-status';
import { refuseConfig } from '../common/refuse-config';
import { readFields, type FieldValues } from '../../lib/config/fields';
import { GATEWAY_HEARTBEAT_FIELDS } from '../../lib/fleet/fields';
import { latestSystemSamples } from '../../lib/system/host/latest-samples';

/** Our package's version, whether this runs from dist/nodes/... (installed) or nodes/... (source). */
function ownVersion(): string {
  for (let dir = __dirname; dirname(dir) !== dir; dir = dirname(dir)) {
    const pj = join(dir, 'package.json');
    if (!existsSync(pj)) continue;
    try {
      const meta = JSON.parse(readFileSync(pj, 'utf8')) as { name?: string; version?: string };
      if (meta.name === '@edgegw/node-red-gateway') return meta.version ?? 'unknown';
    } catch {
      // an unreadable package.json on the way up is not ours: keep looking
    }
  }
  return 'unknown';
}

/** The queue depth a message carries, if any. */
function depthOf(msg: NodeMessage): unknown {
  if (msg.queue_depth !== undefined) return msg.queue_depth;
  const p = msg.payload as Record<string, unknown> | null | undefined;
  if (p && typeof p === 'object' && !Array.isArray(p)) return p.queue_depth ?? p.depth;
  return undefined;
}

export = function (RED: NodeAPI) {
  function GatewayHeartbeatNode(this: Node, def: NodeDef) {
    RED.nodes.createNode(this, def);
    def = migrateNodeConfig(def);
    const node = this;
    let fields: FieldValues<typeof GATEWAY_HEARTBEAT_FIELDS.fields>;
    let gatewayId: string;
    try {
      fields = readFields(GATEWAY_HEARTBEAT_FIELDS, def);
      gatewayId = effectiveGatewayId(fields.gatewayId);
    } catch (err) {
      return refuseConfig(node, {
        kind: 'gateway-heartbeat',
        statusKey: 'gateway-heartbeat.status.badConfig',
        message: `gateway-heartbeat: ${(err as Error).message}`,
        inputError: `gateway-heartbeat not running: ${(err as Error).message}`,
      });
    }
    const status = new StatusDisplay(node);
    const topic = fields.topic || heartbeatTopic(gatewayId);
    let queueDepth: number | null = null;
    const sampler = new HeartbeatSampler({
      gatewayId,
      version: edgegwSettings(RED).version ?? ownVersion(),
      diskPath: (RED.settings.userDir as string | undefined) ?? process.cwd(),
      queueDepth: () => queueDepth,
      // one source: a running system-tags node's latest scan, when there is a current one
      systemSamples: () => latestSystemSamples(),
    });
    let closed = false;
    let sent = 0;
    const emit = async () => {
      try {
        const payload = await sampler.sample();
        if (closed) return;
        node.send({ topic, payload });
        sent++;
        if (sampler.figures === 'system-tags') status.show(LOOK.ok, 'gateway-heartbeat.status.sentSystemTags', { count: sent, topic });
        else status.show(LOOK.ok, 'gateway-heartbeat.status.sent', { count: sent, topic });
      } catch (err) {
        // a heartbeat failure is logged, never thrown out of the timer
        node.error(`gateway-heartbeat: ${(err as Error).message}`);
      }
    };
    const timer = setInterval(() => void emit(), fields.interval * 1000);
    // the first one right away: a fresh start shows up without waiting a whole interval
    const first = setTimeout(() => void emit(), 0);
    status.show(LOOK.waiting, 'gateway-heartbeat.status.waiting');

    node.on('input', (msg: NodeMessage, _send, done) => {
      const depth = depthOf(msg);
      if (depth !== undefined) {
        if (typeof depth !== 'number' || !Number.isFinite(depth) || depth < 0) return done(new Error(`gateway-heartbeat: queue_depth must be a number >= 0, got ${JSON.stringify(depth)}`));
        queueDepth = depth;
        return done();
      }
      emit().then(() => done(), done);
    });
    node.on('close', (_removed: boolean, done: () => void) => {
      closed = true;
      clearInterval(timer);
      clearTimeout(first);
      done();
    });
  }
  RED.nodes.registerType('edgegw-gateway-heartbeat', GatewayHeartbeatNode);
};
