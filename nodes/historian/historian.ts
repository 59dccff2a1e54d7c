// historian: tag samples kept in SQLite for a retention period (lib/historian); msg.query answers
// on output 1 (rows or CSV), msg.playback sends a stored range as tag messages on output 2, paced
// by the samples' timestamps. Without sqlite3 the node says so and does nothing else.
import type { NodeAPI, Node, NodeDef, NodeMessage, SendFn, DoneFn } from '../common/red';
import { messageSamples } from '../common/message-samples';
import { HistorianStore, HistoryPlayback, parsePlayback, parseQuery, readHistorianConfig, rowsToCsv } from '../../lib/historian';
import { loadSqlite } from '../../lib/storage/sqlite';
import { MissingPackageError } from '../../lib/system/process/optional';
import { tagMessage } from '../../lib/tags/contract';
import { counter } from '../../lib/metrics/registry';
import { installShareReadOnly } from '../common/share-read-only';
import { migrateNodeConfig } from '../common/migrations';
import { LOOK, StatusDisplay } from '../common/node-status';
import { refuseConfig } from '../common/refuse-config';
import { reportFailure } from '../common/report-failure';
import { TelemetryScope } from '../common/telemetry';
import { apiDirectory } from '../../lib/api/directory';

const STATUS_MS = 1000;

export = function (RED: NodeAPI) {
  installShareReadOnly(RED); // samples are only read: a scan may be shared with this node, not copied
  const storedTotal = counter('edgegw_historian_samples_stored_total', 'Samples committed to the history, by node', ['node']);
  const droppedTotal = counter('edgegw_historian_samples_dropped_total', 'Samples lost (a failed batch or a full backlog), by node', ['node']);

  function HistorianNode(this: Node, def: NodeDef) {
    RED.nodes.createNode(this, def);
    def = migrateNodeConfig(def);
    const node = this;
    let config: ReturnType<typeof readHistorianConfig>;
    try {
      config = readHistorianConfig(def, RED.settings.userDir ?? process.cwd());
    } catch (err) {
      return refuseConfig(node, { kind: 'historian', statusKey: 'historian.status.badConfig', message: (err as Error).message });
    }
    const status = new StatusDisplay(node);
    try {
      loadSqlite();
    } catch (err) {
      if (!(err instanceof MissingPackageError)) throw err;
      // the history lives only in SQLite: without it there is nothing to store to or answer from
      return refuseConfig(node, { kind: 'historian', statusKey: 'historian.status.noSqlite', message: `${err.message}; the historian stores nothing`, onInput: 'drop' });
    }
    const telemetry = new TelemetryScope(node, 'historian');
    const labels = { node: node.id };
    for (const metric of [storedTotal, droppedTotal]) telemetry.labels(metric, labels);
    let lastError: string | undefined;
    let closing = false;
    let playback: HistoryPlayback | undefined;
    let counted = { stored: 0, dropped: 0 };

    status.show(LOOK.waiting, 'historian.status.opening');
    const opening = HistorianStore.open({
      path: config.dbPath,
      retentionMs: config.retentionMs,
      batchSize: config.batchSize,
      batchMs: config.batchMs,
      deadband: config.deadband,
      onError: (err) => {
        lastError = err.message;
        node.error(err.message);
      },
    });
    let store: HistorianStore | undefined;
    opening.then(
      (opened) => {
        store = opened;
        if (closing) void opened.close();
        else showStatus();
      },
      (err: Error) => {
        lastError = err.message;
        node.error(`cannot open the history: ${err.message}`);
        status.show(LOOK.failed, 'historian.status.cannotOpen');
        telemetry.health('down', { error: err.message });
      },
    );

    function showStatus(): void {
      if (!store) return;
      const c = store.counts;
      storedTotal.inc(labels, c.stored - counted.stored);
      droppedTotal.inc(labels, c.dropped - counted.dropped);
      counted = { stored: c.stored, dropped: c.dropped };
      const look = lastError || c.dropped ? LOOK.warning : playback ? LOOK.busy : LOOK.ok;
      status.showParts(
        look,
        { key: 'historian.status.stored', args: { stored: c.stored, pending: c.pending } },
        ...(c.dropped ? [{ key: 'historian.status.dropped', args: { count: c.dropped } }] : []),
        ...(playback ? [{ key: 'historian.status.playing', args: { speed: playback.request.speed } }] : []),
      );
      telemetry.health(lastError ? 'degraded' : 'ok', {
        stored: c.stored,
        pending: c.pending,
        writing: c.writing,
        skipped: c.skipped,
        dropped: c.dropped,
        pruned: c.pruned,
        merged: c.merged,
        error: lastError,
      });
    }
    const timer = setInterval(showStatus, STATUS_MS);

    function stopPlayback(): void {
      const running = playback;
      playback = undefined;
      running?.stop(); // its finished() calls the done of the message that started it
    }

    function startPlayback(opened: HistorianStore, msg: NodeMessage, raw: unknown, done: DoneFn): void {
      const request = parsePlayback(raw);
      stopPlayback();
      if (request === 'stop') return done();
      const run = new HistoryPlayback((tags, from, to, limit, after) => opened.samples(tags, from, to, limit, after), request, {
        send: (samples) => node.send([null, samples.map((s) => tagMessage(s) as unknown as NodeMessage)]),
        finished: () => {
          if (playback === run) playback = undefined;
          showStatus();
          done();
        },
        failed: (err) => {
          if (playback === run) playback = undefined;
          reportFailure(node, msg, done, err);
        },
      });
      playback = run;
      run.start();
      showStatus();
    }

    async function answer(opened: HistorianStore, msg: NodeMessage, send: SendFn): Promise<void> {
      const query = parseQuery(msg.query, Date.now());
      const rows = await opened.query(query);
      msg.payload = query.format === 'csv' ? rowsToCsv(rows) : rows;
      send([msg, null]);
    }

    node.on('input', (msg: NodeMessage, send: SendFn, done: DoneFn) => {
      const fail = (err: Error) => reportFailure(node, msg, done, err);
      if (msg.query !== undefined || msg.playback !== undefined) {
        opening.then(
          (opened) => {
            if (msg.playback === undefined) return void answer(opened, msg, send).then(() => done(), fail);
            try {
              startPlayback(opened, msg, msg.playback, done);
            } catch (err) {
              fail(err as Error);
            }
          },
          (err: Error) => fail(new Error(`the history is not open: ${err.message}`)),
        );
        return;
      }
      const samples = messageSamples(msg, Date.now());
      if (samples.length === 0) return fail(new Error('no samples in the message: expected msg.tags (a scan), msg.tag, msg.payload with msg.topic, msg.query or msg.playback'));
      if (store) store.add(samples);
      else
        opening.then(
          (opened) => opened.add(samples),
          () => undefined,
        ); // the open's failure is already shown
      done();
    });

    // the operator API's GET /history asks this store once it is open
    const unregisterApi = apiDirectory().register('historians', {
      id: node.id,
      name: def.name || node.id,
      query: (q) => opening.then((opened) => opened.query(q)),
    });

    node.on('close', (_removed: boolean, done: () => void) => {
      closing = true;
      unregisterApi();
      clearInterval(timer);
      stopPlayback();
      const closed = store ? store.close() : Promise.resolve();
      closed
        .catch((err: Error) => node.error(`cannot close the history: ${err.message}`))
        .finally(() => {
          telemetry.close();
          done();
        });
    });
  }

  RED.nodes.registerType('edgegw-historian', HistorianNode);
};
