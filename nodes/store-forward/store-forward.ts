// store-forward: every message that comes in is committed to a durable queue before done() is
// called, then forwarded by the queue's forwarder to the forward-target; a scan is one queue row.
// Output 1: delivery acknowledgements (optional); output 2: dead letters and drops.
// msg.replay = { from, to } resends what was delivered in that time range (kept for retention).
import type { NodeAPI, Node, NodeDef, NodeMessage } from '../common/red';
import type { ForwardTargetNode } from '../forward-target/api';
import { healthRegistry } from '../../lib/health/registry';
import { DurableQueue, Forwarder, type DropReport } from '../../lib/queue';
import { queueOptionsFromSettings } from './settings';
import type { DeliveredReport } from '../../lib/queue/forwarder';
import { QueueMonitor, type QueueSummary } from '../../lib/queue/monitor';
import { MissingPackageError } from '../../lib/system/process/optional';
import type { QueuedMessage } from '../../lib/forward/destination';
import { installShareReadOnly } from '../common/share-read-only';
import { migrateNodeConfig } from '../common/migrations';
import { statusText } from '../common/status-text';

interface StoreForwardNode extends Node {
  queue?: DurableQueue;
  forwarder?: Forwarder;
}

const DESTINATION_STATUS: Record<QueueSummary['destination'], string> = {
  connecting: 'store-forward.destination.connecting',
  connected: 'store-forward.destination.connected',
  disconnected: 'store-forward.destination.disconnected',
  error: 'store-forward.destination.error',
};

