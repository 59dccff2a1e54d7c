// dbc-encode: msg.payload { signal: value } -> a CAN frame (the shape can-in emits and can-out
// takes), for the message configured or named by msg.topic.
import type { NodeAPI, Node, NodeDef, NodeMessage, SendFn, DoneFn } from '../common/red';
import { reportFailure } from '../common/report-failure';
import { framePayload, frameTopic } from '../../lib/can/frame';
import { countSignals, dbcErrorMessage, dbcErrorPart, dbcHealthDetail, loadDbc, registerDbcCheckRoute, type DbcConfig, type LoadedDbc } from '../dbc-decode/dbc-config';
import { migrateNodeConfig } from '../common/migrations';
import { LOOK, StatusDisplay } from '../common/node-status';
import { refuseConfig } from '../common/refuse-config';
import { TelemetryScope } from '../common/telemetry';
import { readFields, type FieldValues } from '../../lib/config/fields';
import { DBC_ENCODE_FIELDS } from '../../lib/can/fields';

/** A message given as a name, or as an id: a number, "0x1F0" or "496". */
function messageKey(v: unknown): string | number | undefined {
  if (typeof v === 'number' && Number.isInteger(v)) return v;
  if (typeof v !== 'string' || !v.trim()) return undefined;
  const s = v.trim();
  return /^(0x[0-9a-f]+|\d+)$/i.test(s) ? Number(s) : s;
}

export = function (RED: NodeAPI) {
  registerDbcCheckRoute(RED);

  function DbcEncodeNode(this: Node, def: NodeDef) {
    RED.nodes.createNode(this, def);
    def = migrateNodeConfig(def);
    const node = this;
    let loaded: LoadedDbc;
    try {
      loaded = loadDbc(def as DbcConfig, RED.settings.userDir ?? process.cwd());
    } catch (err) {
      const { key, args } = dbcErrorPart('dbc-encode', err);
      return refuseConfig(node, { kind: 'dbc-encode', statusKey: key, statusArgs: args, message: dbcErrorMessage(err as Error) });
    }
    let fields: FieldValues<typeof DBC_ENCODE_FIELDS.fields>;
    try {
      fields = readFields(DBC_ENCODE_FIELDS, def);
    } catch (err) {
      return refuseConfig(node, { kind: 'dbc-encode', statusKey: 'dbc-encode.status.badConfig', message: (err as Error).message });
    }
    const configured = messageKey(fields.message);
    if (configured !== undefined && !loaded.codec.message(configured)) {
      const message = `message: the DBC (${loaded.origin}) has no message ${JSON.stringify(def.message)}`;
      return refuseConfig(node, { kind: 'dbc-encode', statusKey: 'dbc-encode.status.badConfig', message });
    }
    const telemetry = new TelemetryScope(node, 'dbc-encode');
    telemetry.health('ok', dbcHealthDetail(loaded));
    node.on('close', (_removed: boolean, done: () => void) => {
      telemetry.close();
      done();
    });
    new StatusDisplay(node).show(LOOK.ok, 'dbc-encode.status.ready', { messages: loaded.db.messages.length, signals: countSignals(loaded.db) });

    node.on('input', (msg: NodeMessage, send: SendFn, done: DoneFn) => {
      const key = configured ?? messageKey(msg.topic);
      if (key === undefined) {
        reportFailure(node, msg, done, new Error('no CAN message to encode: configure one, or set msg.topic to a message name or id'));
        return;
      }
      if (msg.payload === null || typeof msg.payload !== 'object' || Array.isArray(msg.payload)) {
        reportFailure(node, msg, done, new Error(`msg.payload must be an object { signal: value }, got ${Array.isArray(msg.payload) ? 'an array' : typeof msg.payload}`));
        return;
      }
      const extended = typeof msg.extended === 'boolean' ? msg.extended : undefined;
      let frame;
      try {
        frame = loaded.codec.encode(key, msg.payload as Record<string, number | bigint | string>, extended);
      } catch (err) {
        reportFailure(node, msg, done, err as Error);
        return;
      }
      const message = loaded.codec.message(frame.id, frame.extended)!;
      msg.topic = frameTopic(frame);
      msg.payload = framePayload({ id: frame.id, extended: frame.extended, fd: message.fd || frame.data.length > 8, data: frame.data, ts: Date.now() / 1000 });
      msg.can = { id: frame.id, extended: frame.extended, message: message.name };
      send(msg);
      done();
    });
  }

  RED.nodes.registerType('edgegw-dbc-encode', DbcEncodeNode);
};
