// modbus-device: polls one unit's tag table through a modbus-connection and writes tags on input.
// The logic lives in lib/modbus (poller, planner, codec, writes); this wires it to Node-RED.
import type { NodeAPI, Node, NodeDef, NodeMessage } from '../common/red';
import { LogThrottle } from '../../lib/system/process/log-throttle';
import { TagWriteQueue } from '../../lib/modbus/write-queue';

import { counter, gauge, histogram } from '../../lib/metrics/registry';
import type { LineState } from '../../lib/modbus/line/types';
import { DevicePoller, type CycleResult } from '../../lib/modbus/poller/poller';
import { IdentityCheck } from '../../lib/modbus/poller/identity';
import { resolveDeviceConfig, type DeviceConfig } from '../../lib/modbus/poller/config';
import { deviceHealth, deviceStatus, type DeviceStatus } from '../../lib/modbus/poller/device-status';
import type { ModbusProblem } from '../../lib/modbus/problem';
import { TagWriter } from '../../lib/modbus/writes';
import { ScanPayloads, scanMessage, tagMessage, type Quality, type TagSample } from '../../lib/tags/contract';
import { isModbusConnection } from '../modbus-connection/api';
import { tagStoreNode } from '../tag-store/api';
import { registerTemplateRoutes } from './admin';
import { acceptCommands, WRITE_OUTCOMES } from './commands';
import { apiDirectory } from '../../lib/api/directory';
import { deviceSnapshot } from '../../lib/api/device-snapshot';
import { migrateNodeConfig } from '../common/migrations';
import { LOOK, StatusDisplay } from '../common/node-status';
import { refuseConfig } from '../common/refuse-config';
import { registerDevice } from '../common/device-registry';
import { auditLogOf } from '../common/settings';
import type { StatusPart } from '../common/status-text';
import { TelemetryScope } from '../common/telemetry';

const QUALITIES: Quality[] = ['good', 'bad', 'stale', 'uncertain'];
/** how long an API write waits for the poll that reads its tags back */
const READ_BACK_WAIT_MS = 5000;

/** The status parts for a device status: its key, and the problem's code beside an error. */
function statusParts(s: DeviceStatus): StatusPart[] {
  const parts: StatusPart[] = [{ key: `modbus-device.status.${s.key}`, args: s.subs }];
  if (s.problem) parts.push(problemPart(s.problem));
  return parts;
}

function problemPart(p: ModbusProblem): StatusPart {
  return p.args ? { key: `modbus-device.status.problem.${p.code}`, args: p.args } : { key: `modbus-device.status.problem.${p.code}` };
}

