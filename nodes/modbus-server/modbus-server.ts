// modbus-server: serves coils, discrete inputs, holding and input registers over Modbus TCP,
// RTU on a serial port or RTU over TCP (lib/modbus/server/server.ts). The flow sets values (raw or
// through a tag table); every write by a remote master comes out as a message.
import type { NodeAPI, Node, NodeDef, NodeMessage } from '../common/red';
import { reportFailure } from '../common/report-failure';
import type { ModbusServer, ServerStatus, ServerWriteEvent } from '../../lib/modbus/server/server';
import { createServerFromSettings, type ServedImage } from '../../lib/modbus/server/config';
import type { ServerProblem } from '../../lib/modbus/server/problem';
import { applyFlowInput, remoteWriteMessage, restoredMessage } from '../../lib/modbus/server/tags';
import { MissingPackageError } from '../../lib/system/process/optional';
import { migrateNodeConfig } from '../common/migrations';
import { LOOK, StatusDisplay } from '../common/node-status';
import { refuseConfig } from '../common/refuse-config';
import type { StatusPart } from '../common/status-text';
import { TelemetryScope } from '../common/telemetry';
import { counter, gauge } from '../../lib/metrics/registry';
import { announceMissingNativeParts } from '../common/native-parts-notice';
import { claimPortFor } from '../serial-port/api';
import type { SerialPortClaim } from '../../lib/serial/claims';

interface ModbusServerNode extends Node {
  /** the running server (tests and the runtime's simulator reach it through here) */
  server?: ModbusServer;
}

function problemPart(p: ServerProblem): StatusPart {
  return p.args ? { key: `modbus-server.status.problem.${p.code}`, args: p.args } : { key: `modbus-server.status.problem.${p.code}` };
}

/** The status parts for a server's state: where it serves (and a failed save beside it), or why it does not. */
function statusParts(server: ModbusServer, s: ServerStatus, saveFailed: boolean): StatusPart[] {
  if (!s.serving) return s.problem ? [{ key: 'modbus-server.status.error' }, problemPart(s.problem)] : [{ key: 'modbus-server.status.stopped' }];
  const where = server.address();
  const serving: StatusPart =
    'port' in where ? { key: 'modbus-server.status.listening', args: { port: where.port, clients: s.clients } } : { key: 'modbus-server.status.open', args: { path: where.path } };
  return saveFailed ? [serving, { key: 'modbus-server.status.notSaved' }] : [serving];
}

/** The running servers by node id: their counters are read when /metrics is scraped. */
const live = new Map<string, () => ServerStatus>();

/** Each figure of a server's status as a metric of its own: counts as counters, levels as gauges. */
const COUNTS: Array<[keyof ServerStatus, string, string]> = [
  ['requests', 'edgegw_modbus_server_requests_total', 'requests a modbus-server answered (exceptions included)'],
  ['exceptions', 'edgegw_modbus_server_exceptions_total', 'requests a modbus-server answered with a Modbus exception'],
  ['writes', 'edgegw_modbus_server_writes_total', 'writes by remote masters to a modbus-server'],
  ['dropped', 'edgegw_modbus_server_dropped_total', 'RTU frames dropped (bad CRC, junk) and TCP clients dropped for sending what is not Modbus'],
  ['refused', 'edgegw_modbus_server_connections_refused_total', 'TCP connections refused because maxConnections were open'],
  ['idleClosed', 'edgegw_modbus_server_idle_closed_total', 'TCP clients closed after the idle timeout'],
  ['overflowClosed', 'edgegw_modbus_server_overflow_closed_total', 'TCP clients closed for holding too much unanswered input or untaken output'],
];
const LEVELS: Array<[keyof ServerStatus, string, string]> = [
  ['clients', 'edgegw_modbus_server_clients', 'clients connected to a modbus-server'],
  ['bufferedOut', 'edgegw_modbus_server_buffered_out_bytes', 'bytes of answers written to clients and not yet taken by them'],
];

function registerServerMetrics(): void {
  for (const [figure, name, help] of COUNTS) {
    counter(name, help, ['node'], function () {
      this.reset();
      for (const [node, status] of live) this.inc({ node }, Number(status()[figure]));
    });
  }
  for (const [figure, name, help] of LEVELS) {
    gauge(name, help, ['node'], function () {
      this.reset();
      for (const [node, status] of live) this.set({ node }, Number(status()[figure]));
    });
  }
}

