// tag-store-in: writes whatever tag messages are wired into it into a tag-store, sets user tags
// (msg.topic "user/<name>" or "<name>", msg.payload the value) and answers reads (msg.read:
// a "<device>/<tag>" prefix). Scans pass on unchanged, so it can sit in the middle of a flow.
import type { NodeAPI, Node, NodeDef, NodeMessage, SendFn, DoneFn } from '../common/red';
import { samplesOf, tagMessage, tagTopic, type TagValue } from '../../lib/tags/contract';
import { TagValueError } from '../../lib/tags/store-config';
import { STATS_EVENT, tagStoreNode, type TagStoreNode } from '../tag-store/api';
import { migrateNodeConfig } from '../common/migrations';
import { LOOK, StatusDisplay } from '../common/node-status';
import { refuseConfig } from '../common/refuse-config';

export = function (RED: NodeAPI) {
  function TagStoreInNode(this: Node, def: NodeDef) {
    RED.nodes.createNode(this, def);
    def = migrateNodeConfig(def);
    const node = this;
    const store = tagStoreNode((id) => RED.nodes.getNode(id), def.store);
    if (!store) return refuseConfig(node, { kind: 'tag-store-in', statusKey: 'tag-store-in.status.noStore', message: 'store: no tag-store configured' });

    const status = new StatusDisplay(node);
    const showStats = (stats: ReturnType<TagStoreNode['stats']>) => {
      if (stats.configError) return status.show(LOOK.refused, 'tag-store-in.status.badStore');
      const where = stats.sqliteMissing ? 'tag-store-in.status.memoryOnly' : stats.persistence === 'sqlite' ? 'tag-store-in.status.sqlite' : 'tag-store-in.status.memory';
      const look = stats.sqliteMissing || stats.persistenceError ? LOOK.warning : LOOK.ok;
      status.showParts(look, { key: 'tag-store-in.status.tags', args: { count: stats.tags, stale: stats.byQuality.stale } }, { key: where });
    };
    showStats(store.stats());
    store.on(STATS_EVENT, showStats);
    node.on('close', (_removed: boolean, done: () => void) => {
      store.removeListener(STATS_EVENT, showStats);
      done();
    });
    const actor = `flow:${node.z ?? ''}/node:${node.id}`;

    node.on('input', (msg: NodeMessage, send: SendFn, done: DoneFn) => {
      if (typeof msg.read === 'string') {
        const tags = msg.read.includes('/') || msg.read === '' ? store.readPrefix(msg.read) : store.readDevice(msg.read);
        const payload: Record<string, TagValue> = {};
        for (const t of tags) payload[tagTopic(t.device, t.name)] = t.value;
        msg.payload = payload;
        msg.tags = tags;
        send(msg);
        return done();
      }
      const samples = samplesOf(msg as { tags?: unknown; tag?: unknown });
      if (samples.length) {
        const result = store.write(samples);
        send(msg);
        if (result.errors) {
          const more = result.errors.length > 1 ? ` (and ${result.errors.length - 1} more)` : '';
          return done(new Error(`${result.errors[0]}${more}; ${result.written} samples stored`));
        }
        return done();
      }
      if (typeof msg.topic === 'string' && msg.topic && msg.payload !== undefined) {
        const prefix = `${store.userDevice}/`;
        const name = msg.topic.startsWith(prefix) ? msg.topic.slice(prefix.length) : msg.topic;
        try {
          const sample = store.setUserTag(name, msg.payload, actor);
          send(Object.assign(msg, tagMessage(sample)));
          return done();
        } catch (err) {
          if (err instanceof TagValueError) return done(err);
          return done(new Error(`user tag ${name}: ${(err as Error).message}`));
        }
      }
      done(new Error('msg carries no tag samples (msg.tags or msg.tag), no user tag to set (msg.topic "user/<name>" with msg.payload) and no msg.read'));
    });
  }

  RED.nodes.registerType('edgegw-tag-store-in', TagStoreInNode);
};
