// `edge-gateway modbus read|write|templates`: commissioning from a shell with the same tag
// tables, planner, codec and write validation as the modbus-device node.
//
// Exit codes: 0 success; 1 the device or the line failed (exception, timeout, no connection),
// naming the tags and the block; 2 bad usage or input (options, tag table, values).
import { parseStrictInteger, parseStrictNumber } from '../../lib/system/text/strict-number';
import { FILE_LIMITS, FileReadError, readBoundedText } from '../../lib/system/fs/bounded-read';
import { userInfo } from 'node:os';
import { AuditLog, AuditFileError } from '../../lib/audit/audit-log';
import { createModbusLine } from '../../lib/modbus/line/line';
import type { LineState, ModbusLine, Parity, TransportConfig } from '../../lib/modbus/line/types';
import { DevicePoller } from '../../lib/modbus/poller/poller';
import { NOTATIONS, parseTagTable, serializeTagTableCsv, TagTableError, type AddressNotation } from '../../lib/modbus/tag-table';
import { listTemplates, loadTemplate, TemplateNotFoundError } from '../../lib/modbus/templates';
import { typeShape, type TagDef } from '../../lib/modbus/types';
import { TagWriter, WriteError, WriteValidationError } from '../../lib/modbus/writes';
import type { TagSample, TagValue } from '../../lib/tags/contract';
import { UsageError, type CliIO, type Subcommand } from './io';

const HELP = `usage:
  edge-gateway modbus read  CONNECTION --unit N (--tags FILE | --template NAME) [options]
  edge-gateway modbus write CONNECTION --unit N (--tags FILE | --template NAME) --set NAME=VALUE [--set ...] [options]
  edge-gateway modbus templates [NAME] [--notation zero|one|modicon]

CONNECTION (one of):
  --tcp HOST:PORT              Modbus TCP
  --rtu-over-tcp HOST:PORT     RTU frames over TCP (serial device servers)
  --rtu PATH                   RTU on a serial port, with
      --baud N (9600)  --parity none|even|odd (none)  --stop 1|2 (1)  --data-bits 7|8 (8)

options:
  --tags FILE          tag table, CSV (name,area,address,type,order,scale,offset,unit,access,group) or JSON
  --template NAME      a shipped device template instead of --tags (see: modbus templates)
  --notation N         addresses in the table: zero (0-based, default), one (1-based), modicon (4xxxx)
  --tag NAME           read only these tags (repeatable)
  --max-gap N          unused registers a request may read across (default 10)
  --max-registers N    registers per request (default 125)
  --timeout MS         response timeout (default 1000)
  --audit FILE         append the write audit (JSON lines) to FILE (default: $EDGE_GATEWAY_AUDIT_LOG)

read prints one JSON object { "<tag>": value, ... } of scaled values (null for a tag that
failed). Exit code 0 when every tag was read, 1 when the device or the line failed (the
tags and the block are named on stderr), 2 for bad usage or a bad tag table.`;

interface Options {
  action: 'read' | 'write' | 'templates';
  transport?: TransportConfig;
  unit?: number;
  tagsFile?: string;
  template?: string;
  notation: AddressNotation;
  only: string[];
  sets: Array<[string, string]>;
  maxGap: number;
  maxRegisters: number;
  timeoutMs: number;
  audit?: string;
  positional: string[];
}

function intOption(name: string, text: string | undefined, min: number, max: number): number {
  if (text === undefined || !/^\d+$/.test(text)) throw new UsageError(`${name} needs a whole number, got ${JSON.stringify(text ?? '')}`);
  const n = Number(text);
  if (n < min || n > max) throw new UsageError(`${name} must be ${min}..${max}, got ${n}`);
  return n;
}

function hostPort(name: string, text: string | undefined): { host: string; port: number } {
  const m = text ? /^(.+):(\d+)$/.exec(text) : null;
  if (!m) throw new UsageError(`${name} needs HOST:PORT, got ${JSON.stringify(text ?? '')}`);
  return { host: m[1].replace(/^\[(.*)\]$/, '$1'), port: intOption(`${name} port`, m[2], 1, 65535) };
}

