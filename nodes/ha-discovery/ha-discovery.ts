// ha-discovery: turns scans and tag messages into retained Home Assistant MQTT discovery configs
// (lib/fleet/ha-discovery.ts): one message per entity, the first time a tag is seen and again
// when its unit or type changes. Wire it to an mqtt out (it sets retain and qos) or a queue.
import type { NodeAPI, Node, NodeDef, NodeMessage } from '../common/red';
import { HaDiscovery } from '../../lib/fleet/ha-discovery';
import { effectiveGatewayId } from '../../lib/fleet/gateway-id';
import { samplesOf } from '../../lib/tags/contract';
import { installShareReadOnly } from '../common/share-read-only';
import { migrateNodeConfig } from '../common/migrations';
import { LOOK, StatusDisplay } from '../common/node-status';
import { refuseConfig } from '../common/refuse-config';
import { readFields } from '../../lib/config/fields';
import { HA_DISCOVERY_FIELDS } from '../../lib/fleet/fields';

export = function (RED: NodeAPI) {
  installShareReadOnly(RED); // this node only reads its input: a message may be shared with it, not copied
  function HaDiscoveryNode(this: Node, def: NodeDef) {
    RED.nodes.createNode(this, def);
    def = migrateNodeConfig(def);
    const node = this;
    let discovery: HaDiscovery;
    try {
      const fields = readFields(HA_DISCOVERY_FIELDS, def);
      discovery = new HaDiscovery({ gatewayId: effectiveGatewayId(fields.gatewayId), discoveryPrefix: fields.prefix, warn: (m) => node.warn(m) });
    } catch (err) {
      return refuseConfig(node, {
        kind: 'ha-discovery',
        statusKey: 'ha-discovery.status.badConfig',
        message: `ha-discovery: ${(err as Error).message}`,
        inputError: `ha-discovery not running: ${(err as Error).message}`,
      });
    }
    const status = new StatusDisplay(node);
    let entities = 0;
    status.show(LOOK.waiting, 'ha-discovery.status.waiting');
    node.on('input', (msg: NodeMessage, send, done) => {
      if (msg.reset === true) {
        // Home Assistant lost its retained configs: send them all again with the next data
        discovery.reset();
        entities = 0;
        return done();
      }
      const samples = samplesOf(msg as { tags?: unknown; tag?: unknown });
      if (samples.length === 0) return done(new Error('ha-discovery: the message carries no tag samples (msg.tags of a scan, or msg.tag)'));
      const configs = discovery.configsFor(samples);
      if (configs.length > 0) {
        entities += configs.filter((c) => c.payload !== '').length;
        send([configs.map((c) => ({ topic: c.topic, payload: c.payload, retain: c.retain, qos: c.qos }))]);
        status.show(LOOK.ok, 'ha-discovery.status.sent', { count: entities });
      }
      done();
    });
    node.on('close', (_removed: boolean, done: () => void) => done());
  }
  RED.nodes.registerType('edgegw-ha-discovery', HaDiscoveryNode);
};
