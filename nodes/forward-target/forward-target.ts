// forward-target (config node): where a store-forward queue sends its messages. It validates the
// configuration at deploy and creates one Destination per store-forward node (its own connection,
// so each queue's acks and order stay its own). Types: mqtt (http, influxdb, postgres to come).
import type { NodeAPI, Node, NodeDef } from '../common/red';
import type { Destination } from '../../lib/forward/destination';
import { MqttDestination } from '../../lib/forward/mqtt';
import { TARGET_TYPES, mqttOptionsFromSettings, type ForwardTargetNode } from './api';

export = function (RED: NodeAPI) {
  function ForwardTargetCtor(this: ForwardTargetNode, def: NodeDef) {
    RED.nodes.createNode(this, def);
    const node = this;
    const kind = String(def.kind ?? 'mqtt');
    let make: ((clientId: string) => Destination) | undefined;
    try {
      if (kind !== 'mqtt') throw new Error(`type "${kind}" is not available (available: ${TARGET_TYPES.join(', ')})`);
      const opts = mqttOptionsFromSettings(def, node.credentials ?? {});
      const probe = new MqttDestination(opts); // validates every field now, connects nothing
      node.describe = probe.describe;
      const base = String(def.clientId ?? '').trim() || 'edgegw';
      make = (clientId: string) => new MqttDestination({ ...opts, clientId: `${base}-${clientId}`.slice(0, 64) });
    } catch (err) {
      node.configError = `forward-target ${def.name || def.id}: ${(err as Error).message}`;
      node.describe = String(def.url ?? kind);
      node.error(node.configError);
    }
    node.destination = (clientId: string) => {
      if (!make) throw new Error(node.configError);
      return make(clientId);
    };
  }

  RED.nodes.registerType('forward-target', ForwardTargetCtor as unknown as (this: Node, def: NodeDef) => void, {
    credentials: { user: { type: 'text' }, password: { type: 'password' }, key: { type: 'password' } },
  });
};