export function parseModbusArgs(argv: string[]): Options {
  const [action, ...rest] = argv;
  if (action !== 'read' && action !== 'write' && action !== 'templates') {
    throw new UsageError(action ? `unknown modbus action "${action}" (read, write or templates)` : 'modbus needs an action: read, write or templates (see edge-gateway modbus --help)');
  }
  const o: Options = { action, notation: 'zero', only: [], sets: [], maxGap: 10, maxRegisters: 125, timeoutMs: 1000, positional: [], audit: process.env.EDGE_GATEWAY_AUDIT_LOG || undefined };
  let serial: { path: string } | undefined;
  let baud = 9600;
  let parity: Parity = 'none';
  let stop: 1 | 2 = 1;
  let dataBits: 7 | 8 = 8;
  const connections: string[] = [];
  for (let i = 0; i < rest.length; i++) {
    const arg = rest[i];
    const eq = arg.startsWith('--') ? arg.indexOf('=') : -1;
    const name = eq > 0 ? arg.slice(0, eq) : arg;
    const value = (): string => {
      const v = eq > 0 ? arg.slice(eq + 1) : rest[++i];
      if (v === undefined) throw new UsageError(`${name} needs a value`);
      return v;
    };
    switch (name) {
      case '--tcp':
        o.transport = { kind: 'tcp', ...hostPort(name, value()) };
        connections.push(name);
        break;
      case '--rtu-over-tcp':
        o.transport = { kind: 'rtu-over-tcp', ...hostPort(name, value()) };
        connections.push(name);
        break;
      case '--rtu':
        serial = { path: value() };
        connections.push(name);
        break;
      case '--baud':
        baud = intOption(name, value(), 50, 4_000_000);
        break;
      case '--parity': {
        const p = value();
        if (p !== 'none' && p !== 'even' && p !== 'odd') throw new UsageError(`--parity must be none, even or odd, got "${p}"`);
        parity = p;
        break;
      }
      case '--stop':
        stop = intOption(name, value(), 1, 2) as 1 | 2;
        break;
      case '--data-bits':
        dataBits = intOption(name, value(), 7, 8) as 7 | 8;
        break;
      case '--unit':
        o.unit = intOption(name, value(), 0, 255);
        break;
      case '--tags':
        o.tagsFile = value();
        break;
      case '--template':
        o.template = value();
        break;
      case '--notation': {
        const n = value();
        if (!(NOTATIONS as readonly string[]).includes(n)) throw new UsageError(`--notation must be ${NOTATIONS.join(', ')}, got "${n}"`);
        o.notation = n as AddressNotation;
        break;
      }
      case '--tag':
        o.only.push(value());
        break;
      case '--set': {
        const s = value();
        const at = s.indexOf('=');
        if (at <= 0) throw new UsageError(`--set needs NAME=VALUE, got "${s}"`);
        o.sets.push([s.slice(0, at), s.slice(at + 1)]);
        break;
      }
      case '--max-gap':
        o.maxGap = intOption(name, value(), 0, 65535);
        break;
      case '--max-registers':
        o.maxRegisters = intOption(name, value(), 1, 125);
        break;
      case '--timeout':
        o.timeoutMs = intOption(name, value(), 1, 600000);
        break;
      case '--audit':
        o.audit = value();
        break;
      default:
        if (arg.startsWith('-')) throw new UsageError(`unknown option ${name} (see edge-gateway modbus --help)`);
        o.positional.push(arg);
    }
  }
  if (o.action === 'templates') return o;
  if (connections.length !== 1)
    throw new UsageError(connections.length ? `give one connection, not ${connections.join(' and ')}` : 'give a connection: --tcp HOST:PORT, --rtu PATH or --rtu-over-tcp HOST:PORT');
  if (serial) o.transport = { kind: 'rtu', path: serial.path, baudRate: baud, parity, dataBits, stopBits: stop };
  if (o.unit === undefined) throw new UsageError('--unit N is required');
  if (!o.tagsFile === !o.template) throw new UsageError('give the tags with --tags FILE or --template NAME (one of them)');
  if (o.action === 'write' && o.sets.length === 0) throw new UsageError('write needs at least one --set NAME=VALUE');
  if (o.action === 'read' && o.sets.length) throw new UsageError('--set is for write');
  if (o.positional.length) throw new UsageError(`unexpected argument "${o.positional[0]}"`);
  return o;
}

