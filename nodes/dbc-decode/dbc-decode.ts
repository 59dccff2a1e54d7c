// dbc-decode: CAN frames in (one, or a batch from can-in), signals out: one message per CAN
// message, one per signal, or one scan per input batch; frames the DBC does not know are dropped
// or passed to output 2.
import type { NodeAPI, Node, NodeDef, NodeMessage, SendFn, DoneFn } from '../common/red';
import { reportFailure } from '../common/report-failure';
import { countSignals, dbcErrorMessage, dbcErrorPart, dbcHealthDetail, loadDbc, registerDbcCheckRoute, type DbcConfig, type LoadedDbc } from './dbc-config';
import { DecodedMessages, type FrameLike } from './decoded-messages';
import { CanScanDecoder, toDecodableFrame } from '../../lib/can/decoded-scan';
import type { TagSample } from '../../lib/tags/contract';
import { LogThrottle } from '../../lib/system/process/log-throttle';
import { tagStoreNode } from '../tag-store/api';
import { readFields, type FieldValues } from '../../lib/config/fields';
import { DBC_DECODE_FIELDS } from '../../lib/can/fields';
import { migrateNodeConfig } from '../common/migrations';
import { LOOK, StatusDisplay } from '../common/node-status';
import { refuseConfig } from '../common/refuse-config';
import type { StatusArgs } from '../common/status-text';
import { TelemetryScope } from '../common/telemetry';

export = function (RED: NodeAPI) {
  registerDbcCheckRoute(RED);

  function DbcDecodeNode(this: Node, def: NodeDef) {
    RED.nodes.createNode(this, def);
    def = migrateNodeConfig(def);
    const node = this;
    const refuse = (statusKey: string, message: string, statusArgs?: StatusArgs) => refuseConfig(node, { kind: 'dbc-decode', statusKey, statusArgs, message });

    let loaded: LoadedDbc;
    let fields: FieldValues<typeof DBC_DECODE_FIELDS.fields>;
    try {
      loaded = loadDbc(def as DbcConfig, RED.settings.userDir ?? process.cwd());
    } catch (err) {
      const { key, args } = dbcErrorPart('dbc-decode', err);
      return refuse(key, dbcErrorMessage(err as Error), args);
    }
    try {
      fields = readFields(DBC_DECODE_FIELDS, def);
    } catch (err) {
      return refuse('dbc-decode.status.badConfig', (err as Error).message);
    }
    const storeId = typeof def.store === 'string' && def.store ? def.store : undefined;
    const store = tagStoreNode((id) => RED.nodes.getNode(id), storeId);
    if (storeId && !store) return refuse('dbc-decode.status.badConfig', `store: tag-store ${storeId} not found`);

    const { output, labels, exact, device } = fields;
    const passUnknown = fields.unknown === 'pass';
    const telemetry = new TelemetryScope(node, 'dbc-decode');
    telemetry.health('ok', dbcHealthDetail(loaded));
    if (loaded.warnings.length) {
      node.log(`${loaded.origin}: ${loaded.warnings.length} DBC warnings, first: line ${loaded.warnings[0].line}: ${loaded.warnings[0].message}`);
    }
    // one store write per input (a frame or a whole batch); refusals logged, a flood only summarised
    const storeWarnings = new LogThrottle((text) => node.warn(text), 'store warnings');
    node.on('close', (_removed: boolean, done: () => void) => {
      storeWarnings.close();
      telemetry.close();
      done();
    });
    const toStore = (samples: readonly TagSample[]) => {
      if (!store || samples.length === 0) return;
      const w = store.write(samples);
      if (w.errors) storeWarnings.log(`store: ${w.errors[0]}`);
    };
    new StatusDisplay(node).show(LOOK.ok, 'dbc-decode.status.ready', { messages: loaded.db.messages.length, signals: countSignals(loaded.db) });

    const invalidFrame = (batch: boolean, i: number, err: unknown) => new Error(`${batch ? `msg.payload[${i}]` : 'msg.payload'} is not a CAN frame: ${(err as Error).message}`);
    const finish = (msg: NodeMessage, done: DoneFn, firstBad: Error | undefined, bad: number) => {
      if (firstBad) reportFailure(node, msg, done, bad > 1 ? new Error(`${firstBad.message} (and ${bad - 1} more invalid frames in this batch)`) : firstBad);
      else done();
    };

    if (output === 'batch') {
      const scans = new CanScanDecoder(loaded.codec, { device, labels, exact });
      node.on('input', (msg: NodeMessage, send: SendFn, done: DoneFn) => {
        const batch = Array.isArray(msg.payload);
        const topic = msg.topic;
        const { scan, unknown, firstInvalid } = scans.decodeBatch(batch ? (msg.payload as unknown[]) : [msg.payload], passUnknown);
        const { frames } = scan;
        // A batch always answers with one scan, empty or not, so msg.frames accounts for every
        // batch; a lone frame the DBC does not know is only an unknown frame, as in the other modes
        // (so the input msg is never both the scan and the unknown output).
        if (frames.decoded > 0 || (batch && frames.invalid < frames.count)) {
          if (device) msg.topic = device;
          msg.payload = scan.payload;
          msg.tags = scan.tags;
          msg.units = scan.units;
          if (scan.labels) msg.labels = scan.labels;
          msg.frames = frames;
          toStore(scan.tags);
          send(passUnknown ? [msg, null] : msg);
        }
        if (unknown.length) send([null, batch ? { topic, payload: unknown } : msg]);
        finish(msg, done, firstInvalid && invalidFrame(batch, firstInvalid.index, firstInvalid.error), frames.invalid);
      });
      return;
    }

    const decoder = new DecodedMessages(loaded.codec, { output, labels, device, exact });
    node.on('input', (msg: NodeMessage, send: SendFn, done: DoneFn) => {
      const batch = Array.isArray(msg.payload);
      const items: unknown[] = batch ? (msg.payload as unknown[]) : [msg.payload];
      const unknown: unknown[] = [];
      let firstBad: Error | undefined;
      let bad = 0;
      const stored: TagSample[] | undefined = store ? [] : undefined;
      for (let i = 0; i < items.length; i++) {
        let frame: FrameLike;
        try {
          frame = toDecodableFrame(items[i]);
        } catch (err) {
          bad++;
          firstBad ??= invalidFrame(batch, i, err);
          continue;
        }
        // A remote frame asks for data and carries none: nothing to decode.
        const out = frame.rtr ? undefined : decoder.messages(frame, stored);
        if (!out) {
          if (passUnknown) unknown.push(items[i]);
          continue;
        }
        // One send per message: Node-RED deep-copies every message after the first of a send call.
        for (let k = 0; k < out.length; k++) {
          const m = !batch && output === 'message' && out.length === 1 ? Object.assign(msg, out[0]) : out[k];
          send(passUnknown ? [m, null] : m);
        }
      }
      if (stored) toStore(stored);
      if (unknown.length) {
        const u = batch ? { topic: msg.topic, payload: unknown } : msg;
        send([null, u]);
      }
      finish(msg, done, firstBad, bad);
    });
  }

  RED.nodes.registerType('edgegw-dbc-decode', DbcDecodeNode);
};
