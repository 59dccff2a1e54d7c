// Every node type of this package, the names they had before the `edgegw-` prefix, and the
// migrations of their saved configs. Node-RED type names are global across all installed modules
// (two modules that register `watchdog` cannot both load), so ours carry one prefix; flows saved
// with the former names are rewritten by `migrateFlows` (the edge-gateway runtime does it on
// start, `edge-gateway flows migrate` does it to a file), and each node brings its own config
// forward with `migrateNodeConfig` when it is created.
import { latestVersion, migrate, type Migration, type SavedConfig } from '../../lib/config/migrate';
import { forwardTargetMigrations } from '../forward-target/migrations';
import { modbusDeviceMigrations } from '../modbus-device/migrations';
import { modbusServerMigrations } from '../modbus-server/migrations';

export const TYPE_PREFIX = 'edgegw-';

/** The node kinds; each registers the type `edgegw-<kind>` and lives in nodes/<kind>/. */
export const NODE_KINDS = [
  'alarm',
  'audit-in',
  'can-in',
  'can-interface',
  'can-out',
  'circuit-breaker',
  'dashboard-feed',
  'dbc-decode',
  'dbc-encode',
  'forward-target',
  'gateway-api',
  'gateway-heartbeat',
  'gpio-in',
  'gpio-out',
  'ha-discovery',
  'historian',
  'modbus-connection',
  'modbus-device',
  'modbus-server',
  'mqtt-device',
  'onewire',
  'serial-port',
  'stats',
  'store-forward',
  'system-tags',
  'tag-calc',
  'tag-store',
  'tag-store-in',
  'watchdog',
] as const;

export type NodeKind = (typeof NODE_KINDS)[number];

export const nodeType = (kind: NodeKind): string => `${TYPE_PREFIX}${kind}`;

/** Former type name -> current one (before the prefix, every type was its bare kind). */
export const FORMER_TYPES: ReadonlyMap<string, string> = new Map(NODE_KINDS.map((k) => [k, nodeType(k)]));

const CURRENT_TYPES: ReadonlySet<string> = new Set(FORMER_TYPES.values());

/**
 * The fields our nodes saved under their former names (version 0, a record of the past: it does
 * not change with the current forms). Former names such as `watchdog`, `stats` or `alarm` are
 * also registered by other modules, so a node of a former name is taken as ours only when most of
 * its own fields are fields ours had; another module's `watchdog` keeps its type.
 */
// (one line per kind: a table of the past, read across)
// prettier-ignore
const FORMER_FIELDS: Readonly<Record<NodeKind, readonly string[]>> = {
  alarm: ['rulesSource', 'rules', 'rulesFile', 'cooldownSec', 'persist', 'dbFile', 'healthOn'],
  // born with the prefix: no saved field of ours under the bare name
  'audit-in': [],
  'can-in': ['interface', 'filters', 'batchMs'],
  'can-interface': ['kind', 'iface', 'filters', 'serialPath', 'baudRate', 'bitrate', 'timestamps', 'listenOnly', 'statusPollMs', 'file', 'pace', 'speed', 'loop', 'replayTimestamps'],
  'can-out': ['interface'],
  // born with the prefix: no saved field of ours under the bare name
  'dashboard-feed': [],
  'circuit-breaker': ['thresholdType', 'failures', 'rate', 'window', 'minCalls', 'openTimeout', 'maxOpenTimeout', 'probes', 'fallback', 'watch'],
  'dbc-decode': ['dbcSource', 'dbcFile', 'dbcText', 'output', 'labels', 'exact', 'device', 'store', 'unknown', 'outputs'],
  'dbc-encode': ['dbcSource', 'dbcFile', 'dbcText', 'message'],
  'forward-target': ['kind', 'url', 'clientId', 'qos', 'protocolVersion', 'topic', 'retain', 'publish', 'method', 'batching', 'content', 'headers', 'retryStatuses', 'version', 'database', 'retentionPolicy', 'org', 'bucket', 'valueFields', 'nonTagMessages', 'fallbackMeasurement', 'host', 'port', 'table', 'createTable', 'timeoutMs', 'maxInFlight', 'maxBatch', 'usetls', 'ca', 'cert', 'servername', 'rejectUnauthorized'],
  // born with the prefix, like historian
  'gateway-api': [],
  'gateway-heartbeat': ['gatewayId', 'interval', 'topic'],
  // born with the prefix: no saved field of ours under the bare name
  'gpio-in': [],
  'gpio-out': [],
  'ha-discovery': ['gatewayId', 'prefix'],
  // born with the prefix: no saved field of ours under the bare name, so another module's `historian` stays its own
  historian: [],
  'modbus-connection': ['transport', 'host', 'port', 'path', 'baudRate', 'parity', 'dataBits', 'stopBits', 'timeoutMs', 'maxInFlight', 'reconnectMinMs', 'reconnectMaxMs', 'unitBackoffMinMs', 'unitBackoffMaxMs', 'breakerThreshold', 'breakerResetMs', 'queueTimeoutMs', 'interFrameDelayMs'],
  'modbus-device': ['connection', 'device', 'unit', 'notation', 'tags', 'groups', 'maxGap', 'maxRegisters', 'maxBits', 'output', 'parseJson', 'template', 'store', 'identityTag', 'identityEquals', 'identityEvery'],
  'modbus-server': ['transport', 'host', 'port', 'path', 'baudRate', 'parity', 'dataBits', 'stopBits', 'units', 'coilSize', 'discreteSize', 'holdingSize', 'inputSize', 'maxConnections', 'idleTimeout', 'tags', 'notation', 'persistence', 'persist', 'persistFile'],
  // born with the prefix: no saved field of ours under the bare name
  'mqtt-device': [],
  // born with the prefix: no saved field of ours under the bare name
  onewire: [],
  // born with the prefix: no saved field of ours under the bare name
  'serial-port': [],
  stats: ['windowKind', 'windowBy', 'length', 'lengthUnit', 'hop', 'hopUnit', 'align', 'timeZone', 'percentiles', 'graceSec', 'report', 'reportDir', 'reportPer', 'reportPrefix', 'retentionDays', 'persist', 'dbFile'],
  'store-forward': ['target', 'queue', 'storage', 'durability', 'batchMs', 'batchMax', 'maxMessages', 'maxMB', 'maxAgeH', 'policy', 'retentionH', 'ackOutput'],
  // born with the prefix: no saved field of ours under the bare name
  'system-tags': [],
  'tag-calc': ['definitions', 'device', 'trigger', 'interval', 'output', 'missing', 'store'],
  'tag-store': ['persist', 'file', 'maxAge', 'maxAgeRules', 'userDevice', 'userTags'],
  'tag-store-in': ['store'],
  watchdog: ['keyBy', 'keys', 'learn', 'timeout', 'badIsSilence', 'hardware', 'devicePath', 'systemd', 'keepalive'],
};

