// modbus-device: polls one unit's tag table through a modbus-connection and writes tags on input.
// The logic lives in lib/modbus (poller, planner, codec, writes); this wires it to Node-RED.
import type { NodeAPI, Node, NodeDef, NodeMessage, DoneFn } from '../common/red';
import { reportFailure } from '../common/report-failure';
import { parseBoundedJson, type JsonLimits } from '../../lib/system/bounded/json';
import { LogThrottle } from '../../lib/system/process/log-throttle';
import { TagWriteQueue, type CommandOutcome } from '../../lib/modbus/write-queue';
import { sharedAuditLog } from '../../lib/audit/audit-log';
import { healthRegistry, type HealthState } from '../../lib/health/registry';
import { counter, gauge, histogram } from '../../lib/metrics/registry';
import type { LineState } from '../../lib/modbus/line/types';
import { DevicePoller, type CycleResult } from '../../lib/modbus/poller/poller';
import { IdentityCheck } from '../../lib/modbus/poller/identity';
import { DeviceConfigError, deviceStatus, resolveDeviceConfig, type DeviceConfig, type DeviceStatus } from '../../lib/modbus/poller/config';
import { TagWriter, WriteError, WriteValidationError } from '../../lib/modbus/writes';
import { scanMessage, tagMessage, type Quality } from '../../lib/tags/contract';
import { isModbusConnection } from '../modbus-connection/api';
import { tagStoreNode } from '../tag-store/api';
import { registerTemplateRoutes } from './admin';
import { migrateNodeConfig } from '../common/migrations';
import { edgegwSettings } from '../common/settings';
import { statusText } from '../common/status-text';

const QUALITIES: Quality[] = ['good', 'bad', 'stale', 'uncertain'];

/** A command is a flat {tag: value} object: small and shallow (a string tag holds at most 250 characters). */
const COMMAND_LIMITS: Partial<JsonLimits> = { maxBytes: 64 * 1024, maxDepth: 4, maxEntries: 1000 };

