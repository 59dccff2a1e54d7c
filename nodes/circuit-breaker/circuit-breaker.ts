// circuit-breaker: fails fast while what a flow calls is failing. Output 1 passes messages while
// closed (and the half-open probes), output 2 takes what is refused while open (or the last good
// message of its topic, stale), output 3 tells every state change. Outcomes arrive on the input
// as msg.breaker = "failure" | "success", or are observed on a downstream node (see watch.ts).
// The breaker itself is lib/breaker, the one the Modbus line uses.
import type { NodeAPI, Node, NodeDef, NodeMessage, SendFn, DoneFn } from '../common/red';
import { healthRegistry, type HealthState } from '../../lib/health/registry';
import { counter, gauge } from '../../lib/metrics/registry';
import { CircuitBreaker, LastGoodMessages, markStale, PendingCalls, resolveBreakerConfig, type BreakerNodeConfig, type CircuitState, type CircuitStateChange } from '../../lib/breaker';
import { watchDownstream, type DownstreamWatch } from './watch';
import { migrateNodeConfig } from '../common/migrations';
import { statusText } from '../common/status-text';

const STATE_VALUE: Record<CircuitState, number> = { closed: 0, 'half-open': 1, open: 2 };
const HEALTH: Record<CircuitState, HealthState> = { closed: 'ok', 'half-open': 'degraded', open: 'down' };
const STATES: CircuitState[] = ['closed', 'open', 'half-open'];

export = function (RED: NodeAPI) {
  const stateGauge = gauge('edgegw_breaker_state', 'Circuit-breaker node state: 0 closed, 1 half-open, 2 open', ['node', 'name']);
  const transitions = counter('edgegw_breaker_transitions_total', 'Circuit-breaker node state changes', ['node', 'name', 'from', 'to']);
  const rejected = counter('edgegw_breaker_rejected_total', 'Messages a circuit-breaker node sent to output 2 while open', ['node', 'name']);

  function CircuitBreakerNode(this: Node, def: NodeDef) {
    RED.nodes.createNode(this, def);
    def = migrateNodeConfig(def);
    const node = this;
    const t = (key: string, subs?: Record<string, unknown>) => RED._(`circuit-breaker.${key}`, subs);

    let cfg: BreakerNodeConfig;
    let breaker: CircuitBreaker;
    try {
      cfg = resolveBreakerConfig(def);
      breaker = new CircuitBreaker(cfg.breaker);
    } catch (err) {
      const message = `circuit-breaker ${def.name || def.id}: ${(err as Error).message}`;
      node.status({ fill: 'red', shape: 'ring', text: statusText({ key: 'circuit-breaker.status.badConfig' }) });
      node.error(message);
      healthRegistry().report(node.id, 'circuit-breaker', 'down', { error: message }, node.name);
      node.on('input', (_msg: NodeMessage, _send: SendFn, done: DoneFn) => done(new Error(message)));
      node.on('close', (_removed: boolean, done: () => void) => {
        healthRegistry().remove(node.id);
        done();
      });
      return;
    }

    const labels = { node: node.id, name: node.name ?? '' };
    const lastGood = new LastGoodMessages<NodeMessage>();
    const pending = new PendingCalls();
    const clone = <T>(m: T): T => (RED.util ? RED.util.cloneMessage(m) : structuredClone(m));
    let probeTimer: NodeJS.Timeout | undefined;
    let warnedMissing = false;
    let closed = false;

    const report = () => {
      if (closed) return;
      const state = breaker.state();
      const retryInMs = breaker.retryInMs();
      if (state === 'closed') node.status({ fill: 'green', shape: 'dot', text: statusText({ key: 'circuit-breaker.status.closed' }) });
      else if (state === 'half-open') node.status({ fill: 'yellow', shape: 'ring', text: statusText({ key: 'circuit-breaker.status.halfOpen', args: { probes: breaker.halfOpenProbes } }) });
      else node.status({ fill: 'red', shape: 'dot', text: statusText({ key: 'circuit-breaker.status.open', args: { seconds: Math.ceil(retryInMs / 1000), reason: breaker.reason() } }) });
      stateGauge.set(labels, STATE_VALUE[state]);
      healthRegistry().report(node.id, 'circuit-breaker', HEALTH[state], { state, reason: breaker.reason(), failures: breaker.failureCount(), retryInMs }, node.name);
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

    const outcome = (failed: boolean, msg: NodeMessage | undefined, topic: string | undefined) => {
      if (failed) breaker.failure();
      else {
        // a late success of a call sent before the breaker opened must not close it: only the
        // half-open probes decide (lib/breaker closes on any success, as the Modbus line wants)
        if (breaker.state() !== 'open') breaker.success();
        if (cfg.fallback && topic !== undefined && msg) {
          const good = clone(msg);
          delete good.breaker;
          lastGood.set(topic, good);
        }
      }
    };

    let watch: DownstreamWatch | undefined;
    if (cfg.watch) {
      if (!RED.hooks) node.warn(t('errors.noHooks'));
      else
        watch = watchDownstream(
          RED,
          node.id,
          cfg.watch,
          pending,
          (failed, msg, call) => outcome(failed, msg, call.topic),
          (err) => node.error(err),
        );
    }

    node.on('input', (msg: NodeMessage, send: SendFn, done: DoneFn) => {
      const topic = typeof msg.topic === 'string' ? msg.topic : undefined;
      if (typeof msg.breaker === 'string') {
        if (msg.breaker !== 'failure' && msg.breaker !== 'success') {
          done(new Error(`msg.breaker: "${msg.breaker}" is not "failure" or "success"`));
          return;
        }
        if (typeof msg._msgid === 'string') pending.take(msg._msgid);
        outcome(msg.breaker === 'failure', msg, topic);
        done();
        return;
      }
      const probe = breaker.state() === 'half-open';
      if (breaker.allow()) {
        if (watch && typeof msg._msgid === 'string') {
          if (!watch.ensure() && !warnedMissing) {
            warnedMissing = true;
            node.warn(`watch: no node with id "${cfg.watch}" is deployed: its outcomes cannot be observed`);
          }
          const evicted = pending.track(msg._msgid, { topic, probe });
          if (evicted?.probe) breaker.release();
        }
        send([msg, null, null]);
        done();
        return;
      }
      rejected.inc(labels);
      const state = breaker.state();
      const info = { state, reason: state === 'open' ? breaker.reason() : t('reason.probing'), retryInMs: breaker.retryInMs(), fallback: false };
      const cached = cfg.fallback && topic !== undefined ? lastGood.get(topic) : undefined;
      if (cached) {
        const stale = markStale(clone(cached));
        stale.breaker = { ...info, fallback: true };
        send([null, stale, null]);
      } else {
        msg.breaker = info;
        send([null, msg, null]);
      }
      done();
    });

    node.on('close', (_removed: boolean, done: () => void) => {
      closed = true;
      if (probeTimer) clearTimeout(probeTimer);
      watch?.close();
      breaker.removeAllListeners();
      healthRegistry().remove(node.id);
      stateGauge.remove(labels);
      rejected.remove(labels);
      for (const from of STATES) for (const to of STATES) transitions.remove({ ...labels, from, to });
      done();
    });

    report();
  }

  RED.nodes.registerType('edgegw-circuit-breaker', CircuitBreakerNode);
};