export = function (RED: NodeAPI) {
  announceMissingNativeParts(RED); // once per process: the native parts that did not load, and the fix
  registerServerMetrics();
  function ModbusServerNodeCtor(this: ModbusServerNode, def: NodeDef) {
    RED.nodes.createNode(this, def);
    def = migrateNodeConfig(def);
    const node = this;
    const label = `modbus-server ${def.name || def.id}`;
    const status = new StatusDisplay(node);
    const telemetry = new TelemetryScope(node, 'modbus-server');
    /** the last save of the holding registers that failed, until one succeeds again */
    let saveError: string | undefined;
    /** why start() failed when the server itself has no error to tell (e.g. the register store would not load) */
    let startError: string | undefined;
    let closed = false;

    let served: ServedImage;
    // a server on a serial port holds it like any other node that opens one: a Modbus connection
    // or an SLCAN reader on the same port is refused, naming both (lib/serial/claims.ts)
    let claim: SerialPortClaim | undefined;
    try {
      if (def.transport === 'rtu' && typeof def.path === 'string' && def.path.trim()) claim = claimPortFor(node, 'modbus-server', def.path.trim());
      const baseDir: string = RED.settings.userDir ?? process.cwd();
      served = createServerFromSettings(def, {
        baseDir,
        nodeId: node.id,
        onSaved: (err) => {
          if ((err?.message ?? undefined) === saveError) return;
          saveError = err?.message;
          if (err) node.error(`${label}: holding registers not saved: ${err.message}`);
          showStatus(served.server.status());
        },
      });
    } catch (err) {
      claim?.release();
      // a missing sqlite3 (optional, native) is not a mistake in the form: say what to install
      const missing = err instanceof MissingPackageError ? err.packageName : undefined;
      return refuseConfig(node, {
        kind: 'modbus-server',
        statusKey: missing ? 'modbus-server.status.missingPackage' : 'modbus-server.status.badConfig',
        statusArgs: missing ? { package: missing } : undefined,
        message: `${label}: ${missing ? 'persistence: ' : ''}${(err as Error).message}`,
        inputError: `${label} is not running: ${(err as Error).message}`,
      });
    }
    const { server, tags, defaultUnit, simulation } = served;
    node.server = server;
    const device = (def.name as string) || node.id;

    function showStatus(s: ServerStatus): void {
      if (closed) return;
      const look = !s.serving ? LOOK.refused : saveError ? LOOK.warning : LOOK.ok;
      status.showParts(look, ...statusParts(server, s, saveError !== undefined));
      // the detail is read live (server.status() at each /health and /metrics), so the request
      // and write counters are current, not those of the last connection change
      const extra = { ...(startError && !s.lastError ? { lastError: startError } : {}), ...(saveError ? { saveError } : {}) };
      telemetry.health(!s.serving ? 'down' : saveError ? 'degraded' : 'ok', () => ({ ...server.status(), ...extra, address: server.address() }));
    }
    server.on('status', showStatus);
    live.set(node.id, () => server.status());
    server.on('write', (w: ServerWriteEvent) => {
      if (!closed) node.send(remoteWriteMessage(device, w, server, tags) as unknown as NodeMessage);
    });
    server.on('restored', (units: number[]) => {
      if (closed || !tags) return;
      for (const unit of units) {
        const m = restoredMessage(device, unit, server, tags);
        if (m) node.send(m as unknown as NodeMessage);
      }
    });

    status.show(LOOK.busy, 'modbus-server.status.starting');
    // the simulated measurements move whether or not the port could be had yet (it is retried)
    simulation?.run(server);
    server.start().then(
      () => showStatus(server.status()),
      (err: Error) => {
        if (closed) return;
        startError = err.message;
        node.error(`${label}: ${err.message}`);
        showStatus(server.status());
      },
    );

    node.on('input', (msg: NodeMessage, _send, done) => {
      try {
        applyFlowInput(server, tags, msg, defaultUnit);
        done();
      } catch (err) {
        reportFailure(node, msg, done, err as Error);
      }
    });

    node.on('close', (_removed: boolean, done: () => void) => {
      closed = true;
      simulation?.stop();
      live.delete(node.id);
      server.removeAllListeners('write');
      server.removeAllListeners('restored');
      server.removeAllListeners('status');
      telemetry.close();
      // the port is given back once it is closed, so a redeployed node opens it afresh
      server
        .close()
        .catch((err: Error) => node.error(`${label}: close: ${err.message}`))
        .finally(() => {
          claim?.release();
          done();
        });
    });
  }

  RED.nodes.registerType('edgegw-modbus-server', ModbusServerNodeCtor);
};
