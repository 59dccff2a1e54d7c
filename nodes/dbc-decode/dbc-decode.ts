// dbc-decode: CAN frames in (one, or a batch from can-in), signals out: one message per CAN
// message or one per signal; frames the DBC does not know are dropped or passed to output 2.
import type { NodeAPI, Node, NodeDef, NodeMessage, SendFn, DoneFn } from '../common/red';
import { toCanFrame } from '../../lib/can/frame';
import { countSignals, dbcErrorMessage, dbcErrorStatus, loadDbc, registerDbcCheckRoute, reportDbcHealth, type DbcConfig, type LoadedDbc } from './dbc-config';
import { DecodedMessages, type FrameLike } from './decoded-messages';

/** A frame as can-in emits it is used as is; anything else goes through toCanFrame's checks. */
function asFrame(item: unknown): FrameLike & { rtr?: boolean } {
  const o = item as { id?: unknown; extended?: unknown; data?: unknown; ts?: unknown; rtr?: unknown };
  if (o && typeof o === 'object' && typeof o.id === 'number' && typeof o.extended === 'boolean' && o.data instanceof Uint8Array) {
    return { id: o.id, extended: o.extended, data: o.data, ts: typeof o.ts === 'number' ? o.ts : undefined, rtr: o.rtr === true };
  }
  return toCanFrame(item);
}

export = function (RED: NodeAPI) {
  registerDbcCheckRoute(RED);

  function DbcDecodeNode(this: Node, def: NodeDef) {
    RED.nodes.createNode(this, def);
    const node = this;
    const passUnknown = def.unknown === 'pass';

    let loaded: LoadedDbc | undefined;
    let loadError: Error | undefined;
    try {
      loaded = loadDbc(def as DbcConfig, RED.settings.userDir ?? process.cwd());
    } catch (err) {
      loadError = err as Error;
    }
    const output = def.output === 'signal' ? 'signal' : def.output === undefined || def.output === 'message' ? 'message' : undefined;

    if (!loaded || !output) {
      const message = loadError ? dbcErrorMessage(loadError) : `output: "${String(def.output)}" is not "message" or "signal"`;
      node.status(loadError ? dbcErrorStatus(RED, 'dbc-decode', loadError) : { fill: 'red', shape: 'ring', text: RED._('dbc-decode.status.badConfig') });
      node.error(message);
      reportDbcHealth(node, 'dbc-decode', undefined, message);
      node.on('input', (_msg: NodeMessage, _send: SendFn, done: DoneFn) => done(new Error(message)));
      return;
    }
    reportDbcHealth(node, 'dbc-decode', loaded);
    if (loaded.warnings.length) {
      node.log(`${loaded.origin}: ${loaded.warnings.length} DBC warnings, first: line ${loaded.warnings[0].line}: ${loaded.warnings[0].message}`);
    }
    const decoder = new DecodedMessages(loaded.codec, { output, labels: Boolean(def.labels), device: String(def.device ?? '').trim() });
    node.status({ fill: 'green', shape: 'dot', text: `${RED._('dbc-decode.status.ready')}: ${loaded.db.messages.length}/${countSignals(loaded.db)}` });

    node.on('input', (msg: NodeMessage, send: SendFn, done: DoneFn) => {
      const batch = Array.isArray(msg.payload);
      const items: unknown[] = batch ? (msg.payload as unknown[]) : [msg.payload];
      const unknown: unknown[] = [];
      let firstBad: Error | undefined;
      let bad = 0;
      for (let i = 0; i < items.length; i++) {
        let frame: FrameLike & { rtr?: boolean };
        try {
          frame = asFrame(items[i]);
        } catch (err) {
          bad++;
          firstBad ??= new Error(`${batch ? `msg.payload[${i}]` : 'msg.payload'} is not a CAN frame: ${(err as Error).message}`);
          continue;
        }
        // A remote frame asks for data and carries none: nothing to decode.
        const out = frame.rtr ? undefined : decoder.messages(frame);
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
      if (unknown.length) {
        const u = batch ? { topic: msg.topic, payload: unknown } : msg;
        send([null, u]);
      }
      if (firstBad) done(bad > 1 ? new Error(`${firstBad.message} (and ${bad - 1} more invalid frames in this batch)`) : firstBad);
      else done();
    });
  }

  RED.nodes.registerType('dbc-decode', DbcDecodeNode);
};
