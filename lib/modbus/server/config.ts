// The modbus-server editor form's flat settings -> ModbusServerOptions, refusing bad input with
// the field named.
import { ConfigFieldError, readFields, type FieldValues, type RawConfig } from '../../config/fields';
import { ModbusServer, ServerConfigError, type ModbusServerOptions, type ServerTransport } from './server';
import { ADDRESS_SPACE, type AreaSizes, type AreaStarts } from './image';
import { MODBUS_SERVER_FIELDS } from './fields';
import { ServerTagMap } from './tags';
import { parseTagTable } from '../tag-table';
import { createRegisterStore, persistenceFromSettings, watchRegisterStore, type PersistenceSettings } from '../register-store/config';
import { textOf } from '../../system/text/text-of';
import { parseSimulation, TemplateSimulation } from './simulation/template-simulation';

/** The flat settings of the modbus-server editor form (strings or numbers, as Node-RED stores them; see MODBUS_SERVER_FIELDS). */
export interface ServerSettings extends RawConfig {
  name?: string;
}

export type ServerFields = FieldValues<typeof MODBUS_SERVER_FIELDS.fields>;

/** The form's fields, read with their declarations; throws ServerConfigError naming the field. */
export function serverFieldsOf(s: ServerSettings): ServerFields {
  try {
    return readFields(MODBUS_SERVER_FIELDS, s);
  } catch (err) {
    if (err instanceof ConfigFieldError) throw new ServerConfigError(err.field, err.reason, err.value);
    throw err;
  }
}

/** "any", or unit ids separated by commas/spaces, with ranges "3-6". */
export function parseUnits(text: string | undefined): number[] | 'any' {
  const t = String(text ?? '')
    .trim()
    .toLowerCase();
  if (t === '' || t === 'any' || t === '*') return 'any';
  const out = new Set<number>();
  for (const part of t.split(/[\s,;]+/).filter(Boolean)) {
    const m = /^(\d+)(?:-(\d+))?$/.exec(part);
    if (!m) throw new ServerConfigError('units', `"${part}" is not a unit id or range (e.g. 1, 2, 5-8 or any)`);
    const a = Number(m[1]);
    const b = m[2] === undefined ? a : Number(m[2]);
    if (a < 1 || b > 247 || b < a) throw new ServerConfigError('units', `"${part}" is not within 1..247`);
    for (let u = a; u <= b; u++) out.add(u);
  }
  return [...out];
}

/** The server's options, and the template simulation its `simulation` field asks for. */
export interface ServerOptionsWithSimulation extends ModbusServerOptions {
  simulation?: TemplateSimulation;
}

export function serverOptionsFromSettings(s: ServerSettings): ServerOptionsWithSimulation {
  const f = serverFieldsOf(s);
  const transport: ServerTransport =
    f.transport === 'rtu'
      ? { kind: f.transport, path: f.path, baudRate: f.baudRate, parity: f.parity, dataBits: f.dataBits as 7 | 8, stopBits: f.stopBits as 1 | 2 }
      : { kind: f.transport, host: f.host, port: f.port };
  const configured = {
    sizes: { coil: f.coilSize, discrete: f.discreteSize, holding: f.holdingSize, input: f.inputSize } satisfies AreaSizes,
    starts: { coil: f.coilStart, discrete: f.discreteStart, holding: f.holdingStart, input: f.inputStart } satisfies AreaStarts,
  };
  const units = parseUnits(f.units);
  const simulated = parseSimulation(f.simulation);
  for (const s of simulated) {
    if (units !== 'any' && !units.includes(s.unit)) throw new ServerConfigError('simulation', `unit ${s.unit} is not served (unit ids: ${units.join(', ')})`);
  }
  const simulation = simulated.length ? new TemplateSimulation(simulated) : undefined;
  // a simulated device answers every register of its template, wherever the areas were set to end
  const { sizes, starts } = simulation ? simulation.widen(configured.sizes, configured.starts) : configured;
  for (const area of ['coil', 'discrete', 'holding', 'input'] as const) {
    if (starts[area] + sizes[area] > ADDRESS_SPACE) {
      throw new ServerConfigError(`${area}Start`, `with ${sizes[area]} entries the area would end past address ${ADDRESS_SPACE - 1}: at most ${ADDRESS_SPACE - sizes[area]}`, starts[area]);
    }
  }
  const deviceIdentification = {
    vendorName: f.vendorName,
    productCode: f.productCode,
    majorMinorRevision: f.majorMinorRevision,
    vendorUrl: f.vendorUrl,
    productName: f.productName,
    modelName: f.modelName,
    userApplicationName: f.userApplicationName,
  };
  return {
    name: s.name?.trim() || undefined,
    transport,
    deviceIdentification,
    units,
    sizes,
    starts,
    maxConnections: f.maxConnections,
    idleTimeoutMs: f.idleTimeout * 1000,
    ...(simulation ? { simulation } : {}),
  };
}

export interface ServedImage {
  server: ModbusServer;
  /** the tag table the flow sets values through, when one is configured */
  tags?: ServerTagMap;
  /** the unit a flow input without one addresses (0: any) */
  defaultUnit: number;
  /** the units simulating a device template: seeded already; run() it once the server started, stop() it at close */
  simulation?: TemplateSimulation;
}

/**
 * The server a node's settings describe, with its register persistence and tag table. `onSaved`
 * hears each save of the holding registers (an error, or none when it succeeded). Throws the
 * field's error (ServerConfigError, PersistenceConfigError, ServerTagError, MissingPackageError).
 */
export function createServerFromSettings(s: ServerSettings & PersistenceSettings, ctx: { baseDir: string; nodeId: string; onSaved: (err?: Error) => void }): ServedImage {
  const { simulation, ...opts } = serverOptionsFromSettings(s);
  const persistence = persistenceFromSettings(s, { baseDir: ctx.baseDir, nodeId: ctx.nodeId });
  if (persistence) {
    const chosen = createRegisterStore(persistence);
    opts.store = watchRegisterStore(chosen.store, ctx.onSaved);
    opts.persistDelayMs = chosen.persistDelayMs;
  }
  const server = new ModbusServer(opts);
  const tagText = textOf(s.tags ?? '').trim();
  const tags = tagText ? new ServerTagMap(parseTagTable(tagText, { notation: serverFieldsOf(s).notation }), server.imageSizes(), server.imageStarts()) : undefined;
  // remote masters may not write what the tag table marks read-only (exception 02)
  if (tags) server.protectFromRemoteWrites(tags.readOnlyRanges());
  // first values before the store loads: what it kept of the holding registers wins
  simulation?.seed(server);
  const units = server.units();
  return { server, tags, defaultUnit: units === 'any' ? 0 : units[0], ...(simulation ? { simulation } : {}) };
}
