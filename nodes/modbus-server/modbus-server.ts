// modbus-server: serves coils, discrete inputs, holding and input registers over Modbus TCP,
// RTU on a serial port or RTU over TCP (lib/modbus/server.ts). The flow sets values (raw or
// through a tag table); every write by a remote master comes out as a message.
import { isAbsolute, join } from 'node:path';
import type { NodeAPI, Node, NodeDef, NodeMessage } from '../common/red';
import { healthRegistry } from '../../lib/health/registry';
import { ModbusServer, type ServerStatus, type ServerWriteEvent } from '../../lib/modbus/server';
import { serverOptionsFromSettings, type ServerSettings } from '../../lib/modbus/server-config';
import { ServerTagMap, applyFlowInput } from '../../lib/modbus/server-tags';
import { JsonFileRegisterStore } from '../../lib/modbus/register-store';
import { parseTagTable } from '../../lib/modbus/tag-table';
import type { TagSample } from '../../lib/tags/contract';

interface ModbusServerNode extends Node {
  /** the running server (tests and the runtime's simulator reach it through here) */
  server?: ModbusServer;
}

export = function (RED: NodeAPI) {
  function ModbusServerNodeCtor(this: ModbusServerNode, def: NodeDef) {
    RED.nodes.createNode(this, def);
    const node = this;
    const label = `modbus-server ${def.name || def.id}`;

    let server: ModbusServer;
    let tags: ServerTagMap | undefined;
    let defaultUnit = 0;
    try {
      const opts = serverOptionsFromSettings(def as ServerSettings);
      if (def.persist === true || def.persist === 'true') {
        const file = String(def.persistFile || '').trim() || `modbus-server-${node.id}.json`;
        const base = (RED.settings.userDir as string | undefined) ?? process.cwd();
        opts.store = new JsonFileRegisterStore(isAbsolute(file) ? file : join(base, file));
      }
      server = new ModbusServer({ ...opts, name: (def.name as string) || undefined });
      const tagText = String(def.tags ?? '').trim();
      if (tagText) tags = new ServerTagMap(parseTagTable(tagText, { notation: (def.notation as 'zero' | 'one' | 'modicon') || 'zero' }), server.imageSizes());
      const units = server.units();
      defaultUnit = units === 'any' ? 0 : units[0];
    } catch (err) {
      node.status({ fill: 'red', shape: 'ring', text: RED._('modbus-server.status.badConfig') });
      node.error(`${label}: ${(err as Error).message}`);
      healthRegistry().report(node.id, 'modbus-server', 'down', { error: (err as Error).message }, node.name);
      node.on('input', (_msg: NodeMessage, _send, done) => done(new Error(`${label} is not running: ${(err as Error).message}`)));
      return;
    }
    node.server = server;
    const device = (def.name as string) || node.id;
    let closed = false;

    const showStatus = (s: ServerStatus) => {
      if (closed) return;
      if (!s.serving) {
        node.status({ fill: 'red', shape: 'ring', text: s.lastError ? RED._('modbus-server.status.error', { error: shorten(s.lastError) }) : RED._('modbus-server.status.stopped') });
      } else {
        const where = server.address();
        const text = 'port' in where ? RED._('modbus-server.status.listening', { port: where.port, clients: s.clients }) : RED._('modbus-server.status.open', { path: where.path });
        node.status({ fill: 'green', shape: 'dot', text });
      }
      healthRegistry().report(node.id, 'modbus-server', s.serving ? 'ok' : 'down', { ...s, address: server.address() }, node.name);
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

    node.status({ fill: 'yellow', shape: 'ring', text: RED._('modbus-server.status.starting') });
    server.start().then(
      () => showStatus(server.status()),
      (err: Error) => {
        if (closed) return;
        node.error(`${label}: ${err.message}`);
        showStatus(server.status());
      },
    );

    node.on('input', (msg: NodeMessage, _send, done) => {
      try {
        applyFlowInput(server, tags, msg, defaultUnit);
        done();
      } catch (err) {
        done(err as Error);
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

  RED.nodes.registerType('modbus-server', ModbusServerNodeCtor as unknown as (this: Node, def: NodeDef) => void);
};

function shorten(s: string): string {
  return s.length > 60 ? s.slice(0, 57) + '...' : s;
}
