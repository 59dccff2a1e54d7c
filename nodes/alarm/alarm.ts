// alarm: rules over tag values (lib/alarm); every alarm state change is one event on output 1,
// the active list on output 2 when asked (msg.list = true). msg.ack = <id> | "all" acknowledges.
// The active list persists (SQLite when installed), is in /metrics by severity, and makes /health
// degraded while a critical alarm is unacknowledged (configurable). Every acknowledgement, and every refused one, goes to the audit log.
import type { NodeAPI, Node, NodeDef, NodeMessage, SendFn, DoneFn } from '../common/red';
import { messageSamples } from '../common/message-samples';
import { SEVERITIES } from '../../lib/alarm/rules';
import { readAlarmConfig, type AlarmNodeConfig } from '../../lib/alarm/node-config';
import { alarmHealthDegraded, summarizeActiveList } from '../../lib/alarm/active-summary';
import { AlarmEngine, type AlarmEvent } from '../../lib/alarm/engine';
import { MemoryActiveListStore, SqliteActiveListStore, type ActiveListStore } from '../../lib/alarm/alarm-store';
import { sqliteOrMemory } from '../../lib/storage/sqlite';
import { counter, gauge } from '../../lib/metrics/registry';
import { installShareReadOnly } from '../common/share-read-only';
import { migrateNodeConfig } from '../common/migrations';
import { LOOK, StatusDisplay } from '../common/node-status';
import { refuseConfig } from '../common/refuse-config';
import { TelemetryScope } from '../common/telemetry';
import { auditLogOf } from '../common/settings';
import { ackAuditRecords, refusedAckRecord } from '../../lib/alarm/ack-audit';
import { announceMissingNativeParts } from '../common/native-parts-notice';
import { apiDirectory } from '../../lib/api/directory';
import { streamHub } from '../../lib/api/stream/hub';

const TICK_MS = 250;
const EVENT_STATES = ['active', 'acknowledged', 'cleared-unacknowledged', 'cleared'] as const;

