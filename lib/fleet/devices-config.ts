// The `devices:` list of the settings file: real field devices the runtime turns into flows on
// first start. Checked completely before anything starts; every error names the device entry,
// the field and, for YAML files, the line of the entry.
import { FILE_LIMITS, FileReadError, readBoundedText } from '../system/fs/bounded-read';
import { dirname, isAbsolute, resolve } from 'node:path';
import { readTagTable, serializeTagTableCsv } from '../modbus/tag-table';
import { loadTemplate, templateNames } from '../modbus/templates';
import { resolveDeviceConfig, DeviceConfigError } from '../modbus/poller/config';
import { textOf } from '../system/text/text-of';

export type DeviceTransport = 'tcp' | 'rtu-over-tcp' | 'rtu' | 'ascii';

export interface DeviceSpec {
  name: string;
  transport: DeviceTransport;
  /** tcp, rtu-over-tcp */
  host?: string;
  port?: number;
  /** rtu, ascii */
  path?: string;
  baudRate?: number;
  parity?: 'none' | 'even' | 'odd';
  dataBits?: 7 | 8;
  stopBits?: 1 | 2;
  unit: number;
  /** a shipped template name (lib/modbus/templates) when the tags come from one */
  template?: string;
  manufacturer?: string;
  model?: string;
  /** the tag table as CSV text, zero-based addresses (resolved from the template, a CSV file or inline) */
  tagsCsv: string;
  /** poll groups; `poll:` sets every group's interval */
  groups: Array<{ name: string; interval: number }>;
  /** 1-based line of the entry in a YAML file, when known */
  line?: number;
}

export class DevicesConfigError extends Error {
  constructor(
    readonly file: string,
    readonly field: string,
    readonly reason: string,
    readonly line?: number,
  ) {
    super(`${file}${line ? ` line ${line}` : ''}: ${field}: ${reason}`);
    this.name = 'DevicesConfigError';
  }
}

const TRANSPORTS: DeviceTransport[] = ['tcp', 'rtu-over-tcp', 'rtu', 'ascii'];
/**
 * A device's name: at most 64 characters, starting with a letter or digit, without what an MQTT
 * topic level or a log line cannot hold ('/', '+', '#', control characters); not the name of a
 * built-in object property (__proto__, constructor, toString...), which lookups by name would find.
 */
