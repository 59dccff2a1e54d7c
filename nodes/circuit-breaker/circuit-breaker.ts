// circuit-breaker: fails fast while what a flow calls is failing. Output 1 passes messages while
// closed (and the half-open probes), output 2 takes what is refused while open (or the last good
// message of its topic, stale), output 3 tells every state change. Outcomes arrive on the input
// as msg.breaker = "failure" | "success", or are observed on a downstream node (see watch.ts).
// The breaker itself is lib/breaker, the one the Modbus line uses.
import type { NodeAPI, Node, NodeDef, NodeMessage, SendFn, DoneFn } from '../common/red';
import type { HealthState } from '../../lib/health/registry';
import { counter, gauge } from '../../lib/metrics/registry';
import {
  isServerErrorResponse,
  MessageBreaker,
  resolveBreakerConfig,
  resolveObservedCallConfig,
  type BreakerNodeConfig,
  type BreakerReasonCode,
  type CircuitState,
  type CircuitStateChange,
  type ObservedCallConfig,
} from '../../lib/breaker';
import { LogThrottle } from '../../lib/system/process/log-throttle';
import { watchDownstream, type DownstreamWatch } from './watch';
import { migrateNodeConfig } from '../common/migrations';
import { LOOK, StatusDisplay } from '../common/node-status';
import { refuseConfig } from '../common/refuse-config';
import { TelemetryScope } from '../common/telemetry';

const STATE_VALUE: Record<CircuitState, number> = { closed: 0, 'half-open': 1, open: 2 };
const HEALTH: Record<CircuitState, HealthState> = { closed: 'ok', 'half-open': 'degraded', open: 'down' };
const STATES: CircuitState[] = ['closed', 'open', 'half-open'];
const REASON_STATUS: Record<BreakerReasonCode, string> = {
  consecutiveFailures: 'circuit-breaker.status.consecutiveFailures',
  failureRate: 'circuit-breaker.status.failureRate',
  probeFailed: 'circuit-breaker.status.probeFailed',
  probesSucceeded: 'circuit-breaker.status.probesSucceeded',
  callSucceeded: 'circuit-breaker.status.callSucceeded',
  openTimeOver: 'circuit-breaker.status.openTimeOver',
  reset: 'circuit-breaker.status.reset',
};