export = function (RED: NodeAPI) {
  announceMissingNativeParts(RED); // once per process: the native parts that did not load, and the fix
  installShareReadOnly(RED); // this node only reads its input: a message may be shared with it, not copied
  const activeGauge = gauge('edgegw_alarms_active', 'Alarms in the active list (active, acknowledged or cleared but unacknowledged), by severity', ['node', 'severity']);
  const unackedGauge = gauge('edgegw_alarms_unacknowledged', 'Alarms not yet acknowledged, by severity', ['node', 'severity']);
  const eventsTotal = counter('edgegw_alarm_events_total', 'Alarm state changes, by new state', ['node', 'state']);

  function AlarmNode(this: Node, def: NodeDef) {
    RED.nodes.createNode(this, def);
    def = migrateNodeConfig(def);
    const node = this;
    let cfg: AlarmNodeConfig;
    let engine: AlarmEngine;
    let store: ActiveListStore;
    let memoryOnly: boolean; // no sqlite3: the state survives redeploys but not restarts
    try {
      cfg = readAlarmConfig(def, RED.settings.userDir ?? process.cwd());
      engine = new AlarmEngine(cfg.rules);
      const chosen = sqliteOrMemory<ActiveListStore>(
        cfg.fields.persist,
        () => new SqliteActiveListStore(cfg.dbPath, node.id, undefined, (q) => node.warn(`${q.path} was corrupt (${q.reason}): moved aside as ${q.movedTo}; the active list starts empty`)),
        () => new MemoryActiveListStore(node.id),
      );
      store = chosen.store;
      memoryOnly = Boolean(chosen.noSqlite);
      if (chosen.noSqlite) node.warn(`${chosen.noSqlite.message}; the active list survives redeploys but not restarts`);
    } catch (err) {
      return refuseConfig(node, { kind: 'alarm', statusKey: 'alarm.status.badConfig', message: (err as Error).message });
    }
    const telemetry = new TelemetryScope(node, 'alarm');
    const audit = auditLogOf(RED);
    const status = new StatusDisplay(node);
    for (const severity of SEVERITIES) for (const metric of [activeGauge, unackedGauge]) telemetry.labels(metric, { node: node.id, severity });
    for (const state of EVENT_STATES) telemetry.labels(eventsTotal, { node: node.id, state });

    let saving: Promise<void> = Promise.resolve();
    let saveError: string | undefined;
    function persist(): void {
      const list = engine.activeList();
      saving = saving
        .then(() => store.save(list))
        .then(
          () => {
            saveError = undefined;
          },
          (err: Error) => {
            saveError = err.message;
            node.error(`cannot save the active list: ${err.message}`);
          },
        );
    }

    function report(): void {
      const counts = engine.counts();
      for (const severity of SEVERITIES) {
        activeGauge.set({ node: node.id, severity }, counts[severity].listed);
        unackedGauge.set({ node: node.id, severity }, counts[severity].unacknowledged);
      }
      const s = summarizeActiveList(engine.activeList());
      const degraded = alarmHealthDegraded(s, cfg.fields.healthOn, Boolean(saveError));
      telemetry.health(degraded ? 'degraded' : 'ok', {
        rules: engine.rules.length,
        listed: s.listed,
        criticalUnacknowledged: s.criticalUnacknowledged,
        criticalActive: s.criticalActive,
        error: saveError,
      });
      const look = s.raised ? LOOK.failed : s.unacknowledged || memoryOnly ? LOOK.warning : LOOK.ok;
      status.showParts(look, { key: 'alarm.status.listed', args: { count: s.listed, unacked: s.unacknowledged } }, ...(memoryOnly ? [{ key: 'alarm.status.noSqlite' }] : []));
    }

    function auditAck(records: ReturnType<typeof ackAuditRecords>): void {
      try {
        for (const r of records) audit.record(r);
      } catch (err) {
        // the record is kept in memory; the file is what failed
        node.error((err as Error).message);
      }
    }

    function emit(events: AlarmEvent[], send: SendFn): void {
      if (events.length === 0) return;
      for (const e of events) eventsTotal.inc({ node: node.id, state: e.state });
      send([events.map((e) => ({ topic: `alarm/${e.id}`, payload: e })), null]);
      streamHub().publishAlarms(events);
      persist();
      report();
    }

    let ready = false;
    // messages that arrive while the stored active list loads wait for it (evaluated in order)
    const waiting: Array<[NodeMessage, SendFn, DoneFn]> = [];
    let closing = false;
    status.show(LOOK.waiting, 'alarm.status.restoring');
    store
      .load()
      .then((records) => {
        const dropped = engine.restore(records);
        if (dropped.length) node.warn(`dropped ${dropped.length} stored alarm(s) whose rule is gone: ${dropped.map((r) => r.id).join(', ')}`);
      })
      .catch((err: Error) => node.error(`cannot restore the active list: ${err.message}`))
      .finally(() => {
        ready = true;
        if (closing) return;
        report();
        for (const [msg, send, done] of waiting.splice(0)) handle(msg, send, done);
      });

    const timer = setInterval(() => {
      if (ready) emit(engine.tick(), (m) => node.send(m));
    }, TICK_MS);

    /** Acknowledges through the engine, audits (a refusal too) and sends the events; throws AckError. */
    function acknowledge(target: unknown, by: string, send: SendFn): AlarmEvent[] {
      let events: AlarmEvent[];
      try {
        events = engine.acknowledge(target, by);
      } catch (err) {
        auditAck([refusedAckRecord(target, by, (err as Error).message, Date.now())]);
        throw err;
      }
      auditAck(ackAuditRecords(events, by));
      emit(events, send);
      return events;
    }

    function handle(msg: NodeMessage, send: SendFn, done: DoneFn): void {
      if (msg.ack !== undefined) {
        const by = typeof msg.ackedBy === 'string' && msg.ackedBy ? msg.ackedBy : 'unknown';
        try {
          acknowledge(msg.ack, by, send);
        } catch (err) {
          return done(err as Error);
        }
        return done();
      }
      if (msg.list === true) {
        send([null, { topic: 'alarms', payload: engine.activeList() }]);
        return done();
      }
      const samples = messageSamples(msg, Date.now());
      if (samples.length === 0) return done(new Error('no samples in the message: expected msg.tags (a scan), msg.tag, msg.payload with msg.topic, msg.ack or msg.list'));
      emit(engine.process(samples), send);
      done();
    }

    node.on('input', (msg: NodeMessage, send: SendFn, done: DoneFn) => {
      if (ready) handle(msg, send, done);
      else waiting.push([msg, send, done]);
    });

    // the operator API lists this node's alarms and acknowledges them the way msg.ack does
    const unregisterApi = apiDirectory().register('alarms', {
      id: node.id,
      name: def.name || node.id,
      activeList: () => engine.activeList(),
      acknowledge: (target, by) => {
        if (!ready) throw new Error('the alarm node is still loading its stored active list; try again');
        return acknowledge(target, by, (m) => node.send(m));
      },
    });

    node.on('close', (removed: boolean, done: () => void) => {
      closing = true;
      unregisterApi();
      clearInterval(timer);
      for (const [, , pending] of waiting.splice(0)) pending(new Error('the alarm node stopped before its stored active list was loaded; message not evaluated'));
      if (ready) persist();
      saving
        .then(() => store.close())
        .catch((err: Error) => node.error(`cannot close the alarm store: ${err.message}`))
        .finally(() => {
          if (removed) MemoryActiveListStore.forget(node.id);
          telemetry.close();
          done();
        });
    });
  }

  RED.nodes.registerType('edgegw-alarm', AlarmNode);
};