function loadTags(o: Options): TagDef[] {
  let tags: TagDef[];
  if (o.template) {
    tags = loadTemplate(o.template).tags;
  } else {
    let text: string;
    try {
      text = readBoundedText(o.tagsFile!, { maxBytes: FILE_LIMITS.tagTable });
    } catch (err) {
      if (!(err instanceof FileReadError)) throw err;
      throw new UsageError(`cannot read tag table ${err.path}: ${err.reason}`);
    }
    try {
      tags = parseTagTable(text, { notation: o.notation });
    } catch (err) {
      if (err instanceof TagTableError) {
        const list = err.errors
          .slice(0, 20)
          .map((e) => `  ${o.tagsFile}: ${e.message}`)
          .join('\n');
        throw new UsageError(`tag table ${o.tagsFile} has ${err.errors.length} error${err.errors.length > 1 ? 's' : ''}:\n${list}`);
      }
      throw err;
    }
  }
  if (o.only.length) {
    const unknown = o.only.filter((n) => !tags.some((t) => t.name === n));
    if (unknown.length) throw new UsageError(`--tag: no tag named ${unknown.map((n) => `'${n}'`).join(', ')} in the table`);
    tags = tags.filter((t) => o.only.includes(t.name));
  }
  if (tags.length === 0) throw new UsageError('the tag table has no tags');
  // the CLI reads everything in one pass, whatever the poll groups
  return tags.map((t) => ({ ...t, group: undefined }));
}

/** JSON with bigints written as exact integers (JSON has no size limit on numbers). */
export function jsonWithBigints(obj: Record<string, unknown>): string {
  const marks: string[] = [];
  const text = JSON.stringify(
    obj,
    (_k, v: unknown) => {
      if (typeof v === 'bigint') {
        marks.push(v.toString());
        return `\u0000big${marks.length - 1}\u0000`;
      }
      if (typeof v === 'number' && !Number.isFinite(v)) return String(v);
      return v;
    },
    2,
  );
  return text.replace(/"\\u0000big(\d+)\\u0000"/g, (_m, i: string) => marks[Number(i)]);
}

/** Text from --set to the JS value the tag type takes; the writer validates it further. */
export function valueFromText(tag: TagDef | undefined, text: string): unknown {
  if (!tag) return text;
  const kind = typeShape(tag.type).kind;
  if (tag.area === 'coil' || kind === 'bool' || kind === 'bit') {
    if (/^(true|on|1)$/i.test(text)) return true;
    if (/^(false|off|0)$/i.test(text)) return false;
    return text;
  }
  if (kind === 'string') return text;
  // decimal only (one parser with the command path); anything else stays text for the codec to refuse naming the tag
  if ((kind === 'int64' || kind === 'uint64') && tag.scale === 1 && tag.offset === 0) return parseStrictInteger(text) ?? parseStrictNumber(text) ?? text;
  return parseStrictNumber(text) ?? text;
}

async function openLine(o: Options): Promise<ModbusLine> {
  const line = createModbusLine({
    name: 'cli',
    transport: o.transport!,
    timeoutMs: o.timeoutMs,
    connectTimeoutMs: Math.max(o.timeoutMs, 3000),
    queueTimeoutMs: Math.max(o.timeoutMs * 4, 5000),
    unitBackoff: { minMs: 0, maxMs: 0 },
    breaker: { failureThreshold: 1_000_000, resetTimeoutMs: 1000 },
  });
  // A command line tool fails fast: the first failed connection attempt ends it.
  const state = await new Promise<LineState>((resolve) => {
    const onState = (s: LineState) => {
      if (s.connection === 'connected' || s.connection === 'reconnecting' || s.connection === 'closed') {
        line.off('state', onState);
        resolve(s);
      }
    };
    line.on('state', onState);
  });
  if (state.connection !== 'connected') {
    await line.close();
    const why = state.lastError ?? state.connection;
    throw new LineUnavailable(why.startsWith('cannot connect') ? why : `cannot connect to ${describeTransport(o.transport!)}: ${why}`);
  }
  return line;
}

class LineUnavailable extends Error {}

function describeTransport(t: TransportConfig): string {
  return t.kind === 'tcp' || t.kind === 'rtu-over-tcp' ? `${t.host}:${t.port}` : t.path;
}

