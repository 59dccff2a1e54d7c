// store-forward: every message that comes in is committed to a durable queue before done() is
// called, then forwarded by the queue's forwarder to the forward-target; a scan is one queue row.
// Output 1: delivery acknowledgements (optional); output 2: dead letters and drops.
// msg.replay = { from, to } resends what was delivered in that time range (kept for retention).
import type { NodeAPI, Node, NodeDef, NodeMessage } from '../common/red';
import type { ForwardTargetNode } from '../forward-target/api';
import { DurableQueue, Forwarder, QueueClosedError, type DropReport } from '../../lib/queue';
import type { DeliveredReport } from '../../lib/queue/forwarder';
import type { QueuedMessage } from '../../lib/forward/destination';
import { storeForwardQueueOptions } from '../../lib/queue/node-config';
import { deadLetterMessage, deliveredMessage, dropMessages } from '../../lib/queue/node-messages';
import { replayRange } from '../../lib/queue/replay-range';
import { QueueMonitor, type QueueSummary } from '../../lib/queue/monitor';
import { MissingPackageError } from '../../lib/system/process/optional';
import { storageProblemOf, type StorageProblem } from '../../lib/storage/sqlite';
import { installShareReadOnly } from '../common/share-read-only';
import { migrateNodeConfig } from '../common/migrations';
import { LOOK, StatusDisplay } from '../common/node-status';
import { refuseConfig } from '../common/refuse-config';
import { TelemetryScope } from '../common/telemetry';
import { announceMissingNativeParts } from '../common/native-parts-notice';
import { apiDirectory } from '../../lib/api/directory';
import { streamHub } from '../../lib/api/stream/hub';

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

const STORAGE_STATUS: Record<StorageProblem, string> = {
  busy: 'store-forward.status.storageBusy',
  corrupt: 'store-forward.status.storageCorrupt',
  full: 'store-forward.status.storageFull',
  readOnly: 'store-forward.status.storageReadOnly',
  cannotOpen: 'store-forward.status.storageCannotOpen',
  failed: 'store-forward.status.storageError',
};

