// stats: windows of figures per tag (lib/stats), sent as a scan when a window closes and, in
// report mode, appended to CSV files. Open windows persist (SQLite when installed, else in the
// process only) so they survive a redeploy, and with SQLite a restart.
import type { NodeAPI, Node, NodeDef, NodeMessage, SendFn, DoneFn } from '../common/red';
import { messageSamples } from '../common/message-samples';
import { StatsSession, type WindowStore } from '../../lib/stats/session';
import { CsvReport } from '../../lib/stats/report';
import { readStatsConfig } from '../../lib/stats/node-config';
import { windowScans } from '../../lib/stats/output';
import { plausibleSamples, sampleName } from '../../lib/stats/sample-time';
import { MemoryWindowStore, SqliteWindowStore } from '../../lib/stats/window-store';
import { sqliteOrMemory } from '../../lib/storage/sqlite';
import { counter } from '../../lib/metrics/registry';
import { installShareReadOnly } from '../common/share-read-only';
import { migrateNodeConfig } from '../common/migrations';
import { LOOK, StatusDisplay } from '../common/node-status';
import { refuseConfig } from '../common/refuse-config';
import { TelemetryScope } from '../common/telemetry';
import { announceMissingNativeParts } from '../common/native-parts-notice';

const TICK_MS = 1000;
/** refused samples are logged at most this often (a clock gone wrong upstream would flood the log) */
const REFUSED_WARNING_MS = 60_000;

export = function (RED: NodeAPI) {
  announceMissingNativeParts(RED); // once per process: the native parts that did not load, and the fix
  installShareReadOnly(RED); // this node only reads its input: a message may be shared with it, not copied
  const samplesTotal = counter('edgegw_stats_samples_total', 'Samples into stats windows, by node', ['node']);
  const windowsTotal = counter('edgegw_stats_windows_total', 'Stats windows closed, by node', ['node']);
  const refusedTotal = counter('edgegw_stats_samples_refused_total', 'Samples refused for a timestamp that is not a number or too far in the future, by node', ['node']);

  function StatsNode(this: Node, def: NodeDef) {
    RED.nodes.createNode(this, def);
    def = migrateNodeConfig(def);
    const node = this;
    let session: StatsSession;
    let memoryOnly: boolean; // no sqlite3: the state survives redeploys but not restarts
    let lastError: string | undefined;
    let maxSkewMs: number;
    let refused = 0;
    let refusedSinceWarning = 0;
    let lastWarningAt = -Infinity;
    try {
      const cfg = readStatsConfig(def, RED.settings.userDir ?? process.cwd());
      const report = cfg.report && new CsvReport(cfg.report);
      const chosen = sqliteOrMemory<WindowStore>(
        cfg.persist,
        () => new SqliteWindowStore(cfg.dbPath, node.id, undefined, (q) => node.warn(`${q.path} was corrupt (${q.reason}): moved aside as ${q.movedTo}; the open windows start empty`)),
        () => new MemoryWindowStore(node.id),
      );
      memoryOnly = Boolean(chosen.noSqlite);
      maxSkewMs = cfg.maxSkewMs;
      if (chosen.noSqlite) node.warn(`${chosen.noSqlite.message}; open windows survive redeploys but not restarts`);
      session = new StatsSession({
        windows: cfg.windows,
        report,
        store: chosen.store,
        decimals: cfg.decimals,
        onWindows: (closed) => {
          windowsTotal.inc({ node: node.id }, closed.length);
          for (const scan of windowScans(closed)) node.send(scan as unknown as NodeMessage);
        },
        onError: (err) => {
          lastError = err.message;
          node.error(err.message);
          showStatus();
        },
        onRowsPending: (rows, retryInMs) => node.warn(`${rows} report ${rows === 1 ? 'row waits' : 'rows wait'} to be written; next try in ${Math.ceil(retryInMs / 1000)} s or when a window closes`),
      });
    } catch (err) {
      return refuseConfig(node, { kind: 'stats', statusKey: 'stats.status.badConfig', message: (err as Error).message });
    }
    const telemetry = new TelemetryScope(node, 'stats');
    const status = new StatusDisplay(node);
    for (const metric of [samplesTotal, windowsTotal, refusedTotal]) telemetry.labels(metric, { node: node.id });

    function showStatus(): void {
      const unwritten = session.unwrittenCount;
      if (lastError && unwritten) {
        status.show(LOOK.failed, 'stats.status.unwritten', { count: unwritten });
        telemetry.health('degraded', { unwritten, error: lastError });
        return;
      }
      const saveError = session.saveError;
      status.showParts(
        memoryOnly || saveError || refused ? LOOK.warning : LOOK.ok,
        { key: 'stats.status.ready', args: { count: session.windows.tagCount } },
        ...(memoryOnly ? [{ key: 'stats.status.noSqlite' }] : []),
        ...(refused ? [{ key: 'stats.status.refused', args: { count: refused } }] : []),
      );
      // a store that cannot save (disk full, locked) puts restarts at risk: degraded until a save succeeds
      const w = session.windows;
      telemetry.health(saveError ? 'degraded' : 'ok', { tags: w.tagCount, samples: w.samples, bad: w.badSamples, refused, rows: session.rowsWritten, error: saveError });
    }

    status.show(LOOK.waiting, 'stats.status.restoring');
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
      const shown = `${session.windows.tagCount}/${session.unwrittenCount}/${session.saveError ?? ''}/${refused}`;
      if (shown !== lastShown) {
        lastShown = shown;
        showStatus();
      }
      if (!session.unwrittenCount) lastError = undefined;
    }, TICK_MS);

    node.on('input', (msg: NodeMessage, _send: SendFn, done: DoneFn) => {
      const now = Date.now();
      const carried = messageSamples(msg, now);
      if (carried.length === 0) return done(new Error('no samples in the message: expected msg.tags (a scan), msg.tag, or msg.payload with msg.topic'));
      const { accepted: samples, refused: implausible } = plausibleSamples(carried, now, maxSkewMs);
      if (implausible.length) {
        refused += implausible.length;
        refusedSinceWarning += implausible.length;
        refusedTotal.inc({ node: node.id }, implausible.length);
        if (now - lastWarningAt >= REFUSED_WARNING_MS) {
          const first = implausible[0];
          node.warn(`${refusedSinceWarning} samples refused for their timestamp since the last warning, e.g. ${sampleName(first.sample)}: ${first.reason}`);
          lastWarningAt = now;
          refusedSinceWarning = 0;
        }
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
          telemetry.close();
          done();
        });
    });
  }

  RED.nodes.registerType('edgegw-stats', StatsNode);
};