export = function (RED: NodeAPI) {
  const tagsGauge = gauge('edgegw_modbus_device_tags', 'Tags of a Modbus device by quality of their latest sample', ['device', 'node', 'quality']);
  const cycles = counter('edgegw_modbus_device_cycles_total', 'Poll cycles run, per device and poll group', ['device', 'node', 'group']);
  const overruns = counter('edgegw_modbus_device_overruns_total', 'Poll cycles skipped because the previous one was still running', ['device', 'node', 'group']);
  const cycleSeconds = histogram('edgegw_modbus_device_cycle_seconds', 'Duration of a poll cycle', ['device', 'node', 'group']);
  const writes = counter('edgegw_modbus_device_writes_total', 'Tag writes, by outcome', ['device', 'node', 'outcome']);

  registerTemplateRoutes(RED);

  function ModbusDeviceNode(this: Node, def: NodeDef) {
    RED.nodes.createNode(this, def);
    def = migrateNodeConfig(def);
    const node = this;
    const refuse = (statusKey: string, message: string, why = message) =>
      refuseConfig(node, { kind: 'modbus-device', statusKey, message: `modbus-device ${def.name || def.id}: ${message}`, inputError: `modbus-device not running: ${why}` });

    let cfg: DeviceConfig;
    try {
      cfg = resolveDeviceConfig(def);
    } catch (err) {
      return refuse('modbus-device.status.badConfig', (err as Error).message);
    }
    const conn = RED.nodes.getNode(def.connection as string);
    if (!isModbusConnection(conn)) {
      const why = (conn as { configError?: string } | null)?.configError;
      return refuse('modbus-device.status.noConnection', `connection: ${why ? `the modbus-connection is misconfigured: ${why}` : 'choose a modbus-connection node'}`, why ?? 'no connection');
    }
    const storeId = typeof def.store === 'string' && def.store ? def.store : undefined;
    const store = tagStoreNode((id) => RED.nodes.getNode(id), storeId);
    if (storeId && !store) return refuse('modbus-device.status.badConfig', `store: tag-store ${storeId} not found`);

    const line = conn.line;
    const registered = registerDevice(
      RED,
      node,
      { deviceId: cfg.device, nodeId: node.id, name: def.name || cfg.device, transport: 'modbus', address: conn.address, unit: cfg.unit },
      { protocol: 'modbus', address: conn.address && `${conn.address} unit ${cfg.unit}`, preferredId: cfg.device },
    );
    const audit = auditLogOf(RED);
    const identity = cfg.identity
      ? new IdentityCheck(line, cfg.unit, cfg.identity.tag, cfg.identity.equals, cfg.identity.every)
      : cfg.deviceIdentity
        ? new IdentityCheck(line, cfg.unit, { object: cfg.deviceIdentity.object }, cfg.deviceIdentity.equals, cfg.deviceIdentity.every)
        : undefined;
    const poller = new DevicePoller({
      line,
      unit: cfg.unit,
      device: cfg.device,
      tags: cfg.tags,
      groups: cfg.groups,
      limits: { maxGap: cfg.maxGap, maxRegisters: cfg.maxRegisters, maxBits: cfg.maxBits },
      source: `modbus:${cfg.unit}`,
      gate: identity && (() => identity.refusal()),
    });
    const writer = new TagWriter({ line, unit: cfg.unit, device: cfg.device, tags: cfg.tags, audit, oldValue: (t) => poller.lastGoodValue(t) });
    const queue = new TagWriteQueue(writer, { device: cfg.device, audit });

    const telemetry = new TelemetryScope(node, 'modbus-device');
    const labels = { device: cfg.device, node: node.id };
    for (const quality of QUALITIES) telemetry.labels(tagsGauge, { ...labels, quality });
    for (const g of cfg.groups) for (const metric of [cycles, overruns, cycleSeconds]) telemetry.labels(metric, { ...labels, group: g.name });
    for (const outcome of WRITE_OUTCOMES) telemetry.labels(writes, { ...labels, outcome });
    const status = new StatusDisplay(node);
    /** the last cycle's failure: English for the log and /health, a code for the status */
    let lastError: string | undefined;
    let lastProblem: ModbusProblem | undefined;
    let lastPollAt: number | undefined;
    let closed = false;

    const showStatus = (state?: LineState, stats = poller.stats()) => {
      if (closed) return;
      let lineState = state;
      try {
        lineState ??= line.state();
      } catch {
        lineState = undefined;
      }
      const s = deviceStatus(lineState, cfg.unit, stats, lastProblem);
      status.showParts(s, ...statusParts(s));
    };
    const report = (st = poller.stats()) => {
      for (const q of QUALITIES) tagsGauge.set({ ...labels, quality: q }, st[q]);
      const { tags, good, bad, stale, overruns, requestsPerScan, splits } = st;
      const detail = { device: cfg.device, unit: cfg.unit, tags, good, bad, stale, overruns, requestsPerScan, splits, lastError };
      telemetry.health(deviceHealth(st), identity ? { ...detail, identity: identity.snapshot() } : detail);
    };

    const storeWarnings = new LogThrottle((text) => node.warn(text), 'store warnings');
    /** per poll group: its scans' payloads made by a literal compiled for its tag names (lib/tags/contract.ts) */
    const payloads = new Map<string, ScanPayloads>();
    const payloadsOf = (group: string) => payloads.get(group) ?? payloads.set(group, new ScanPayloads()).get(group)!;
    const onCycle = (r: CycleResult) => {
      if (closed) return;
      lastPollAt = Date.now();
      cycles.inc({ ...labels, group: r.group });
      cycleSeconds.observe({ ...labels, group: r.group }, r.durationMs / 1000);
      const failed = r.samples.find((s) => s.quality !== 'good');
      lastError = failed?.error ?? (failed ? failed.quality : undefined);
      registered?.seen(r.samples.some((s) => s.quality === 'good') ? 'active' : 'down');
      lastProblem = r.problem;
      // every polled sample, not only the changed ones: the store holds current value, quality, ts
      const w = store?.write(r.samples);
      if (w?.errors) storeWarnings.log(`store: ${w.errors[0]}`);
      const out: NodeMessage[] = [];
      if (cfg.output !== 'rbe') out.push({ ...scanMessage(cfg.device, r.samples, payloadsOf(r.group)), group: r.group });
      if (cfg.output !== 'scan') for (const s of r.changed) out.push(tagMessage(s) as unknown as NodeMessage);
      if (out.length) node.send([out]);
      const st = poller.stats();
      report(st);
      showStatus(undefined, st);
    };
    poller.on('cycle', onCycle);
    poller.on('overrun', (group: string) => overruns.inc({ ...labels, group }));
    poller.on('split', (s: { block: { area: string; address: number; count: number } }) => {
      node.warn(`unit ${cfg.unit}: ${s.block.area} ${s.block.address}..${s.block.address + s.block.count - 1} answered "illegal data address"; reading it in smaller requests from now on`);
    });
    // a reconnect may reach another device (a swapped cable, a re-addressed gateway): check again
    let connected = false;
    const onLineState = (s: LineState) => {
      if (s.connection === 'connected' && !connected) identity?.recheck();
      connected = s.connection === 'connected';
      showStatus(s);
    };
    line.on('state', onLineState);
    conn.register(node, { unit: cfg.unit, status: false });
    status.show(LOOK.busy, 'modbus-device.status.connecting');
    report();
    poller.start();

    const groupsOf = (tags: string[]) => new Set(tags.map((t) => cfg.tags.find((x) => x.name === t)?.group ?? cfg.groups[0].name));
    /**
     * The samples of a poll of `group` that starts now. A cycle already on the wire may have read
     * before the write: then the poll follows it (or, should the next tick take its place, that
     * one's samples count). Never rejects; gives up with no samples after a few seconds.
     */
    const pollAfterWrite = (group: string, attempts = 3): Promise<TagSample[]> =>
      poller.pollGroup(group).then(
        (r) => {
          if (r) {
            onCycle(r);
            return r.samples;
          }
          if (attempts <= 1 || closed) return [];
          return new Promise<TagSample[]>((resolve) => {
            const next = (c: CycleResult) => {
              if (c.group !== group) return;
              settle(pollAfterWrite(group, attempts - 1));
            };
            const settle = (samples: TagSample[] | Promise<TagSample[]>) => {
              clearTimeout(timer);
              poller.off('cycle', next);
              resolve(samples);
            };
            const timer = setTimeout(() => settle([]), READ_BACK_WAIT_MS);
            poller.on('cycle', next);
          });
        },
        () => [],
      );

    const commands = acceptCommands(node, {
      device: cfg.device,
      parseJson: cfg.parseJson,
      writer,
      commands: queue,
      identity,
      count: (outcome, n) => writes.inc({ ...labels, outcome }, n),
      refresh: (tags) => {
        for (const g of groupsOf(tags))
          poller.pollGroup(g).then(
            (r) => r && onCycle(r),
            () => undefined,
          );
      },
      readBack: (tags) => Promise.all([...groupsOf(tags)].map((g) => pollAfterWrite(g))).then((lists) => lists.flat()),
      isClosed: () => closed,
    });

    // the operator API reads what this device knows and writes through the commands' own path
    const unregisterApi = apiDirectory().register('devices', {
      id: node.id,
      device: cfg.device,
      snapshot: () => deviceSnapshot({ unit: cfg.unit, line, stats: poller.stats(), lastPollAt, lastError, identity }),
      write: (values, actor) => commands.write(values, actor),
      writableTags: () => writer.writableTags(),
    });

    node.on('close', (_removed: boolean, done: () => void) => {
      closed = true;
      unregisterApi();
      queue.close();
      commands.close();
      storeWarnings.close();
      poller.stop();
      poller.removeAllListeners();
      line.off('state', onLineState);
      try {
        conn.deregister(node);
      } catch (err) {
        node.error(`close: ${(err as Error).message}`);
      }
      telemetry.close();
      status.clear();
      done();
    });
  }

  RED.nodes.registerType('edgegw-modbus-device', ModbusDeviceNode);
};