const DEVICE_STATUS: Record<DeviceStatus['key'], string> = {
  polling: 'modbus-device.status.polling',
  someBad: 'modbus-device.status.someBad',
  reconnecting: 'modbus-device.status.reconnecting',
  connecting: 'modbus-device.status.connecting',
  breakerOpen: 'modbus-device.status.breakerOpen',
  error: 'modbus-device.status.error',
};

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
    const bad = (key: string, message: string) => {
      node.status({ fill: 'red', shape: 'ring', text: statusText({ key }) });
      node.error(message);
    };
    const inert = (why: string) => {
      node.on('input', (msg: NodeMessage, _send, done) => reportFailure(node, msg, done, new Error(`modbus-device not running: ${why}`)));
    };

    let cfg: DeviceConfig;
    try {
      cfg = resolveDeviceConfig(def);
    } catch (err) {
      const message = err instanceof DeviceConfigError ? err.message : (err as Error).message;
      bad('modbus-device.status.badConfig', `modbus-device ${def.name || def.id}: ${message}`);
      inert(message);
      return;
    }
    const conn = RED.nodes.getNode(def.connection as string);
    if (!isModbusConnection(conn)) {
      const why = (conn as { configError?: string } | null)?.configError;
      bad('modbus-device.status.noConnection', `modbus-device ${def.name || def.id}: connection: ${why ? `the modbus-connection is misconfigured: ${why}` : 'choose a modbus-connection node'}`);
      inert(why ?? 'no connection');
      return;
    }
    const storeId = typeof def.store === 'string' && def.store ? def.store : undefined;
    const store = tagStoreNode((id) => RED.nodes.getNode(id), storeId);
    if (storeId && !store) {
      const message = `store: tag-store ${storeId} not found`;
      bad('modbus-device.status.badConfig', `modbus-device ${def.name || def.id}: ${message}`);
      inert(message);
      return;
    }
    const line = conn.line;
    const labels = { device: cfg.device, node: node.id };
    const audit = sharedAuditLog();
    const auditFile = edgegwSettings(RED).auditLog;
    if (auditFile && !audit.filePath) audit.setFile(auditFile);

    const identity = cfg.identity ? new IdentityCheck(line, cfg.unit, cfg.identity.tag, cfg.identity.equals, cfg.identity.every) : undefined;
    const poller = new DevicePoller({
      line,
      unit: cfg.unit,
      device: cfg.device,
      tags: cfg.tags,
      groups: cfg.groups,
      limits: { maxGap: cfg.maxGap, maxRegisters: cfg.maxRegisters, maxBits: cfg.maxBits },
      source: `modbus:${cfg.unit}`,
      gate: identity && (() => identity.gate()),
    });
    const writer = new TagWriter({ line, unit: cfg.unit, device: cfg.device, tags: cfg.tags, audit, oldValue: (t) => poller.lastGoodValue(t) });
    const commands = new TagWriteQueue(writer, { device: cfg.device, audit });
    let lastError: string | undefined;
    let lastStatus = '';
    let closed = false;

    const showStatus = (state?: LineState, stats = poller.stats()) => {
      if (closed) return;
      let lineState = state;
      try {
        lineState ??= line.state();
      } catch {
        lineState = undefined;
      }
      const s = deviceStatus(lineState, cfg.unit, stats, lastError);
      // cheap to compare, so the (translated) status is only rebuilt when it changes
      const key = `${s.fill}/${s.shape}/${s.key}/${JSON.stringify(s.subs)}`;
      if (key === lastStatus) return;
      lastStatus = key;
      node.status({ fill: s.fill, shape: s.shape, text: statusText({ key: DEVICE_STATUS[s.key], args: s.subs }) });
    };

    const report = (st = poller.stats()) => {
      for (const q of QUALITIES) tagsGauge.set({ ...labels, quality: q }, st[q]);
      const seen = st.good + st.bad + st.stale + st.uncertain;
      const state: HealthState = st.bad + st.stale === 0 ? 'ok' : seen > 0 && st.good === 0 ? 'down' : 'degraded';
      healthRegistry().report(
        node.id,
        'modbus-device',
        state,
        {
          device: cfg.device,
          unit: cfg.unit,
          tags: st.tags,
          good: st.good,
          bad: st.bad,
          stale: st.stale,
          overruns: st.overruns,
          requestsPerScan: st.requestsPerScan,
          splits: st.splits,
          lastError,
          ...(identity ? { identity: identity.snapshot() } : {}),
        },
        node.name,
      );
    };

    const storeWarnings = new LogThrottle((text) => node.warn(text), 'store warnings');
    const onCycle = (r: CycleResult) => {
      if (closed) return;
      cycles.inc({ ...labels, group: r.group });
      cycleSeconds.observe({ ...labels, group: r.group }, r.durationMs / 1000);
      const failed = r.samples.find((s) => s.quality !== 'good');
      lastError = failed?.error ?? (failed ? failed.quality : undefined);
      // every polled sample, not only the changed ones: the store holds current value, quality, ts
      if (store) {
        const w = store.write(r.samples);
        if (w.errors) storeWarnings.log(`store: ${w.errors[0]}`);
      }
      const out: NodeMessage[] = [];
      if (cfg.output !== 'rbe') out.push({ ...scanMessage(cfg.device, r.samples), group: r.group });
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
    node.status({ fill: 'yellow', shape: 'ring', text: statusText({ key: 'modbus-device.status.connecting' }) });
    report();
    poller.start();

    // every rejected command is logged, but a flood of them only as a summary per minute
    const rejections = new LogThrottle((line) => node.warn(line), 'rejected commands');
    const reject = (msg: NodeMessage, done: DoneFn, err: Error) => {
      rejections.log(`command rejected: ${err.message}`);
      reportFailure(node, msg, done, err);
    };

    node.on('input', (msg: NodeMessage, _send, done) => {
      let values: Map<string, unknown>;
      let outcome: Promise<CommandOutcome>;
      const actor = `flow:${node.z ?? '-'}/node:${node.id}${typeof msg._msgid === 'string' ? `/msg:${msg._msgid.slice(0, 64)}` : ''}`;
      try {
        // JSON text (an MQTT command) is measured before it is parsed: size, depth, keys
        const command =
          cfg.parseJson && (typeof msg.payload === 'string' || Buffer.isBuffer(msg.payload)) ? { topic: msg.topic, payload: parseBoundedJson(msg.payload, 'command payload', COMMAND_LIMITS) } : msg;
        values = writer.requestFromMessage(command);
        const refused = identity?.writeBlock();
        if (refused) throw new Error(`write to ${cfg.device} refused: ${refused}`);
        outcome = commands.submit(values, actor);
      } catch (err) {
        writes.inc({ ...labels, outcome: 'rejected' });
        reject(msg, done, err as Error);
        return;
      }
      outcome.then(
        (res) => {
          if (res.outcome === 'superseded') {
            writes.inc({ ...labels, outcome: 'superseded' });
            done();
            return;
          }
          for (const a of res.result.audit) node.log(`write ${cfg.device}/${a.tag}: ${fmt(a.old)} -> ${fmt(a.new)} by ${a.actor}`);
          for (const w of res.result.warnings) node.warn(w);
          writes.inc({ ...labels, outcome: 'ok' }, res.result.tags.length);
          refresh(res.result.tags);
          done();
        },
        (err: Error) => {
          const audit = (err as Error & { audit?: Array<{ tag: string; old: unknown; new: unknown; ok: boolean; actor: string }> }).audit ?? [];
          for (const a of audit) node.log(`write ${cfg.device}/${a.tag}: ${fmt(a.old)} -> ${fmt(a.new)} by ${a.actor}: ${a.ok ? 'ok' : 'FAILED'}`);
          writes.inc({ ...labels, outcome: err instanceof WriteValidationError ? 'rejected' : 'failed' });
          if (err instanceof WriteError) refresh(err.written);
          if (closed) {
            done();
            return;
          }
          reportFailure(node, msg, done, err);
        },
      );
    });

    /** Poll the groups of written tags at once, so the new values show without waiting. */
    const refresh = (tags: string[]) => {
      const groups = new Set(tags.map((t) => cfg.tags.find((x) => x.name === t)?.group ?? cfg.groups[0].name));
      for (const g of groups) {
        poller.pollGroup(g).then(
          (r) => r && onCycle(r),
          () => undefined,
        );
      }
    };

    node.on('close', (_removed: boolean, done: () => void) => {
      closed = true;
      commands.close();
      rejections.close();
      storeWarnings.close();
      poller.stop();
      poller.removeAllListeners();
      line.off('state', onLineState);
      try {
        conn.deregister(node);
      } catch (err) {
        node.error(`close: ${(err as Error).message}`);
      }
      healthRegistry().remove(node.id);
      for (const q of QUALITIES) tagsGauge.remove({ ...labels, quality: q });
      for (const g of cfg.groups) {
        cycles.remove({ ...labels, group: g.name });
        overruns.remove({ ...labels, group: g.name });
        cycleSeconds.remove({ ...labels, group: g.name });
      }
      for (const outcome of ['ok', 'rejected', 'failed', 'superseded']) writes.remove({ ...labels, outcome });
      node.status({});
      done();
    });
  }

  RED.nodes.registerType('edgegw-modbus-device', ModbusDeviceNode);
};

function fmt(v: unknown): string {
  if (typeof v === 'bigint') return v.toString();
  if (typeof v === 'string') return JSON.stringify(v);
  return String(v);
}
