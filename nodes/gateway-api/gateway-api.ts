// gateway-api (config node): serves the operator API (lib/api) under Node-RED's httpNodeRoot at
// its base path. The tag stores, devices, alarms, queues and historians it answers about are the
// ones the nodes of the flows offer in the API directory; nothing is wired to it.
import type { NodeAPI, Node, NodeDef } from '../common/red';
import { readFields } from '../../lib/config/fields';
import { createApiRouter } from '../../lib/api';
import { corsOriginList, GATEWAY_API_FIELDS } from '../../lib/api/fields';
import { migrateNodeConfig } from '../common/migrations';
import { TelemetryScope } from '../common/telemetry';
import { registerApiBasePath } from '../../lib/api/auth/base-paths';
import { apiGuardOf } from './guard';
import { httpNodeOf, mountRouter } from './mount';
import { attachWebSocket, type AttachedWebSocket } from '../../lib/api/stream';
import type { Server } from 'node:http';

export = function (RED: NodeAPI) {
  function GatewayApiNode(this: Node, def: NodeDef) {
    RED.nodes.createNode(this, def);
    def = migrateNodeConfig(def);
    const node = this;
    const telemetry = new TelemetryScope(node, 'gateway-api');
    let release: (() => void) | undefined;
    let releasePath: (() => void) | undefined;
    let guard: ReturnType<typeof apiGuardOf> | undefined;
    let webSocket: AttachedWebSocket | undefined;
    try {
      const fields = readFields(GATEWAY_API_FIELDS, def);
      const app = httpNodeOf(RED);
      if (!app) throw new Error("Node-RED's httpNode is not available (httpNodeRoot: false in the settings?): the API cannot be served");
      guard = apiGuardOf(RED);
      const router = createApiRouter({ guard, basePath: fields.basePath, corsOrigins: corsOriginList(fields.corsOrigins), bodyLimit: fields.bodyLimitKb * 1024 });
      release = mountRouter(app, fields.basePath, node.id, router);
      // the flows' HTTP login (when editor users exist) lets the API's paths through to its own guard
      releasePath = registerApiBasePath(fields.basePath);
      // the live stream over WebSocket: the upgrade sees the whole path, httpNodeRoot included
      const server = (RED as NodeAPI & { server?: Server }).server;
      if (server) {
        const root = String(RED.settings.httpNodeRoot ?? '/').replace(/\/$/, '');
        webSocket = attachWebSocket(server, `${root}${fields.basePath}/stream`, { guard });
      }
      telemetry.health('ok', { basePath: fields.basePath, routes: router.served().length });
    } catch (err) {
      guard?.close();
      guard = undefined;
      const message = `gateway-api ${def.name || def.id}: ${(err as Error).message}`;
      node.error(message);
      telemetry.health('down', { error: message });
    }
    node.on('close', (_removed: boolean, done: () => void) => {
      webSocket?.close();
      release?.();
      releasePath?.();
      guard?.close();
      telemetry.close();
      done();
    });
  }

  RED.nodes.registerType('edgegw-gateway-api', GatewayApiNode);
};
