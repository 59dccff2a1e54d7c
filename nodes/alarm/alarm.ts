// alarm: rules over tag values (lib/alarm); every alarm state change is one event on output 1,
// the active list on output 2 when asked (msg.list = true). msg.ack = <id> | "all" acknowledges.
// The active list persists (SQLite when installed), is in /metrics by severity, and makes /health
// degraded while a critical alarm is unacknowledged (configurable).
import { FILE_LIMITS, readBoundedText } from '../../lib/system/fs/bounded-read';
import { isAbsolute, join } from 'node:path';
import type { NodeAPI, Node, NodeDef, NodeMessage, SendFn, DoneFn } from '../common/red';
import { messageSamples } from '../common/message-samples';
import { parseRuleTable, SEVERITIES } from '../../lib/alarm/rules';
import { ALARM_FIELDS } from '../../lib/alarm/fields';
import { readFields, type FieldValues } from '../../lib/config/fields';
import { AlarmEngine, type AlarmEvent } from '../../lib/alarm/engine';
import { MemoryActiveListStore, SqliteActiveListStore, type ActiveListStore } from '../../lib/alarm/alarm-store';
import { loadOptional, MissingPackageError } from '../../lib/system/process/optional';
import { healthRegistry, type HealthState } from '../../lib/health/registry';
import { counter, gauge } from '../../lib/metrics/registry';
import { installShareReadOnly } from '../common/share-read-only';
import { migrateNodeConfig } from '../common/migrations';
import { statusText } from '../common/status-text';

const TICK_MS = 250;

interface AlarmDef extends NodeDef {
  rulesSource?: string;
  rules?: string;
  rulesFile?: string;
  cooldownSec?: string | number;
  persist?: string;
  dbFile?: string;
  healthOn?: string;
}

