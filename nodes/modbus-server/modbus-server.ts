// modbus-server: serves coils, discrete inputs, holding and input registers over Modbus TCP,
// RTU on a serial port or RTU over TCP (lib/modbus/server/server.ts). The flow sets values (raw or
// through a tag table); every write by a remote master comes out as a message.
import type { NodeAPI, Node, NodeDef, NodeMessage } from '../common/red';
import { reportFailure } from '../common/report-failure';
import { healthRegistry } from '../../lib/health/registry';
import { ModbusServer, type ServerStatus, type ServerWriteEvent } from '../../lib/modbus/server/server';
import { serverFieldsOf, serverOptionsFromSettings } from '../../lib/modbus/server/config';
import { ServerTagMap, applyFlowInput } from '../../lib/modbus/server/tags';
import { createRegisterStore, persistenceFromSettings, watchRegisterStore, type PersistenceSettings } from '../../lib/modbus/register-store/config';
import { MissingPackageError } from '../../lib/system/process/optional';
import { parseTagTable } from '../../lib/modbus/tag-table';
import type { TagSample } from '../../lib/tags/contract';
import { textOf } from '../../lib/system/text/text-of';
import { migrateNodeConfig } from '../common/migrations';
import { statusText, type StatusPart } from '../common/status-text';

interface ModbusServerNode extends Node {
  /** the running server (tests and the runtime's simulator reach it through here) */
  server?: ModbusServer;
}

export = function (RED: NodeAPI) {
  function ModbusServerNodeCtor(this: ModbusServerNode, def: NodeDef) {
    RED.nodes.createNode(this, def);
    def = migrateNodeConfig(def);
    const node = this;
    const label = `modbus-server ${def.name || def.id}`;

    let server: ModbusServer;
    /** the last save of the holding registers that failed, until one succeeds again */
    let saveError: string | undefined;
    let tags: ServerTagMap | undefined;
    let defaultUnit = 0;
    try {
      const opts = serverOptionsFromSettings(def);
      const baseDir = (RED.settings.userDir as string | undefined) ?? process.cwd();
      const persistence = persistenceFromSettings(def as PersistenceSettings, { baseDir, nodeId: node.id });
      if (persistence) {
        const chosen = createRegisterStore(persistence);
        opts.store = watchRegisterStore(chosen.store, (err) => {
          if ((err?.message ?? undefined) === saveError) return;
          saveError = err?.message;
          if (err) node.error(`${label}: holding registers not saved: ${err.message}`);
          showStatus(server.status());
        });
        opts.persistDelayMs = chosen.persistDelayMs;
      }
      server = new ModbusServer({ ...opts, name: def.name || undefined });
      const tagText = textOf(def.tags ?? '').trim();
      if (tagText) tags = new ServerTagMap(parseTagTable(tagText, { notation: serverFieldsOf(def).notation }), server.imageSizes());
      // remote masters may not write what the tag table marks read-only (exception 02)
      if (tags) server.protectFromRemoteWrites(tags.readOnlyRanges());
      const units = server.units();
      defaultUnit = units === 'any' ? 0 : units[0];
    } catch (err) {
      // a missing sqlite3 (optional, native) is not a mistake in the form: say what to install
      const missing = err instanceof MissingPackageError ? err.packageName : undefined;
      node.status({
        fill: 'red',
        shape: 'ring',
        text: missing ? statusText({ key: 'modbus-server.status.missingPackage', args: { package: missing } }) : statusText({ key: 'modbus-server.status.badConfig' }),
      });
      node.error(`${label}: ${missing ? 'persistence: ' : ''}${(err as Error).message}`);
      healthRegistry().report(node.id, 'modbus-server', 'down', { error: (err as Error).message }, node.name);
      node.on('input', (msg: NodeMessage, _send, done) => reportFailure(node, msg, done, new Error(`${label} is not running: ${(err as Error).message}`)));
      return;
    }
    node.server = server;
    const device = (def.name as string) || node.id;
    let closed = false;

    // why start() failed when the server itself has no error to tell (e.g. the register store would not load)
    let startError: string | undefined;
    const showStatus = (s: ServerStatus) => {
      if (closed) return;
      if (!s.serving) {
        const error = s.lastError ?? startError;
        node.status({ fill: 'red', shape: 'ring', text: error ? statusText({ key: 'modbus-server.status.error', args: { error } }) : statusText({ key: 'modbus-server.status.stopped' }) });
      } else {
        const where = server.address();
        const serving: StatusPart =
          'port' in where ? { key: 'modbus-server.status.listening', args: { port: where.port, clients: s.clients } } : { key: 'modbus-server.status.open', args: { path: where.path } };
        if (saveError) node.status({ fill: 'yellow', shape: 'dot', text: statusText(serving, { key: 'modbus-server.status.notSaved', args: { error: saveError } }) });
        else node.status({ fill: 'green', shape: 'dot', text: statusText(serving) });
      }
      // the detail is read live (server.status() at each /health and /metrics), so the request
      // and write counters are current, not those of the last connection change
      const extra = { ...(startError && !s.lastError ? { lastError: startError } : {}), ...(saveError ? { saveError } : {}) };
      healthRegistry().report(node.id, 'modbus-server', !s.serving ? 'down' : saveError ? 'degraded' : 'ok', () => ({ ...server.status(), ...extra, address: server.address() }), node.name);
    };
    server.on('status', showStatus);

    server.on('write', (w: ServerWriteEvent) => {
      if (closed) return;
      const msg: NodeMessage = { topic: `${device}/write`, payload: { unit: w.unit, area: w.area, address: w.address, values: w.values } };
      if (tags) {
        const values = tags.touched(server, w);
        const ts = Date.now();
        const samples: TagSample[] = Object.entries(values).map(([name, value]) => ({ device, name, value, quality: 'good', ts, source: `modbus-server:${w.unit}` }));
        if (samples.length) {
          msg.values = values;
          msg.tags = samples;
        }
      }
      node.send(msg);
    });

    node.status({ fill: 'yellow', shape: 'ring', text: statusText({ key: 'modbus-server.status.starting' }) });
    server.start().then(
      () => showStatus(server.status()),
      (err: Error) => {
        if (closed) return;
        startError = err.message;
        node.error(`${label}: ${err.message}`);
        showStatus(server.status());
      },
    );

    node.on('input', (msg: NodeMessage, _send, done) => {
      try {
        applyFlowInput(server, tags, msg, defaultUnit);
        done();
      } catch (err) {
        reportFailure(node, msg, done, err as Error);
      }
    });

    node.on('close', (_removed: boolean, done: () => void) => {
      closed = true;
      server.removeAllListeners('write');
      server.removeAllListeners('status');
      healthRegistry().remove(node.id);
      server.close().then(
        () => done(),
        (err: Error) => {
          node.error(`${label}: close: ${err.message}`);
          done();
        },
      );
    });
  }

  RED.nodes.registerType('edgegw-modbus-server', ModbusServerNodeCtor);
};