/** One stderr line per distinct error: the tags it hit and the error (which names the block). */
function reportFailures(io: CliIO, samples: TagSample[]): void {
  const byError = new Map<string, string[]>();
  for (const s of samples) {
    if (s.quality === 'good') continue;
    const key = s.error ?? s.quality;
    const list = byError.get(key) ?? [];
    list.push(s.name);
    byError.set(key, list);
  }
  for (const [error, names] of byError) {
    io.stderr.write(`edge-gateway modbus: ${names.length === 1 ? 'tag' : 'tags'} ${names.map((n) => `'${n}'`).join(', ')}: ${error}\n`);
  }
}

async function read(o: Options, io: CliIO): Promise<number> {
  const tags = loadTags(o);
  const line = await openLine(o);
  try {
    const poller = new DevicePoller({ line, unit: o.unit!, device: `unit${o.unit}`, tags, groups: [{ name: 'all', intervalMs: 1000 }], limits: { maxGap: o.maxGap, maxRegisters: o.maxRegisters } });
    const samples = await poller.pollAll();
    const out: Record<string, TagValue> = {};
    for (const s of samples) out[s.name] = s.quality === 'good' ? s.value : null;
    io.stdout.write(jsonWithBigints(out) + '\n');
    reportFailures(io, samples);
    return samples.every((s) => s.quality === 'good') ? 0 : 1;
  } finally {
    await line.close();
  }
}

async function write(o: Options, io: CliIO): Promise<number> {
  const tags = loadTags(o);
  const byName = new Map(tags.map((t) => [t.name, t]));
  // a Map: a tag named like an Object property ('__proto__') is data here, never a prototype
  const values = new Map<string, unknown>();
  for (const [name, text] of o.sets) values.set(name, valueFromText(byName.get(name), text));
  const line = await openLine(o);
  try {
    const audit = new AuditLog({ file: o.audit });
    // the writer reads each block just before writing it: `old` is what the device held
    const writer = new TagWriter({ line, unit: o.unit!, device: `unit${o.unit}`, tags, audit });
    writer.plan(values); // validate before touching the device
    const user = safeUser();
    try {
      const res = await writer.write(values, `cli:${user}`);
      for (const w of res.warnings) io.stderr.write(`edge-gateway modbus: warning: ${w}\n`);
      // what the device holds after encoding (21.55 -> 21.6 with scale 0.1), and what it held before
      const written: Record<string, unknown> = {};
      const before: Record<string, unknown> = {};
      for (const a of res.audit) {
        written[a.tag] = a.new;
        before[a.tag] = a.old ?? null;
      }
      io.stdout.write(jsonWithBigints({ written, old: before }) + '\n');
      return 0;
    } catch (err) {
      if (err instanceof WriteError) {
        io.stderr.write(`edge-gateway modbus: ${err.message}\n`);
        for (const w of (err as WriteError & { warnings?: string[] }).warnings ?? []) io.stderr.write(`edge-gateway modbus: warning: ${w}\n`);
        return 1;
      }
      throw err;
    }
  } finally {
    await line.close();
  }
}

function safeUser(): string {
  try {
    return userInfo().username;
  } catch {
    return process.env.USER ?? 'unknown';
  }
}

function templates(o: Options, io: CliIO): number {
  if (o.positional.length === 0) {
    for (const t of listTemplates()) io.stdout.write(`${t.name}\t${t.manufacturer} ${t.model}\t${t.tags} tags\n\tsource: ${t.source}\n`);
    return 0;
  }
  const t = loadTemplate(o.positional[0]);
  io.stdout.write(`# ${t.manufacturer} ${t.model}\n# source: ${t.source}\n`);
  io.stdout.write(serializeTagTableCsv(t.tags, { notation: o.notation }));
  return 0;
}

export const modbusCommand: Subcommand = async (argv, io) => {
  if (argv.includes('--help') || argv.includes('-h') || argv.length === 0) {
    io.stdout.write(HELP + '\n');
    return argv.length === 0 ? 2 : 0;
  }
  try {
    const o = parseModbusArgs(argv);
    if (o.action === 'templates') return templates(o, io);
    return o.action === 'read' ? await read(o, io) : await write(o, io);
  } catch (err) {
    if (err instanceof UsageError || err instanceof WriteValidationError || err instanceof TemplateNotFoundError) {
      io.stderr.write(`edge-gateway modbus: ${err.message}\n`);
      return 2;
    }
    if (err instanceof LineUnavailable || err instanceof AuditFileError) {
      io.stderr.write(`edge-gateway modbus: ${err.message}\n`);
      return 1;
    }
    throw err;
  }
};
