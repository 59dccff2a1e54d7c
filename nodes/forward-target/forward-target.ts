// forward-target (config node): where a store-forward queue sends its messages. It validates the
// configuration at deploy and creates one Destination per store-forward node (its own connection,
// so each queue's acks and order stay its own). Types: mqtt, http, influxdb, postgres.
import type { NodeAPI, Node, NodeDef } from '../common/red';
import type { Destination } from '../../lib/forward/destination';
import { destinationFactory } from '../../lib/forward/create';
import { destinationSettings, targetAddress, type ForwardTargetNode } from './api';
import { textOf } from '../../lib/system/text/text-of';
import { migrateNodeConfig } from '../common/migrations';

export = function (RED: NodeAPI) {
  function ForwardTargetCtor(this: ForwardTargetNode, def: NodeDef) {
    RED.nodes.createNode(this, def);
    def = migrateNodeConfig(def);
    const node = this;
    const kind = textOf(def.kind || 'mqtt');
    let make: ((clientId: string) => Destination) | undefined;
    try {
      const factory = destinationFactory(kind, destinationSettings(kind, def, node.credentials ?? {}));
      node.describe = factory.describe;
      make = (clientId: string) => factory.create(clientId);
    } catch (err) {
      node.configError = `forward-target ${def.name || def.id}: ${(err as Error).message}`;
      node.describe = targetAddress(kind, def);
      node.error(node.configError);
    }
    node.destination = (clientId: string) => {
      if (!make) throw new Error(node.configError);
      return make(clientId);
    };
  }

  RED.nodes.registerType('edgegw-forward-target', ForwardTargetCtor as unknown as (this: Node, def: NodeDef) => void, {
    credentials: {
      user: { type: 'text' },
      password: { type: 'password' },
      key: { type: 'password' },
      bearerToken: { type: 'password' },
      token: { type: 'password' },
    },
  });
};