export = function (RED: NodeAPI) {
  const stateGauge = gauge('edgegw_breaker_state', 'Circuit-breaker node state: 0 closed, 1 half-open, 2 open', ['node', 'name']);
  const transitions = counter('edgegw_breaker_transitions_total', 'Circuit-breaker node state changes', ['node', 'name', 'from', 'to']);
  const rejected = counter('edgegw_breaker_rejected_total', 'Messages a circuit-breaker node sent to output 2 while open', ['node', 'name']);

  function CircuitBreakerNode(this: Node, def: NodeDef) {
    RED.nodes.createNode(this, def);
    def = migrateNodeConfig(def);
    const node = this;
    const clone = <T>(m: T): T => (RED.util ? RED.util.cloneMessage(m) : structuredClone(m));
    let cfg: BreakerNodeConfig;
    let observed: ObservedCallConfig;
    let guard: MessageBreaker<NodeMessage>;
    try {
      cfg = resolveBreakerConfig(def);
      observed = resolveObservedCallConfig(def);
      guard = new MessageBreaker<NodeMessage>(cfg, clone);
    } catch (err) {
      return refuseConfig(node, { kind: 'circuit-breaker', statusKey: 'circuit-breaker.status.badConfig', message: `circuit-breaker ${def.name || def.id}: ${(err as Error).message}` });
    }
    const breaker = guard.breaker;
    const telemetry = new TelemetryScope(node, 'circuit-breaker');
    const status = new StatusDisplay(node);
    const labels = { node: node.id, name: node.name ?? '' };
    for (const metric of [stateGauge, rejected]) telemetry.labels(metric, labels);
    for (const from of STATES) for (const to of STATES) telemetry.labels(transitions, { ...labels, from, to });
    let probeTimer: NodeJS.Timeout | undefined;
    let warnedMissing = false;
    let closed = false;

    const report = () => {
      if (closed) return;
      const state = breaker.state();
      const retryInMs = breaker.retryInMs();
      const why = breaker.lastReason();
      if (state === 'closed') status.show(LOOK.ok, 'circuit-breaker.status.closed');
      else if (state === 'half-open') status.show(LOOK.busy, 'circuit-breaker.status.halfOpen', { probes: breaker.halfOpenProbes });
      else status.showParts(LOOK.failed, { key: 'circuit-breaker.status.open', args: { seconds: Math.ceil(retryInMs / 1000) } }, ...(why ? [{ key: REASON_STATUS[why.code], args: why.figures }] : []));
      stateGauge.set(labels, STATE_VALUE[state]);
      telemetry.health(HEALTH[state], { state, reason: breaker.reason(), failures: breaker.failureCount(), retryInMs });
    };

    // The breaker turns half-open lazily when asked: ask when the open time is over, so output 3,
    // the status and /health tell it then rather than at the next message.
    const scheduleProbe = () => {
      if (probeTimer) clearTimeout(probeTimer);
      probeTimer = undefined;
      if (closed || breaker.state() !== 'open') return;
      probeTimer = setTimeout(() => {
        probeTimer = undefined;
        if (breaker.state() === 'open') scheduleProbe();
        report();
      }, breaker.retryInMs() + 5);
    };

    breaker.on('state', (c: CircuitStateChange) => {
      transitions.inc({ ...labels, from: c.from, to: c.to });
      const payload: Record<string, unknown> = { from: c.from, to: c.to, reason: c.reason, failures: c.failures };
      if (c.to === 'open') payload.retryInMs = c.openTimeoutMs;
      node.send([null, null, { topic: node.name || node.id, payload }]);
      if (c.to === 'open') scheduleProbe();
      report();
    });

    let watch: DownstreamWatch | undefined;
    let expiryTimer: NodeJS.Timeout | undefined;
    const timeouts = new LogThrottle((line) => node.warn(line), 'call timeouts');
    if (cfg.watch) {
      if (!RED.hooks) node.warn(RED._('circuit-breaker.errors.noHooks'));
      else {
        watch = watchDownstream(
          RED,
          node.id,
          cfg.watch,
          guard.pending,
          // core http request completes a 500 without an error: its statusCode says it failed
          (failed, msg, call) => guard.outcome(failed || (observed.serverErrorIsFailure && isServerErrorResponse(msg)), msg, call.topic),
          (err) => node.error(err),
        );
        // a call whose outcome never comes (a hung request) is a failure once callTimeout passes
        expiryTimer = setInterval(
          () => {
            const expired = guard.expireCalls(observed.callTimeoutMs);
            if (expired > 0) timeouts.log(`watch: ${expired} call(s) through "${cfg.watch}" had no outcome within ${observed.callTimeoutMs / 1000} s: counted as failed`);
          },
          Math.min(1000, Math.max(10, observed.callTimeoutMs / 10)),
        );
      }
    }

    node.on('input', (msg: NodeMessage, send: SendFn, done: DoneFn) => {
      const topic = typeof msg.topic === 'string' ? msg.topic : undefined;
      if (typeof msg.breaker === 'string') {
        if (msg.breaker !== 'failure' && msg.breaker !== 'success') return done(new Error(`msg.breaker: "${msg.breaker}" is not "failure" or "success"`));
        if (typeof msg._msgid === 'string') guard.pending.take(msg._msgid);
        guard.outcome(msg.breaker === 'failure', msg, topic);
        return done();
      }
      const tracked = watch && typeof msg._msgid === 'string' ? msg._msgid : undefined;
      if (guard.admit(topic, tracked)) {
        if (tracked && !watch!.ensure() && !warnedMissing) {
          warnedMissing = true;
          node.warn(`watch: no node with id "${cfg.watch}" is deployed: its outcomes cannot be observed`);
        }
        send([msg, null, null]);
        return done();
      }
      rejected.inc(labels);
      const state = breaker.state();
      const info = { state, reason: state === 'open' ? breaker.reason() : RED._('circuit-breaker.reason.probing'), retryInMs: breaker.retryInMs(), fallback: false };
      const stale = guard.fallbackFor(topic);
      if (stale) stale.breaker = { ...info, fallback: true };
      else msg.breaker = info;
      send([null, stale ?? msg, null]);
      done();
    });

    node.on('close', (_removed: boolean, done: () => void) => {
      closed = true;
      if (probeTimer) clearTimeout(probeTimer);
      if (expiryTimer) clearInterval(expiryTimer);
      timeouts.close();
      watch?.close();
      breaker.removeAllListeners();
      telemetry.close();
      done();
    });

    report();
  }

  RED.nodes.registerType('edgegw-circuit-breaker', CircuitBreakerNode);
};