export = function (RED: NodeAPI) {
  installShareReadOnly(RED); // this node only reads its input: a message may be shared with it, not copied
  function StoreForwardCtor(this: StoreForwardNode, def: NodeDef) {
    RED.nodes.createNode(this, def);
    def = migrateNodeConfig(def);
    const node = this;
    const label = `store-forward ${def.name || def.id}`;
    const copy = (m: NodeMessage): NodeMessage => (RED.util ? RED.util.cloneMessage(m) : m);
    const health = (state: 'ok' | 'degraded' | 'down', detail: Record<string, unknown>) => healthRegistry().report(node.id, 'store-forward', state, detail, node.name);

    const refuse = (status: string, error: string) => {
      node.status({ fill: 'red', shape: 'ring', text: status });
      node.error(`${label}: ${error}`);
      health('down', { error });
      node.on('input', (_msg: NodeMessage, _send, done) => done(new Error(`${label} is not running: ${error}`)));
      node.on('close', (_removed: boolean, done: () => void) => {
        healthRegistry().remove(node.id);
        done();
      });
    };

    const target = RED.nodes.getNode(def.target as string) as ForwardTargetNode | null;
    if (!target) return refuse(statusText({ key: 'store-forward.status.noTarget' }), 'no forward-target configured');
    let queue: DurableQueue;
    let forwarder: Forwarder;
    try {
      queue = new DurableQueue(queueOptionsFromSettings(def, (RED.settings.userDir as string | undefined) ?? process.cwd()));
      forwarder = new Forwarder(queue, target.destination(node.id));
    } catch (err) {
      // no sqlite3 (optional, native): say so, unless the user chose memory mode
      if (err instanceof MissingPackageError) return refuse(statusText({ key: 'store-forward.status.needsSqlite' }), `${err.message}; or choose the memory storage (not durable)`);
      return refuse(statusText({ key: 'store-forward.status.badConfig' }), (err as Error).message);
    }
    node.queue = queue;
    node.forwarder = forwarder;
    const monitor = new QueueMonitor(queue, forwarder);
    let closed = false;

    queue.on('quarantined', (q: { path: string; movedTo: string; reason: string }) => {
      node.error(`${label}: the queue file ${q.path} was unreadable (${q.reason}); moved to ${q.movedTo}, a fresh queue started`);
    });
    queue.on('storage', (s: { error?: Error }) => {
      if (s.error) node.error(`${label}: ${s.error.message}`);
      else node.log(`${label}: the queue storage works again`);
    });
    queue.on('drop', (d: DropReport) => {
      if (closed) return;
      const drop = { queue: d.queue, reason: d.reason, policy: d.policy };
      // a copy: the message may be shared with other read-only nodes (share-read-only.ts)
      if (d.messages) for (const m of d.messages) node.send([null, { ...copy(m as NodeMessage), drop }]);
      else node.send([null, { topic: `${d.queue}/drop`, payload: { ...drop, count: d.count, bytes: d.bytes, firstSeq: d.firstSeq, lastSeq: d.lastSeq }, drop }]);
    });
    forwarder.on('dead-letter', (d: { message: QueuedMessage; error: string }) => {
      if (closed) return;
      node.send([null, { ...d.message.msg, deadLetter: { seq: d.message.seq, id: d.message.id, queue: d.message.queue, error: d.error } }]);
    });
    if (def.ackOutput === true || def.ackOutput === 'true') {
      forwarder.on('delivered', (r: DeliveredReport) => {
        if (!closed) node.send([{ topic: `${r.queue}/delivered`, payload: { count: r.count, firstSeq: r.firstSeq, lastSeq: r.lastSeq, ids: r.ids } }, null]);
      });
    }

    const show = (s: QueueSummary) => {
      if (closed) return;
      const text = statusText({ key: 'store-forward.status.summary', args: { depth: s.depth, rate: Math.round(s.rate) } }, { key: DESTINATION_STATUS[s.destination] });
      if (s.storageError) node.status({ fill: 'red', shape: 'dot', text: statusText({ key: 'store-forward.status.storageError', args: { error: s.storageError } }) });
      else if (s.destination !== 'connected') node.status({ fill: 'yellow', shape: 'ring', text });
      else node.status({ fill: 'green', shape: 'dot', text });
      health(s.health, { ...s, target: target.describe });
    };
    let ticking = false;
    const timer = setInterval(() => {
      if (ticking || closed) return;
      ticking = true;
      monitor
        .tick()
        .then(show, () => undefined)
        .finally(() => (ticking = false));
    }, 1000);

    node.status({ fill: 'yellow', shape: 'ring', text: statusText({ key: 'store-forward.status.opening' }) });
    queue.open().then(
      () => {
        if (closed) return;
        forwarder.start();
        return monitor.tick().then(show);
      },
      (err: Error) => {
        if (closed) return;
        monitor.openError = err.message;
        node.status({ fill: 'red', shape: 'ring', text: statusText({ key: 'store-forward.status.storageError', args: { error: err.message } }) });
        node.error(`${label}: ${err.message}`);
        health('down', { error: err.message });
      },
    );

    node.on('input', (msg: NodeMessage, send, done) => {
      const replay = msg.replay as { from?: unknown; to?: unknown } | undefined;
      if (replay !== undefined) {
        const from = toTime(replay?.from);
        const to = replay?.to === undefined ? Date.now() : toTime(replay.to);
        if (from === undefined || to === undefined || from > to) {
          done(new Error(`${label}: msg.replay must be { from, to } with times (epoch ms or ISO text), from <= to; got ${JSON.stringify(replay)}`));
          return;
        }
        queue.replay(from, to).then(
          (count) => {
            send([{ topic: `${queue.name}/replay`, payload: { from, to, count } }, null]);
            done();
          },
          (err: Error) => done(err),
        );
        return;
      }
      queue.enqueue(msg).then(
        () => done(),
        (err: Error) => done(err),
      );
    });

    node.on('close', (_removed: boolean, done: () => void) => {
      closed = true;
      clearInterval(timer);
      forwarder
        .stop()
        .then(() => queue.close())
        .catch((err: Error) => node.error(`${label}: close: ${err.message}`))
        .finally(() => {
          monitor.dispose();
          forwarder.removeAllListeners();
          queue.removeAllListeners();
          healthRegistry().remove(node.id);
          done();
        });
    });
  }

  RED.nodes.registerType('edgegw-store-forward', StoreForwardCtor);
};

function toTime(v: unknown): number | undefined {
  if (typeof v === 'number' && Number.isFinite(v)) return v;
  if (typeof v === 'string' && v.trim()) {
    const t = Date.parse(v);
    return Number.isNaN(t) ? undefined : t;
  }
  return undefined;
}