const DEVICE_NAME = /^[\p{L}\p{N}][^/+#\u0000-\u001f\u007f]{0,63}$/u;

const KNOWN = ['name', 'transport', 'host', 'port', 'path', 'baudRate', 'parity', 'dataBits', 'stopBits', 'unit', 'template', 'tags', 'poll'];
const MIN_POLL_MS = 10;

/** The 1-based lines where the entries of the top-level `devices:` list start (YAML block style). */
export function yamlEntryLines(text: string): number[] {
  const lines = text.split(/\r?\n/);
  const out: number[] = [];
  const start = lines.findIndex((l) => /^devices\s*:/.test(l));
  if (start < 0) return out;
  let indent: number | undefined;
  for (let i = start + 1; i < lines.length; i++) {
    const l = lines[i];
    if (/^\S/.test(l) && !/^\s*#/.test(l) && !/^-/.test(l)) break;
    const m = /^(\s*)- /.exec(l) ?? /^(\s*)-$/.exec(l);
    if (!m) continue;
    indent ??= m[1].length;
    if (m[1].length === indent) out.push(i + 1);
  }
  return out;
}

/** "1s", "500ms", "2 min", 1000 -> milliseconds; NaN when not a duration. */
export function parsePollInterval(raw: unknown): number {
  if (typeof raw === 'number') return raw;
  const m = /^(\d+(?:\.\d+)?)\s*(ms|s|min)?$/.exec(String(raw).trim());
  if (!m) return NaN;
  return Number(m[1]) * ({ ms: 1, s: 1000, min: 60000 } as Record<string, number>)[m[2] ?? 'ms'];
}

/**
 * Checks the `devices:` value of settings file `file` (whose text gives YAML line numbers) and
 * resolves every device's tag table. CSV paths are relative to the settings file.
 */
export function parseDevices(value: unknown, file: string, text = ''): DeviceSpec[] {
  if (!Array.isArray(value)) throw new DevicesConfigError(file, 'devices', 'must be a list of devices');
  const lines = /\.ya?ml$/i.test(file) ? yamlEntryLines(text) : [];
  const names = new Set<string>();
  const units = new Map<string, string>();
  return value.map((entry, i) => {
    const line = lines[i];
    const where = (field?: string) => `devices[${i}]${field ? `.${field}` : ''}`;
    const fail = (field: string | undefined, message: string): never => {
      throw new DevicesConfigError(file, where(field), message, line);
    };
    if (!entry || typeof entry !== 'object' || Array.isArray(entry)) fail(undefined, 'must be an object with name, transport, unit and template or tags');
    const e = entry as Record<string, unknown>;
    for (const k of Object.keys(e)) if (!KNOWN.includes(k)) fail(k, `unknown field (known: ${KNOWN.join(', ')})`);
    if (typeof e.name !== 'string' || !e.name.trim()) fail('name', 'missing (a device needs a name)');
    const name = (e.name as string).trim();
    if (name.includes('/')) fail('name', `"${name}" must not contain '/' (it becomes part of MQTT topics)`);
    if (!DEVICE_NAME.test(name) || name in Object.prototype) {
      fail(
        'name',
        `${JSON.stringify(name.length > 60 ? `${name.slice(0, 60)}...` : name)} is not a device name: at most 64 characters, starting with a letter or digit, without '/', '+', '#' or control characters, and not a built-in name (__proto__, constructor...)`,
      );
    }
    if (names.has(name)) fail('name', `"${name}" is used by two devices`);
    names.add(name);
    const transport = (e.transport ?? 'tcp') as DeviceTransport;
    if (!TRANSPORTS.includes(transport)) fail('transport', `"${String(e.transport)}" must be one of ${TRANSPORTS.join(', ')}`);
    const int = (field: string, min: number, max: number, dflt?: number): number | undefined => {
      const v = e[field];
      if (v === undefined || v === null || v === '') return dflt;
      const n = typeof v === 'number' ? v : /^\d+$/.test(textOf(v).trim()) ? Number(v) : NaN;
      if (!Number.isInteger(n) || n < min || n > max) fail(field, `"${textOf(v)}" must be a whole number ${min}..${max}`);
      return n;
    };
    const spec: Partial<DeviceSpec> = { name, transport, line, unit: int('unit', 0, 255, 1)! };
    if (transport === 'tcp' || transport === 'rtu-over-tcp') {
      let host = e.host;
      let port = int('port', 1, 65535);
      // "host: 10.0.0.5:502" is accepted too: it is how addresses are usually written down
      if (typeof host === 'string' && /^[^:\s]+:\d+$/.test(host.trim()) && port === undefined) {
        const [h, p] = host.trim().split(':');
        host = h;
        port = Number(p);
        if (port < 1 || port > 65535) fail('host', `"${String(e.host)}": port out of range`);
      }
      if (typeof host !== 'string' || !host.trim()) fail('host', `missing (transport ${transport} needs host, e.g. 192.168.1.20 or 192.168.1.20:502)`);
      for (const k of ['path', 'baudRate', 'parity', 'dataBits', 'stopBits']) if (e[k] !== undefined) fail(k, `is for serial transports (rtu, ascii), not ${transport}`);
      spec.host = (host as string).trim();
      spec.port = port ?? 502;
    } else {
      if (typeof e.path !== 'string' || !e.path.trim()) fail('path', `missing (transport ${transport} needs the serial port, e.g. /dev/ttyUSB0)`);
      if (e.host !== undefined || e.port !== undefined) fail(e.host !== undefined ? 'host' : 'port', `is for tcp transports, not ${transport}`);
      spec.path = (e.path as string).trim();
      spec.baudRate = int('baudRate', 50, 4000000, 9600);
      const parity = e.parity ?? 'none';
      if (!['none', 'even', 'odd'].includes(textOf(parity))) fail('parity', `"${textOf(parity)}" must be none, even or odd`);
      spec.parity = parity as DeviceSpec['parity'];
      spec.dataBits = int('dataBits', 7, 8, 8) as 7 | 8;
      spec.stopBits = int('stopBits', 1, 2, 1) as 1 | 2;
    }
    const lineKey = `${spec.host ?? spec.path}:${spec.port ?? ''}#${spec.unit}`;
    if (units.has(lineKey)) fail('unit', `unit ${spec.unit} on the same line is already device "${units.get(lineKey)}"`);
    units.set(lineKey, name);

    if ((e.template === undefined) === (e.tags === undefined))
      fail(e.template === undefined ? 'tags' : 'template', 'give either template (a shipped register map) or tags (a CSV file, inline CSV, or a list), not both');
    let groups: Array<{ name: string; interval: number }>;
    if (e.template !== undefined) {
      if (typeof e.template !== 'string' || !templateNames().includes(e.template)) fail('template', `no template named "${textOf(e.template)}" (known: ${templateNames().join(', ')})`);
      const t = loadTemplate(e.template as string);
      spec.template = t.name;
      spec.manufacturer = t.manufacturer;
      spec.model = t.model;
      spec.tagsCsv = serializeTagTableCsv(t.tags, { notation: 'zero' });
      groups = t.groups.length ? t.groups.map((g) => ({ name: g.name, interval: g.interval })) : [{ name: 'default', interval: 1000 }];
    } else {
      spec.tagsCsv = tagsText(
        e.tags,
        file,
        () => fail('tags', 'must be a CSV file path, inline CSV text (with a header line) or a list of tag objects'),
        (m) => fail('tags', m),
      );
      const r = readTagTable(spec.tagsCsv, {});
      const named = [...new Set(r.tags.map((t) => t.group).filter((g): g is string => !!g))];
      groups = named.length ? named.map((g) => ({ name: g, interval: 1000 })) : [{ name: 'default', interval: 1000 }];
    }
    if (e.poll !== undefined) {
      const ms = parsePollInterval(e.poll);
      if (!Number.isFinite(ms) || ms < MIN_POLL_MS) fail('poll', `"${textOf(e.poll)}" is not a poll interval of at least ${MIN_POLL_MS} ms (e.g. 1000, "500ms", "2s")`);
      groups = groups.map((g) => ({ ...g, interval: ms }));
    }
    spec.groups = groups;
    try {
      // the same checks the modbus-device node makes at deploy, so a bad table stops the start instead
      resolveDeviceConfig({ device: name, unit: spec.unit, notation: 'zero', tags: spec.tagsCsv, groups, output: 'scan' });
    } catch (err) {
      if (err instanceof DeviceConfigError) fail(e.template !== undefined ? 'template' : 'tags', err.message);
      throw err;
    }
    return spec as DeviceSpec;
  });

  function tagsText(v: unknown, settingsFile: string, bad: () => never, failWith: (m: string) => never): string {
    if (Array.isArray(v)) return JSON.stringify(v);
    if (typeof v !== 'string' || !v.trim()) return bad();
    if (v.includes('\n')) return v;
    const p = isAbsolute(v) ? v : resolve(dirname(settingsFile), v);
    try {
      return readBoundedText(p, { maxBytes: FILE_LIMITS.tagTable });
    } catch (err) {
      if (!(err instanceof FileReadError)) throw err;
      return failWith(`cannot read the tag table ${err.path}: ${err.reason}`);
    }
  }
}
