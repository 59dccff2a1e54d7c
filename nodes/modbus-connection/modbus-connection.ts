// modbus-connection (config): owns one Modbus line (lib/modbus/line/line.ts) shared by the client
// nodes that use it, the way mqtt-broker owns a broker connection. The line connects at its
// first request, so a connection node nobody uses holds no serial port or device connection.
// Reports /health per line and per unit; the line itself keeps the Prometheus metrics.
import type { NodeAPI, NodeDef, NodeStatus } from '../common/red';
import { healthRegistry } from '../../lib/health/registry';
import { createModbusLine } from '../../lib/modbus/line/line';
import { lineHealth, lineOptionsFromSettings, lineStatus, unitHealth, type LineSettings, type LineStatus } from '../../lib/modbus/line/status';
import type { LineState } from '../../lib/modbus/line/types';
import { transportText } from '../../lib/modbus/transport/types';
import type { ModbusConnectionNode, RegisterOptions } from './api';
import { migrateNodeConfig } from '../common/migrations';
import { keyedStatus, LOOK } from '../common/node-status';
import { TelemetryScope } from '../common/telemetry';
import { announceMissingNativeParts } from '../common/native-parts-notice';
import { claimPortFor, resolveSerialPort } from '../serial-port/api';
import type { SerialPortClaim } from '../../lib/serial/claims';

const LINE_STATUS: Record<LineStatus['key'], string> = {
  connected: 'modbus-connection.status.connected',
  connecting: 'modbus-connection.status.connecting',
  reconnecting: 'modbus-connection.status.reconnecting',
  breakerOpen: 'modbus-connection.status.breakerOpen',
  suspended: 'modbus-connection.status.suspended',
  closed: 'modbus-connection.status.closed',
};

export = function (RED: NodeAPI) {
  announceMissingNativeParts(RED); // once per process: the native parts that did not load, and the fix
  function ModbusConnection(this: ModbusConnectionNode, def: NodeDef) {
    RED.nodes.createNode(this, def);
    def = migrateNodeConfig(def);
    const node = this;
    const clients = new Map<string, { client: import('../common/red').Node; opts: RegisterOptions }>();
    // the line's own entry; its units' entries (one id each) are kept beside it
    const telemetry = new TelemetryScope(node, 'modbus-connection');
    const reportedUnits = new Set<string>();
    let closed = false;

    node.line = undefined;
    let claim: SerialPortClaim | undefined;
    try {
      // a chosen serial-port config node wins over the inline serial fields
      if (def.transport === 'rtu' || def.transport === 'ascii') def = resolveSerialPort(RED, def, { path: 'path', baudRate: 'baudRate', parity: 'parity', dataBits: 'dataBits', stopBits: 'stopBits' });
      const options = lineOptionsFromSettings({ ...(def as LineSettings), name: def.name || node.id });
      if (options.transport.kind === 'rtu' || options.transport.kind === 'ascii') claim = claimPortFor(node, 'modbus-connection', options.transport.path);
      node.line = createModbusLine(options);
      node.address = transportText(options.transport);
    } catch (err) {
      claim?.release();
      claim = undefined;
      // a config node has no status or input of its own: its clients refuse, naming this error
      node.configError = (err as Error).message;
      node.error(`${RED._('modbus-connection.errors.badConfig')}: ${node.configError}`);
      telemetry.health('down', { error: node.configError });
    }

    const toStatus = (state: LineState | undefined, unit?: number): NodeStatus => {
      if (!state) return keyedStatus(LOOK.refused, 'modbus-connection.status.badConfig');
      const s = lineStatus(state, unit);
      return keyedStatus(s, LINE_STATUS[s.key], s.subs);
    };

    node.statusText = (unit?: number) => toStatus(node.line?.state(), unit);

    // an unused connection (no client registered) opens nothing and reports nothing
    const report = (state: LineState) => {
      if (closed || clients.size === 0) return;
      const health = healthRegistry();
      telemetry.health(lineHealth(state), {
        line: state.name,
        connection: state.connection,
        retryInMs: state.retryInMs,
        lastError: state.lastError,
        inFlight: state.inFlight,
        pipelining: state.pipelining?.text,
      });
      for (const [unitText, u] of Object.entries(state.units)) {
        const id = `${node.id}/unit/${unitText}`;
        reportedUnits.add(id);
        health.report(id, 'modbus-unit', unitHealth(u), { line: state.name, unit: Number(unitText), ...u }, `${node.name || state.name} unit ${unitText}`);
      }
    };

    // maxInFlight auto: what the line measured and chose on each connection, once in the log
    let pipeliningSaid: string | undefined;
    const onState = (state: LineState) => {
      const choice = state.pipelining;
      if (choice && choice.mode !== 'measuring' && choice.text !== pipeliningSaid) node.log((pipeliningSaid = choice.text));
      report(state);
      for (const { client, opts } of clients.values()) if (opts.status) client.status(toStatus(state, opts.unit));
    };

    // counters move without state changes: refresh /health now and then
    let refresh: NodeJS.Timeout | undefined;
    if (node.line) {
      const line = node.line;
      line.on('state', onState);
      refresh = setInterval(() => report(line.state()), 5000);
    }

    node.register = (client, opts = {}) => {
      clients.set(client.id, { client, opts });
      if (opts.status) client.status(node.statusText(opts.unit));
      if (node.line) report(node.line.state());
    };

    node.deregister = (client, done) => {
      clients.delete(client.id);
      done?.();
    };

    node.on('close', (_removed: boolean, done: () => void) => {
      closed = true;
      clearInterval(refresh);
      clients.clear();
      telemetry.close();
      for (const id of reportedUnits) healthRegistry().remove(id);
      const line = node.line;
      if (!line) {
        claim?.release();
        done();
        return;
      }
      line.off('state', onState);
      // the port is given back once it is closed, so a redeployed node opens it afresh
      line
        .close()
        .catch((err: Error) => node.error(`close: ${err.message}`))
        .finally(() => {
          claim?.release();
          done();
        });
    });
  }

  RED.nodes.registerType('edgegw-modbus-connection', ModbusConnection as unknown as (this: import('../common/red').Node, def: NodeDef) => void);
};
