// watchdog: heartbeat supervision per key (output 1 passes messages through, output 2 carries
// alarms and recoveries), optionally keeping a hardware watchdog device and systemd's service
// watchdog fed while every supervised key is healthy. The logic lives in lib/watchdog.
import type { NodeAPI, Node, NodeDef, NodeMessage, SendFn, DoneFn } from '../common/red';
import { LOOK, StatusDisplay } from '../common/node-status';
import { refuseConfig } from '../common/refuse-config';
import type { StatusPart } from '../common/status-text';
import { TelemetryScope } from '../common/telemetry';
import { counter, gauge } from '../../lib/metrics/registry';
import { SystemdNotifier } from '../../lib/system/process/sd-notify';
import { beatsOf, HardwareWatchdog, HeartbeatSupervisor, keepaliveVotes, resolveWatchdogConfig, systemdNotifyIntervalMs, type KeyEvent, type WatchdogConfig } from '../../lib/watchdog';
import { migrateNodeConfig } from '../common/migrations';

const SHOWN_KEYS = 3;

export = function (RED: NodeAPI) {
  const silentGauge = gauge('edgegw_watchdog_silent_keys', 'Keys a watchdog node supervises that are silent now', ['node']);
  const keysGauge = gauge('edgegw_watchdog_keys', 'Keys a watchdog node supervises', ['node']);
  const alarmsTotal = counter('edgegw_watchdog_alarms_total', 'Silences detected by a watchdog node', ['node']);
  const keepalivesTotal = counter('edgegw_watchdog_keepalives_total', 'Keepalives sent, by target (device, systemd)', ['node', 'target']);

  function WatchdogNode(this: Node, def: NodeDef) {
    RED.nodes.createNode(this, def);
    def = migrateNodeConfig(def);
    const node = this;
    let cfg: WatchdogConfig;
    try {
      cfg = resolveWatchdogConfig(def);
    } catch (err) {
      // still inline: a misconfigured watchdog must not cut the flow
      return refuseConfig(node, {
        kind: 'watchdog',
        statusKey: 'watchdog.status.badConfig',
        message: `watchdog ${def.name || def.id}: ${(err as Error).message}`,
        onInput: (msg, send) => send([msg, null]),
      });
    }

    const telemetry = new TelemetryScope(node, 'watchdog');
    const status = new StatusDisplay(node);
    const labels = { node: node.id };
    for (const metric of [silentGauge, keysGauge, alarmsTotal]) telemetry.labels(metric, labels);
    for (const target of ['device', 'systemd']) telemetry.labels(keepalivesTotal, { ...labels, target });
    const supervisor = new HeartbeatSupervisor({ timeoutMs: cfg.timeoutMs, keys: cfg.keys, learn: cfg.learn });
    const keeps = Boolean(cfg.devicePath) || cfg.systemd;
    const votes = keepaliveVotes();
    const device = cfg.devicePath ? new HardwareWatchdog(cfg.devicePath) : undefined;
    const notifier = cfg.systemd ? new SystemdNotifier() : undefined;
    const watchdogUsec = Number(process.env.WATCHDOG_USEC);
    const notifyEveryMs = systemdNotifyIntervalMs(cfg.keepaliveMs, watchdogUsec);
    let lastNotifyAt = -Infinity;
    let deviceProblem: string | undefined;
    let notifyProblem: string | undefined;
    let keepaliveTimer: NodeJS.Timeout | undefined;
    let shownKeys = -1;
    let closed = false;

    const showStatus = () => {
      if (closed) return;
      const silent = supervisor.silentKeys();
      const count = supervisor.keyCount();
      shownKeys = count;
      const problem: StatusPart[] = deviceProblem ? [{ key: 'watchdog.status.deviceError' }] : notifyProblem ? [{ key: 'watchdog.status.notifyError' }] : [];
      const look = problem.length ? LOOK.refused : silent.length ? LOOK.failed : count === 0 ? LOOK.waiting : LOOK.ok;
      if (silent.length) {
        const keys = silent.slice(0, SHOWN_KEYS).join(', ') + (silent.length > SHOWN_KEYS ? ` +${silent.length - SHOWN_KEYS}` : '');
        status.showParts(look, { key: 'watchdog.status.silent', args: { count: silent.length, total: count, keys } }, ...problem);
      } else if (count === 0) {
        status.showParts(look, { key: 'watchdog.status.learning' }, ...problem);
      } else {
        status.showParts(look, { key: 'watchdog.status.ok', args: { count } }, ...problem);
      }
      silentGauge.set(labels, silent.length);
      keysGauge.set(labels, count);
      const state = silent.length || deviceProblem || notifyProblem ? 'degraded' : 'ok';
      telemetry.health(state, { keys: count, silent: silent.slice(0, 20), device: cfg.devicePath, deviceError: deviceProblem, notifyError: notifyProblem });
    };

    const eventMessage = (state: 'silent' | 'recovered', e: KeyEvent): NodeMessage => ({
      topic: e.key,
      payload: { state, key: e.key, silentForMs: e.silentForMs, lastSeen: e.lastSeen, timeoutMs: e.timeoutMs },
      watchdog: { node: node.name || node.id },
    });

    supervisor.on('silent', (e: KeyEvent) => {
      alarmsTotal.inc(labels);
      if (keeps) votes.set(node.id, false);
      node.send([null, eventMessage('silent', e)]);
      showStatus();
    });
    supervisor.on('recovered', (e: KeyEvent) => {
      if (keeps) votes.set(node.id, supervisor.healthy());
      node.send([null, eventMessage('recovered', e)]);
      showStatus();
    });

    const openDevice = () => {
      if (!device || device.isOpen) return;
      try {
        device.open();
        if (deviceProblem) node.log(`watchdog device ${device.path} open`);
        deviceProblem = undefined;
      } catch (err) {
        if (deviceProblem !== (err as Error).message) node.error((err as Error).message);
        deviceProblem = (err as Error).message;
      }
    };

    /** One keepalive turn: only while every supervised key of every keepalive watchdog is healthy. */
    const keepalive = () => {
      if (closed) return;
      supervisor.check();
      votes.set(node.id, supervisor.healthy());
      if (votes.allHealthy()) {
        openDevice();
        if (device?.isOpen) {
          try {
            device.kick();
            keepalivesTotal.inc({ ...labels, target: 'device' });
          } catch (err) {
            if (deviceProblem !== (err as Error).message) node.error((err as Error).message);
            deviceProblem = (err as Error).message;
          }
        }
        // the timer ticks at the device's pace; systemd gets its own (see systemd-pace.ts)
        if (notifier?.enabled && notifier.pending === 0 && Date.now() - lastNotifyAt >= notifyEveryMs - cfg.keepaliveMs / 10) {
          lastNotifyAt = Date.now();
          notifier.send('WATCHDOG=1').then(
            () => {
              if (closed) return; // a metric counted after close would outlive the node
              keepalivesTotal.inc({ ...labels, target: 'systemd' });
              if (notifyProblem) {
                notifyProblem = undefined;
                showStatus();
              }
            },
            (err: Error) => {
              if (closed) return;
              if (notifyProblem !== err.message) node.error(err.message);
              notifyProblem = err.message;
              showStatus();
            },
          );
        }
      }
      showStatus();
    };

    supervisor.start();
    if (keeps) {
      votes.set(node.id, true);
      openDevice();
      if (notifier && !notifier.enabled) node.log(RED._('watchdog.log.noNotifySocket'));
      if (notifier?.enabled && watchdogUsec > 0 && cfg.keepaliveMs * 2000 > watchdogUsec) {
        node.warn(`keepalive: ${cfg.keepaliveMs / 1000} s is more than half of systemd's WatchdogSec (${watchdogUsec / 1e6} s): the service may be restarted`);
      }
      keepaliveTimer = setInterval(keepalive, cfg.keepaliveMs);
      keepalive();
    } else {
      showStatus();
    }

    node.on('input', (msg: NodeMessage, send: SendFn, done: DoneFn) => {
      const beats = beatsOf(msg, cfg.keyBy);
      send([msg, null]);
      for (const b of beats) supervisor.beat(b.key, b.good || !cfg.badIsSilence);
      if (supervisor.keyCount() !== shownKeys) showStatus();
      done();
    });

    node.on('close', (_removed: boolean, done: () => void) => {
      closed = true;
      if (keepaliveTimer) clearInterval(keepaliveTimer);
      supervisor.stop();
      supervisor.removeAllListeners();
      // a clean stop: the magic close character, so the machine is not rebooted
      const err = device?.close(true);
      if (err) node.warn(err.message);
      notifier?.close();
      votes.remove(node.id);
      telemetry.close();
      done();
    });
  }

  RED.nodes.registerType('edgegw-watchdog', WatchdogNode);
};