export = function (RED: NodeAPI) {
  installShareReadOnly(RED); // this node only reads its input: a message may be shared with it, not copied
  const activeGauge = gauge('edgegw_alarms_active', 'Alarms in the active list (active, acknowledged or cleared but unacknowledged), by severity', ['node', 'severity']);
  const unackedGauge = gauge('edgegw_alarms_unacknowledged', 'Alarms not yet acknowledged, by severity', ['node', 'severity']);
  const eventsTotal = counter('edgegw_alarm_events_total', 'Alarm state changes, by new state', ['node', 'state']);

  function AlarmNode(this: Node, def: AlarmDef) {
    RED.nodes.createNode(this, def);
    def = migrateNodeConfig(def);
    const node = this;
    const userDir: string = RED.settings.userDir ?? process.cwd();
    const under = (p: string) => (isAbsolute(p) ? p : join(userDir, p));
    let fields: FieldValues<typeof ALARM_FIELDS.fields>;
    let engine: AlarmEngine;
    let store: ActiveListStore = new MemoryActiveListStore(node.id);
    let memoryOnly = false; // no sqlite3: the state survives redeploys but not restarts
    try {
      fields = readFields(ALARM_FIELDS, def);
      let text: string;
      let origin = 'rules';
      if (fields.rulesSource === 'file') {
        const file = under(fields.rulesFile);
        origin = `rulesFile ${file}`;
        try {
          text = readBoundedText(file, { maxBytes: FILE_LIMITS.rules });
        } catch (err) {
          throw new Error(`rulesFile: ${(err as Error).message}`);
        }
      } else text = def.rules ?? '';
      try {
        engine = new AlarmEngine(parseRuleTable(text, fields.cooldownSec * 1000));
      } catch (err) {
        throw new Error(`${origin}: ${(err as Error).message}`);
      }
      if (fields.persist === 'sqlite') {
        try {
          loadOptional('sqlite3');
          store = new SqliteActiveListStore(under(fields.dbFile), node.id);
        } catch (err) {
          if (!(err instanceof MissingPackageError)) throw err;
          memoryOnly = true;
          node.warn(`${err.message}; the active list survives redeploys but not restarts`);
        }
      }
    } catch (err) {
      const message = (err as Error).message;
      node.status({ fill: 'red', shape: 'ring', text: statusText({ key: 'alarm.status.badConfig' }) });
      node.error(message);
      healthRegistry().report(node.id, 'alarm', 'down', { error: message }, node.name);
      node.on('input', (_msg: NodeMessage, _send: SendFn, done: DoneFn) => done(new Error(message)));
      node.on('close', (_removed: boolean, done: () => void) => {
        healthRegistry().remove(node.id);
        done();
      });
      return;
    }

    const healthOn = fields.healthOn;
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
      for (const s of SEVERITIES) {
        activeGauge.set({ node: node.id, severity: s }, counts[s].listed);
        unackedGauge.set({ node: node.id, severity: s }, counts[s].unacknowledged);
      }
      const list = engine.activeList();
      const criticalUnacked = list.filter((r) => r.severity === 'critical' && r.state === 'active').length;
      const criticalActive = list.filter((r) => r.severity === 'critical' && (r.state === 'active' || r.state === 'acknowledged')).length;
      const degraded = (healthOn === 'critical-unacknowledged' && criticalUnacked > 0) || (healthOn === 'critical-active' && criticalActive > 0) || !!saveError;
      const state: HealthState = degraded ? 'degraded' : 'ok';
      healthRegistry().report(node.id, 'alarm', state, { rules: engine.rules.length, listed: list.length, criticalUnacknowledged: criticalUnacked, criticalActive, error: saveError }, node.name);
      const unacked = list.filter((r) => r.state === 'active' || r.state === 'cleared-unacknowledged').length;
      const fill = list.some((r) => r.state === 'active' || r.state === 'acknowledged') ? 'red' : unacked ? 'yellow' : memoryOnly ? 'yellow' : 'green';
      node.status({ fill, shape: 'dot', text: statusText({ key: 'alarm.status.listed', args: { count: list.length, unacked } }, ...(memoryOnly ? [{ key: 'alarm.status.noSqlite' }] : [])) });
    }

    function emit(events: AlarmEvent[], send: SendFn): void {
      if (events.length === 0) return;
      for (const e of events) eventsTotal.inc({ node: node.id, state: e.state });
      send([events.map((e) => ({ topic: `alarm/${e.id}`, payload: e })), null]);
      persist();
      report();
    }

    let ready = false;
    // messages that arrive while the stored active list loads wait for it (evaluated in order)
    const waiting: Array<[NodeMessage, SendFn, DoneFn]> = [];
    let closing = false;
    node.status({ fill: 'grey', shape: 'ring', text: statusText({ key: 'alarm.status.restoring' }) });
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

    function handle(msg: NodeMessage, send: SendFn, done: DoneFn): void {
      if (msg.ack !== undefined) {
        const by = typeof msg.ackedBy === 'string' && msg.ackedBy ? msg.ackedBy : 'unknown';
        try {
          emit(engine.acknowledge(msg.ack, by), send);
        } catch (err) {
          done(err as Error);
          return;
        }
        done();
        return;
      }
      if (msg.list === true) {
        send([null, { topic: 'alarms', payload: engine.activeList() }]);
        done();
        return;
      }
      const samples = messageSamples(msg, Date.now());
      if (samples.length === 0) {
        done(new Error('no samples in the message: expected msg.tags (a scan), msg.tag, msg.payload with msg.topic, msg.ack or msg.list'));
        return;
      }
      emit(engine.process(samples), send);
      done();
    }

    node.on('input', (msg: NodeMessage, send: SendFn, done: DoneFn) => {
      if (ready) handle(msg, send, done);
      else waiting.push([msg, send, done]);
    });

    node.on('close', (removed: boolean, done: () => void) => {
      closing = true;
      clearInterval(timer);
      for (const [, , pending] of waiting.splice(0)) pending(new Error('the alarm node stopped before its stored active list was loaded; message not evaluated'));
      if (ready) persist();
      saving
        .then(() => store.close())
        .catch((err: Error) => node.error(`cannot close the alarm store: ${err.message}`))
        .finally(() => {
          if (removed) MemoryActiveListStore.forget(node.id);
          healthRegistry().remove(node.id);
          for (const s of SEVERITIES) {
            activeGauge.remove({ node: node.id, severity: s });
            unackedGauge.remove({ node: node.id, severity: s });
          }
          for (const state of ['active', 'acknowledged', 'cleared-unacknowledged', 'cleared']) eventsTotal.remove({ node: node.id, state });
          done();
        });
    });
  }

  RED.nodes.registerType('edgegw-alarm', AlarmNode);
};
