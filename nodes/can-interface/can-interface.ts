// can-interface (config): owns one CAN frame source (SocketCAN, SLCAN or a candump replay) for
// the can-in / can-out nodes that use it; reports its state to them, to /health and /metrics.
import type { EventEmitter } from 'node:events';
import type { NodeAPI, NodeDef } from '../common/red';
import type { CanFrame } from '../../lib/can/frame';
import { CanBus, CanSourceError, createFrameSource, sourceHealth, type CanBusClient, type FrameSource, type FrameSourceConfig } from '../../lib/can/sources';
import { healthRegistry } from '../../lib/health/registry';
import { LogThrottle } from '../../lib/system/process/log-throttle';
import type { CanInterfaceConfigNode } from './client';
import { CanInterfaceMetrics } from './metrics';
import { migrateNodeConfig } from '../common/migrations';
import { TelemetryScope } from '../common/telemetry';
import { announceMissingNativeParts } from '../common/native-parts-notice';
import { claimPortFor, resolveSerialPort } from '../serial-port/api';
import type { SerialPortClaim } from '../../lib/serial/claims';

/** A source's errors and state changes in the log: retries failing for the reason already shown are not news. */
function logSource(node: CanInterfaceConfigNode, source: FrameSource): LogThrottle {
  const errors = new LogThrottle((line) => node.warn(line), 'CAN errors (see /metrics edgegw_can_errors_total)', { burst: 20 });
  source.on('error', (err) => {
    if (err instanceof CanSourceError && (source.state === 'reconnecting' || source.state === 'failed') && err.reason === source.stats.detail) return;
    errors.log(err.message);
  });
  source.on('state', (state, detail) => {
    if (state === 'open' || state === 'reconnecting' || state === 'failed' || state === 'bus-off' || state === 'ended') {
      node.log(`${source.description}: ${state}${detail ? ` (${detail})` : ''}`);
    }
  });
  return errors;
}

/** A config node whose configuration is invalid: its clients refuse, naming the error (it has no status or input of its own). */
function leaveInert(RED: NodeAPI, node: CanInterfaceConfigNode, err: Error): void {
  node.configError = err.message;
  node.error(`${RED._('can-interface.errors.badConfig')}: ${node.configError}`);
  node.label = `can-interface ${node.name ?? node.id}`;
  node.register = () => undefined;
  node.deregister = async () => undefined;
  node.transmit = () => Promise.reject(new Error(`${node.label}: ${node.configError}`));
}

/**
 * Calls `start` once the whole deploy has started, so every can-in of the flow is registered
 * before the first frame (a fast replay would otherwise be over before the last one joins).
 */
function afterFlowsStart(RED: NodeAPI, start: () => void): { started(): boolean; cancel(): void } {
  const events = (RED as NodeAPI & { events?: EventEmitter }).events;
  let started = !events;
  const onStarted = () => {
    started = true;
    events?.off('flows:started', onStarted);
    start();
  };
  events?.on('flows:started', onStarted);
  return { started: () => started, cancel: () => events?.off('flows:started', onStarted) };
}

export = function (RED: NodeAPI) {
  announceMissingNativeParts(RED); // once per process: the native parts that did not load, and the fix
  function CanInterfaceNode(this: CanInterfaceConfigNode, def: NodeDef) {
    RED.nodes.createNode(this, def);
    def = migrateNodeConfig(def);
    const node = this;
    let bus: CanBus;
    let claim: SerialPortClaim | undefined;
    try {
      // SLCAN: a chosen serial-port config node wins over the inline path and baud rate (an
      // adapter's USB CDC port ignores parity, data and stop bits)
      if (def.kind === 'slcan') def = resolveSerialPort(RED, def, { path: 'serialPath', baudRate: 'baudRate' });
      const config = def as unknown as FrameSourceConfig;
      if (def.kind === 'slcan' && typeof config.serialPath === 'string') claim = claimPortFor(node, 'can-interface', config.serialPath);
      bus = new CanBus(createFrameSource(config, { baseDir: RED.settings.userDir ?? process.cwd() }));
    } catch (err) {
      claim?.release();
      leaveInert(RED, node, err as Error);
      return;
    }
    const source = bus.source;
    node.label = source.description;
    const clients = new Set<CanBusClient>();
    const telemetry = new TelemetryScope(node, 'can-interface');
    const metrics = new CanInterfaceMetrics(telemetry, { interface: node.id, name: node.name ?? '', kind: typeof def.kind === 'string' ? def.kind : '' });
    const errorLog = logSource(node, source);
    let statsTimer: NodeJS.Timeout | undefined;
    let closed = false;

    const report = () => {
      if (closed) return;
      const rate = bus.frameRate();
      metrics.update(source.stats, rate);
      const health = sourceHealth(source, rate);
      telemetry.health(health.state, health.detail);
    };
    source.on('state', () => {
      if (bus.isRunning) report();
    });

    const start = () => {
      if (bus.isRunning || clients.size === 0 || !flows.started()) return;
      void bus.start();
      report();
      statsTimer = setInterval(report, 1000);
    };
    // bus.stop() is serialised and returns the pending stop when one is under way, so the
    // config node's close also waits for a stop its last client started.
    const stop = async () => {
      clearInterval(statsTimer);
      statsTimer = undefined;
      const wasRunning = bus.isRunning;
      await bus.stop();
      if (wasRunning) report();
      // an unused interface leaves /health (its metric series stay until the node closes); a
      // client may have arrived meanwhile (partial deploy) and started the bus again
      if (!bus.isRunning) healthRegistry().remove(node.id);
    };

    const flows = afterFlowsStart(RED, start);

    node.register = (client: CanBusClient) => {
      clients.add(client);
      bus.add(client);
      start();
    };
    node.deregister = async (client: CanBusClient) => {
      if (!clients.delete(client)) return;
      bus.remove(client);
      if (clients.size === 0) await stop();
    };
    node.transmit = (frame: CanFrame) => bus.send(frame);

    node.on('close', (_removed: boolean, done: () => void) => {
      flows.cancel();
      clients.clear();
      stop()
        .catch((err) => node.error(`${node.label}: close failed: ${(err as Error).message}`))
        .finally(() => {
          closed = true;
          claim?.release();
          errorLog.close();
          telemetry.close();
          done();
        });
    });
  }

  RED.nodes.registerType('edgegw-can-interface', CanInterfaceNode as unknown as (this: import('../common/red').Node, def: NodeDef) => void);
};