export = function (RED: NodeAPI) {
  announceMissingNativeParts(RED); // once per process: the native parts that did not load, and the fix
  installShareReadOnly(RED); // this node only reads its input: a message may be shared with it, not copied
  function StoreForwardCtor(this: StoreForwardNode, def: NodeDef) {
    RED.nodes.createNode(this, def);
    def = migrateNodeConfig(def);
    const node = this;
    const label = `store-forward ${def.name || def.id}`;
    const copy = <M>(m: M): M => (RED.util ? RED.util.cloneMessage(m) : m);
    const refuse = (statusKey: string, error: string) => refuseConfig(node, { kind: 'store-forward', statusKey, message: `${label}: ${error}`, inputError: `${label} is not running: ${error}` });

    const target = RED.nodes.getNode(def.target as string) as ForwardTargetNode | null;
    if (!target) return refuse('store-forward.status.noTarget', 'no forward-target configured');
    let queue: DurableQueue;
    let forwarder: Forwarder;
    try {
      queue = new DurableQueue(storeForwardQueueOptions(def, def.name || def.id, (RED.settings.userDir as string | undefined) ?? process.cwd()));
      forwarder = new Forwarder(queue, target.destination(node.id));
    } catch (err) {
      // no sqlite3 (optional, native): say so, unless the user chose memory mode
      if (err instanceof MissingPackageError) return refuse('store-forward.status.needsSqlite', `${err.message}; or choose the memory storage (not durable)`);
      return refuse('store-forward.status.badConfig', (err as Error).message);
    }
    node.queue = queue;
    node.forwarder = forwarder;
    const monitor = new QueueMonitor(queue, forwarder);
    const telemetry = new TelemetryScope(node, 'store-forward');
    const status = new StatusDisplay(node);
    let closed = false;
    let notQueuedWhileStopping = 0;

    queue.on('quarantined', (q: { path: string; movedTo: string; reason: string }) => {
      node.error(`${label}: the queue file ${q.path} was unreadable (${q.reason}); moved to ${q.movedTo}, a fresh queue started`);
    });
    queue.on('storage', (s: { error?: Error }) => {
      if (s.error) node.error(`${label}: ${s.error.message}`);
      else node.log(`${label}: the queue storage works again`);
    });
    queue.on('drop', (d: DropReport) => {
      if (!closed) for (const m of dropMessages(d, copy)) node.send([null, m]);
    });
    forwarder.on('dead-letter', (d: { message: QueuedMessage; error: string }) => {
      if (!closed) node.send([null, deadLetterMessage(d)]);
    });
    if (def.ackOutput === true || def.ackOutput === 'true') {
      forwarder.on('delivered', (r: DeliveredReport) => {
        if (!closed) node.send([deliveredMessage(r), null]);
      });
    }

    // the operator API shows what the monitor reported last, with the queue's own drop counts
    let latest: QueueSummary | undefined;
    const unregisterApi = apiDirectory().register('queues', {
      id: node.id,
      name: queue.name,
      snapshot: () => {
        const s = queue.stats();
        return { ...latest, depth: s.depth, bytes: s.bytes, dropped: s.dropped, deadLettered: s.deadLettered, target: target.describe };
      },
    });

    const show = (s: QueueSummary) => {
      latest = s;
      if (closed) return;
      if (s.storageProblem) status.show(LOOK.failed, STORAGE_STATUS[s.storageProblem]);
      else
        status.showParts(
          s.destination === 'connected' ? LOOK.ok : LOOK.busy,
          s.waiting
            ? { key: 'store-forward.status.summaryWaiting', args: { depth: s.depth, waiting: s.waiting, rate: Math.round(s.rate) } }
            : { key: 'store-forward.status.summary', args: { depth: s.depth, rate: Math.round(s.rate) } },
          { key: DESTINATION_STATUS[s.destination] },
        );
      telemetry.health(s.health, { ...s, target: target.describe });
      const hub = streamHub();
      if (hub.listening) hub.publishQueue({ queue: queue.name, ...s, ts: Date.now() });
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

    status.show(LOOK.busy, 'store-forward.status.opening');
    queue.open().then(
      () => {
        if (closed) return;
        forwarder.start();
        return monitor.tick().then(show);
      },
      (err: Error) => {
        if (closed) return;
        monitor.openFailed(err);
        status.show(LOOK.refused, STORAGE_STATUS[storageProblemOf(err)]);
        node.error(`${label}: ${err.message}`);
        telemetry.health('down', { error: err.message });
      },
    );

    node.on('input', (msg: NodeMessage, send, done) => {
      if (msg.replay !== undefined) {
        let range: { from: number; to: number };
        try {
          range = replayRange(msg.replay, Date.now());
        } catch (err) {
          return done(new Error(`${label}: ${(err as Error).message}`));
        }
        queue.replay(range.from, range.to).then((count) => {
          send([{ topic: `${queue.name}/replay`, payload: { ...range, count } }, null]);
          done();
        }, done);
        return;
      }
      // a callback, not a promise: nothing per message but the entry while it waits for its commit
      queue.enqueueWithCallback(msg, (err) => {
        if (!err) return done();
        // a stop (redeploy, shutdown) under way: said once, with the count, when the node has closed
        if (err instanceof QueueClosedError && closed) {
          notQueuedWhileStopping++;
          return done();
        }
        done(err);
      });
    });

    node.on('close', (_removed: boolean, done: () => void) => {
      closed = true;
      unregisterApi();
      clearInterval(timer);
      forwarder
        .stop()
        .then(() => queue.close())
        .catch((err: Error) => node.error(`${label}: close: ${err.message}`))
        .finally(() => {
          // the sources stop at the same time (a poll answered during the stop): a fact for the
          // log, not a warning in every deploy's debug sidebar
          if (notQueuedWhileStopping) node.log(`${label}: ${notQueuedWhileStopping} message(s) arrived while the node was stopping and were not queued`);
          monitor.dispose();
          forwarder.removeAllListeners();
          queue.removeAllListeners();
          telemetry.close();
          done();
        });
    });
  }

  RED.nodes.registerType('edgegw-store-forward', StoreForwardCtor);
};
