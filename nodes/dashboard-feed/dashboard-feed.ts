// dashboard-feed: the data of the gateway's dashboard (Dashboard 2.0 ui-template widgets). The
// widgets' requests come in; each page's data goes out on its own output: the overview, the
// device page, the alarms, the controls' write results, the tag picker. The domain is
// lib/dashboard; this node wires it to Node-RED.
import type { NodeAPI, Node, NodeDef, NodeMessage } from '../common/red';
import { migrateNodeConfig } from '../common/migrations';
import { LOOK, StatusDisplay } from '../common/node-status';
import { refuseConfig } from '../common/refuse-config';
import { readFields } from '../../lib/config/fields';
import { apiDirectory } from '../../lib/api/directory';
import { DASHBOARD_FEED_FIELDS } from '../../lib/dashboard/fields';
import { DashboardFeed, FEED_OUTPUT, type FeedMessage, type FeedOutput } from '../../lib/dashboard/feed';
import { HostFigures } from '../../lib/dashboard/host-figures';

const OUTPUTS = Object.keys(FEED_OUTPUT).length;

export = function (RED: NodeAPI) {
  function DashboardFeedNode(this: Node, def: NodeDef) {
    RED.nodes.createNode(this, def);
    def = migrateNodeConfig(def);
    const node = this;
    let fields;
    try {
      fields = readFields(DASHBOARD_FEED_FIELDS, def);
    } catch (err) {
      return refuseConfig(node, { kind: 'dashboard-feed', statusKey: 'dashboard-feed.status.badConfig', message: (err as Error).message });
    }
    const status = new StatusDisplay(node);
    // the running system-tags node's figures, as the heartbeat reads them; measured here only
    // when none runs or a disk of the feed's own is named
    const host = new HostFigures({ diskPath: fields.diskPath || ((RED.settings.userDir as string | undefined) ?? process.cwd()), ownDisk: fields.diskPath !== '' });
    const send = (output: FeedOutput, msg: FeedMessage) => {
      const out: Array<NodeMessage | null> = new Array(OUTPUTS).fill(null);
      out[FEED_OUTPUT[output]] = msg as NodeMessage;
      node.send(out);
    };
    const feed = new DashboardFeed({
      directory: apiDirectory(),
      maxRate: fields.maxRate,
      overviewMs: fields.overviewS * 1000,
      historyMs: fields.historyMinutes * 60_000,
      send,
      hostFigures: () => host.read(),
      // more browsers than the feed follows: said once a minute, not per refused request
      warn: (message) => node.warn(message),
    });
    feed.start();
    status.show(LOOK.waiting, 'dashboard-feed.status.waiting');

    node.on('input', (msg: NodeMessage & { _client?: { socketId?: unknown } }, _send: unknown, done: (err?: Error) => void) => {
      const client = typeof msg._client?.socketId === 'string' ? msg._client.socketId : undefined;
      feed.request(String(msg.topic ?? ''), msg.payload, client).then(
        () => {
          status.show(LOOK.ok, 'dashboard-feed.status.clients', { count: feed.clientCount });
          done();
        },
        (err: Error) => done(err),
      );
    });
    node.on('close', (_removed: boolean, done: () => void) => {
      feed.close();
      host.close(); // an own sampler's event-loop delay monitor, one per deploy otherwise
      done();
    });
  }

  RED.nodes.registerType('edgegw-dashboard-feed', DashboardFeedNode);
};
