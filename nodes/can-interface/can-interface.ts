// can-interface (config): owns one CAN frame source (SocketCAN, SLCAN or a candump replay) for
// the can-in / can-out nodes that use it; reports its state to them, to /health and /metrics.
import type { EventEmitter } from 'node:events';
import type { NodeAPI, NodeDef } from '../common/red';
import type { CanFrame } from '../../lib/can/frame';
import { CanBus, CanSourceError, createFrameSource, type CanBusClient, type FrameSourceConfig, type SourceState } from '../../lib/can/sources';
import { healthRegistry, type HealthState } from '../../lib/health/registry';
import { counter, gauge } from '../../lib/metrics/registry';
import type { CanInterfaceConfigNode } from './client';
import { migrateNodeConfig } from '../common/migrations';

const HEALTH: Record<SourceState, HealthState> = {
  open: 'ok',
  ended: 'ok',
  opening: 'degraded',
  closed: 'degraded',
  'bus-off': 'down',
  reconnecting: 'down',
  failed: 'down',
};

const LABELS = ['interface', 'name', 'kind'] as const;
type Label = (typeof LABELS)[number];

function metrics() {
  return {
    received: counter<Label>('edgegw_can_frames_received_total', 'CAN frames received, by interface node', LABELS),
    sent: counter<Label>('edgegw_can_frames_sent_total', 'CAN frames sent, by interface node', LABELS),
    errors: counter<Label>('edgegw_can_errors_total', 'CAN errors (error frames, adapter errors, malformed input, lost connections), by interface node', LABELS),
    busOff: counter<Label>('edgegw_can_bus_off_total', 'Times a CAN controller went bus-off, by interface node', LABELS),
    rate: gauge<Label>('edgegw_can_frames_per_second', 'CAN frames received per second over the last interval, by interface node', LABELS),
    up: gauge<Label>('edgegw_can_interface_up', '1 when the CAN interface passes frames (open), else 0', LABELS),
  };
}

/** Allows a burst of warnings, then one summary a minute, so a flood of bad input cannot flood the log. */
class WarningThrottle {
  private windowStart = 0;
  private count = 0;
  private suppressed = 0;
  constructor(
    private readonly perMinute: number,
    private readonly warn: (m: string) => void,
  ) {}
  report(message: string): void {
    const now = Date.now();
    if (now - this.windowStart > 60000) {
      if (this.suppressed) this.warn(`${this.suppressed} more errors in the last minute not logged (see /metrics edgegw_can_errors_total)`);
      this.windowStart = now;
      this.count = 0;
      this.suppressed = 0;
    }
    if (this.count++ < this.perMinute) this.warn(message);
    else this.suppressed++;
  }
}

export = function (RED: NodeAPI) {
  function CanInterfaceNode(this: CanInterfaceConfigNode, def: NodeDef) {
    RED.nodes.createNode(this, def);
    def = migrateNodeConfig(def);
    const node = this;
    const clients = new Set<CanBusClient>();
    let bus: CanBus | undefined;
    try {
      bus = new CanBus(createFrameSource(def as unknown as FrameSourceConfig, { baseDir: RED.settings.userDir ?? process.cwd() }));
    } catch (err) {
      node.configError = (err as Error).message;
      node.error(`${RED._('can-interface.errors.badConfig')}: ${node.configError}`);
    }
    node.label = bus ? bus.source.description : `can-interface ${node.name ?? node.id}`;

    const labels = { interface: node.id, name: node.name ?? '', kind: typeof def.kind === 'string' ? def.kind : '' };
    const m = metrics();
    const counted = { frames: 0, sent: 0, errors: 0, busOff: 0 };
    let statsTimer: NodeJS.Timeout | undefined;
    const throttle = new WarningThrottle(20, (msg) => node.warn(msg));

    let closed = false;
    const report = () => {
      if (!bus || closed) return;
      const s = bus.source.stats;
      m.received.inc(labels, s.frames - counted.frames);
      m.sent.inc(labels, s.sent - counted.sent);
      m.errors.inc(labels, s.errors - counted.errors);
      m.busOff.inc(labels, s.busOff - counted.busOff);
      Object.assign(counted, { frames: s.frames, sent: s.sent, errors: s.errors, busOff: s.busOff });
      const rate = bus.frameRate();
      m.rate.set(labels, rate);
      m.up.set(labels, s.state === 'open' ? 1 : 0);
      healthRegistry().report(
        node.id,
        'can-interface',
        HEALTH[s.state],
        { source: bus.source.description, state: s.state, detail: s.detail, frames: s.frames, sent: s.sent, errors: s.errors, busOff: s.busOff, framesPerSecond: Math.round(rate * 10) / 10 },
        node.name,
      );
    };

    if (bus) {
      const source = bus.source;
      source.on('error', (err) => {
        // A retry failing for the reason the state already shows is not news.
        if (err instanceof CanSourceError && (source.state === 'reconnecting' || source.state === 'failed') && err.reason === source.stats.detail) return;
        throttle.report(err.message);
      });
      source.on('state', (state, detail) => {
        if (state === 'open' || state === 'reconnecting' || state === 'failed' || state === 'bus-off' || state === 'ended') {
          node.log(`${source.description}: ${state}${detail ? ` (${detail})` : ''}`);
        }
        if (bus?.isRunning) report();
      });
    }

    const start = () => {
      if (!bus || bus.isRunning || clients.size === 0 || !flowsStarted) return;
      void bus.start();
      report();
      statsTimer = setInterval(report, 1000);
    };
    // bus.stop() is serialised and returns the pending stop when one is under way, so the
    // config node's close also waits for a stop its last client started.
    const stop = async () => {
      clearInterval(statsTimer);
      statsTimer = undefined;
      if (!bus) return;
      const wasRunning = bus.isRunning;
      await bus.stop();
      if (wasRunning) report();
      // a client may have arrived meanwhile (partial deploy) and started the bus again
      if (!bus.isRunning) healthRegistry().remove(node.id);
    };

    // Open only once the whole deploy has started, so every can-in of the flow is registered
    // before the first frame (a fast replay would otherwise be over before the last one joins).
    const events = (RED as NodeAPI & { events?: EventEmitter }).events;
    let flowsStarted = !events;
    const onFlowsStarted = () => {
      flowsStarted = true;
      events?.off('flows:started', onFlowsStarted);
      start();
    };
    events?.on('flows:started', onFlowsStarted);

    node.register = (client: CanBusClient) => {
      if (!bus) return;
      clients.add(client);
      bus.add(client);
      start();
    };
    node.deregister = async (client: CanBusClient) => {
      if (!bus || !clients.delete(client)) return;
      bus.remove(client);
      if (clients.size === 0) await stop();
    };
    node.transmit = (frame: CanFrame) => {
      if (!bus) return Promise.reject(new Error(`${node.label}: ${node.configError}`));
      return bus.send(frame);
    };

    node.on('close', (_removed: boolean, done: () => void) => {
      events?.off('flows:started', onFlowsStarted);
      clients.clear();
      stop()
        .catch((err) => node.error(`${node.label}: close failed: ${(err as Error).message}`))
        .finally(() => {
          closed = true;
          for (const metric of Object.values(m)) metric.remove(labels);
          healthRegistry().remove(node.id);
          done();
        });
    });
  }

  RED.nodes.registerType('edgegw-can-interface', CanInterfaceNode as unknown as (this: import('../common/red').Node, def: NodeDef) => void);
};
