// stats: windows of figures per tag (lib/stats), sent as a scan when a window closes and, in
// report mode, appended to CSV files. Open windows persist (SQLite when installed, else in the
// process only) so they survive a redeploy, and with SQLite a restart.
import { isAbsolute, join } from 'node:path';
import type { NodeAPI, Node, NodeMessage, SendFn, DoneFn } from '../common/red';
import { messageSamples } from '../common/message-samples';
import { StatsSession, type WindowStore } from '../../lib/stats/session';
import { CsvReport } from '../../lib/stats/report';
import { statsFieldsOf, windowConfigOf, type StatsDef } from './config';
import { windowScans } from '../../lib/stats/output';
import { MemoryWindowStore, SqliteWindowStore } from '../../lib/stats/window-store';
import { loadOptional, MissingPackageError } from '../../lib/system/process/optional';
import { healthRegistry } from '../../lib/health/registry';
import { counter } from '../../lib/metrics/registry';
import { installShareReadOnly } from '../common/share-read-only';
import { migrateNodeConfig } from '../common/migrations';
import { statusText } from '../common/status-text';

const TICK_MS = 1000;

export = function (RED: NodeAPI) {
  installShareReadOnly(RED); // this node only reads its input: a message may be shared with it, not copied
  const samplesTotal = counter('edgegw_stats_samples_total', 'Samples into stats windows, by node', ['node']);
  const windowsTotal = counter('edgegw_stats_windows_total', 'Stats windows closed, by node', ['node']);

  function StatsNode(this: Node, def: StatsDef) {
    RED.nodes.createNode(this, def);
    def = migrateNodeConfig(def);
    const node = this;
    const userDir: string = RED.settings.userDir ?? process.cwd();
    const under = (p: string) => (isAbsolute(p) ? p : join(userDir, p));
    let session: StatsSession;
    let memoryOnly = false; // no sqlite3: the state survives redeploys but not restarts
    let lastError: string | undefined;
    try {
      const fields = statsFieldsOf(def);
      const windows = windowConfigOf(fields);
      let report: CsvReport | undefined;
      if (fields.report) {
        report = new CsvReport({
          dir: under(fields.reportDir),
          per: fields.reportPer,
          timeZone: windows.timeZone ?? Intl.DateTimeFormat().resolvedOptions().timeZone,
          retentionDays: fields.retentionDays,
          prefix: fields.reportPrefix,
        });
      }
      let store: WindowStore = new MemoryWindowStore(node.id);
      if (fields.persist === 'sqlite') {
        try {
          loadOptional('sqlite3');
          store = new SqliteWindowStore(under(fields.dbFile), node.id);
        } catch (err) {
          if (!(err instanceof MissingPackageError)) throw err;
          memoryOnly = true;
          node.warn(`${err.message}; open windows survive redeploys but not restarts`);
        }
      }
      session = new StatsSession({
        windows,
        report,
        store,
        onWindows: (closed) => {
          windowsTotal.inc({ node: node.id }, closed.length);
          for (const scan of windowScans(closed)) node.send(scan as unknown as NodeMessage);
        },
        onError: (err) => {
          lastError = err.message;
          node.error(err.message);
          showStatus();
        },
      });
    } catch (err) {
      const message = (err as Error).message;
      node.status({ fill: 'red', shape: 'ring', text: statusText({ key: 'stats.status.badConfig' }) });
      node.error(message);
      healthRegistry().report(node.id, 'stats', 'down', { error: message }, node.name);
      node.on('input', (_msg: NodeMessage, _send: SendFn, done: DoneFn) => done(new Error(message)));
      node.on('close', (_removed: boolean, done: () => void) => {
        healthRegistry().remove(node.id);
        done();
      });
      return;
    }

    function showStatus(): void {
      const unwritten = session.unwrittenCount;
      if (lastError && unwritten) {
        node.status({ fill: 'red', shape: 'dot', text: statusText({ key: 'stats.status.unwritten', args: { count: unwritten } }) });
        healthRegistry().report(node.id, 'stats', 'degraded', { unwritten, error: lastError }, node.name);
        return;
      }
      const text = statusText({ key: 'stats.status.ready', args: { count: session.windows.tagCount } }, ...(memoryOnly ? [{ key: 'stats.status.noSqlite' }] : []));
      const saveError = session.saveError;
      node.status({ fill: memoryOnly || saveError ? 'yellow' : 'green', shape: 'dot', text });
      // a store that cannot save (disk full, locked) puts restarts at risk: degraded until a save succeeds
      healthRegistry().report(
        node.id,
        'stats',
        saveError ? 'degraded' : 'ok',
        { tags: session.windows.tagCount, samples: session.windows.samples, bad: session.windows.badSamples, rows: session.rowsWritten, error: saveError },
        node.name,
      );
    }

    node.status({ fill: 'grey', shape: 'ring', text: statusText({ key: 'stats.status.restoring' }) });
    let closing = false;
    session
      .start()
      .catch((err: Error) => {
        lastError = err.message;
        node.error(`cannot restore the open windows: ${err.message}`);
      })
      .finally(() => {
        if (!closing) showStatus();
      });
    let lastShown = '';
    const timer = setInterval(() => {
      session.tick();
      const shown = `${session.windows.tagCount}/${session.unwrittenCount}/${session.saveError ?? ''}`;
      if (shown !== lastShown) {
        lastShown = shown;
        showStatus();
      }
      if (!session.unwrittenCount) lastError = undefined;
    }, TICK_MS);

    node.on('input', (msg: NodeMessage, _send: SendFn, done: DoneFn) => {
      const samples = messageSamples(msg, Date.now());
      if (samples.length === 0) {
        done(new Error('no samples in the message: expected msg.tags (a scan), msg.tag, or msg.payload with msg.topic'));
        return;
      }
      samplesTotal.inc({ node: node.id }, samples.length);
      session.add(samples);
      done();
    });

    node.on('close', (removed: boolean, done: () => void) => {
      closing = true;
      clearInterval(timer);
      session
        .stop()
        .catch((err: Error) => node.error(`cannot save the open windows: ${err.message}`))
        .finally(() => {
          if (removed) MemoryWindowStore.forget(node.id);
          healthRegistry().remove(node.id);
          samplesTotal.remove({ node: node.id });
          windowsTotal.remove({ node: node.id });
          done();
        });
    });
  }

  RED.nodes.registerType('edgegw-stats', StatsNode);
};