/** What every Node-RED node carries whatever its module: no evidence of whose node it is. */
const NODE_RED_FIELDS = new Set(['id', 'type', 'z', 'g', 'name', 'x', 'y', 'w', 'h', 'wires', 'info', 'd', 'l', 'version', 'inputLabels', 'outputLabels', 'icon', 'env', '_users']);

/** Whether a node saved under a former type name is ours (see FORMER_FIELDS). */
function isFormerOurs(node: SavedConfig, kind: NodeKind): boolean {
  const own = Object.keys(node).filter((k) => !NODE_RED_FIELDS.has(k));
  if (own.length === 0) return true;
  const ours = new Set(FORMER_FIELDS[kind]);
  return own.filter((k) => ours.has(k)).length * 2 >= own.length;
}

/** Version 1: the first versioned config, under the prefixed type; nothing else changed. */
const PREFIXED: Migration = { version: 1, describe: 'type name with the edgegw- prefix', up: (c) => c };

const MIGRATIONS: Readonly<Record<string, readonly Migration[]>> = {
  [nodeType('forward-target')]: forwardTargetMigrations,
  [nodeType('modbus-device')]: modbusDeviceMigrations,
  [nodeType('modbus-server')]: modbusServerMigrations,
};

export function migrationsOf(type: string): readonly Migration[] {
  return MIGRATIONS[type] ?? [PREFIXED];
}

/** The config version the current code writes and reads for a type. */
export function currentVersion(type: string): number {
  return latestVersion(migrationsOf(type));
}

/**
 * A node's config as the current code expects it. Node constructors call it first, so a flow
 * deployed from an editor that still holds an older config (a palette install) runs the same.
 */
export function migrateNodeConfig<T extends object>(def: T): T {
  const type = String((def as SavedConfig).type);
  return migrate(type, def as SavedConfig, migrationsOf(type)).config as T;
}

export interface FlowsMigration {
  flows: unknown[];
  /** nodes whose type was renamed, by former type */
  renamed: Map<string, number>;
  /** nodes of a former name left alone because their fields are another module's, by type */
  foreign: Map<string, number>;
  /** nodes of ours whose config was brought to a newer version */
  upgraded: number;
}

/**
 * Rewrites a flows array (flows.json, an export) to current type names and config versions.
 * Entries that are not nodes of ours pass through untouched, in their order.
 */
export function migrateFlows(flows: readonly unknown[]): FlowsMigration {
  const renamed = new Map<string, number>();
  const foreign = new Map<string, number>();
  let upgraded = 0;
  const out = flows.map((entry) => {
    if (!entry || typeof entry !== 'object' || Array.isArray(entry)) return entry;
    let node = entry as SavedConfig;
    const former = typeof node.type === 'string' ? FORMER_TYPES.get(node.type) : undefined;
    if (former && isFormerOurs(node, node.type as NodeKind)) {
      renamed.set(String(node.type), (renamed.get(String(node.type)) ?? 0) + 1);
      node = { ...node, type: former };
    } else if (former) {
      foreign.set(String(node.type), (foreign.get(String(node.type)) ?? 0) + 1);
    }
    if (typeof node.type !== 'string' || !CURRENT_TYPES.has(node.type)) return node;
    const m = migrate(node.type, node, migrationsOf(node.type));
    if (m.to !== m.from) upgraded++;
    return m.config;
  });
  return { flows: out, renamed, foreign, upgraded };
}

/** "types renamed: alarm -> edgegw-alarm (2); 3 node config(s) brought to the current version; ..." for logs and the CLI */
export function describeMigration(m: Pick<FlowsMigration, 'renamed' | 'foreign' | 'upgraded'>): string {
  const count = (map: ReadonlyMap<string, number>, name: (t: string) => string) => [...map].map(([t, n]) => `${name(t)} (${n})`).join(', ');
  return [
    m.renamed.size ? `types renamed: ${count(m.renamed, (t) => `${t} -> ${FORMER_TYPES.get(t)}`)}` : 'no former type names',
    `${m.upgraded} node config(s) brought to the current version`,
    ...(m.foreign.size ? [`left to their own module: ${count(m.foreign, (t) => t)}`] : []),
  ].join('; ');
}
