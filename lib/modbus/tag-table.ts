// Tag tables: the CSV and JSON forms a user edits, imports and exports, turned into validated
// TagDefs (0-based addresses) in one pass. Every error names the line (or JSON entry), the tag
// and the field, so a 500-tag table can be fixed from the message alone.
//
// CSV header: name,area,address,type,order,scale,offset,unit,access,group (any order; optional
// extra columns: deadband, description). Empty cells take defaults: order ABCD, scale 1,
// offset 0, access r, and type bool on coil/discrete areas. Lines starting with # are comments.
import { AREAS, WORD_ORDERS, isBitArea, parseTagType, type Area, type TagDef, type WordOrder } from './types';
import { textOf } from '../system/text/text-of';
import { CsvSyntaxError, readCsv, writeCsv, type CsvRecord } from '../system/text/csv';

/**
 * How addresses are written in the table (converted to 0-based on input):
 * - zero: protocol addresses, 0..65535
 * - one: 1-based register numbers, 1..65536
 * - modicon: 0xxxx coils, 1xxxx discrete inputs, 3xxxx input and 4xxxx holding registers
 *   (5 digits, or 6 digits such as 400001 for addresses above 9998); the area may be left empty.
 */
export type AddressNotation = 'zero' | 'one' | 'modicon';
export const NOTATIONS: readonly AddressNotation[] = ['zero', 'one', 'modicon'];

export interface TagTableOptions {
  notation?: AddressNotation;
  /** the device's poll group names: when given, a tag naming another group is an error */
  groups?: readonly string[];
}

export const CSV_COLUMNS = ['name', 'area', 'address', 'type', 'order', 'scale', 'offset', 'unit', 'access', 'group'] as const;
const OPTIONAL_COLUMNS = ['deadband', 'description'] as const;
type Column = (typeof CSV_COLUMNS)[number] | (typeof OPTIONAL_COLUMNS)[number];
const KNOWN_COLUMNS = new Set<string>([...CSV_COLUMNS, ...OPTIONAL_COLUMNS]);

/** A tag table entry that is not valid. `line` for CSV, `entry` (1-based) for JSON. */
export class TagConfigError extends Error {
  constructor(
    readonly field: string,
    readonly reason: string,
    readonly tag?: string,
    readonly line?: number,
    readonly entry?: number,
  ) {
    const where = [line !== undefined ? `line ${line}` : entry !== undefined ? `entry ${entry}` : '', tag ? `tag '${tag}'` : '', `field '${field}'`].filter(Boolean);
    super(`${where.join(', ')}: ${reason}`);
    this.name = 'TagConfigError';
  }
}

export interface TagTableResult {
  tags: TagDef[];
  errors: TagConfigError[];
}

/** Thrown by the parse* functions: the first error, with all of them in `errors`. */
export class TagTableError extends TagConfigError {
  constructor(readonly errors: TagConfigError[]) {
    const first = errors[0];
    super(first.field, first.reason + (errors.length > 1 ? ` (and ${errors.length - 1} more error${errors.length > 2 ? 's' : ''})` : ''), first.tag, first.line, first.entry);
    this.name = 'TagTableError';
  }
}

// ---- addresses -------------------------------------------------------------------------

const MODICON_PREFIX: Record<string, Area> = { '0': 'coil', '1': 'discrete', '3': 'input', '4': 'holding' };
const MODICON_DIGIT: Record<Area, string> = { coil: '0', discrete: '1', input: '3', holding: '4' };

/** Parses an address cell into a 0-based address (and the area, for modicon notation). */
export function parseAddress(text: string, notation: AddressNotation): { address: number; area?: Area } | string {
  const t = text.trim();
  if (notation === 'modicon') {
    if (!/^\d{1,6}$/.test(t)) return `'${text}' is not a Modicon address (e.g. 40001 or 400001)`;
    const digits = t.length === 6 ? t : t.padStart(5, '0');
    const area = MODICON_PREFIX[digits[0]];
    if (!area) return `'${text}': Modicon prefix ${digits[0]} is not 0 (coil), 1 (discrete), 3 (input) or 4 (holding)`;
    const n = Number(digits.slice(1));
    if (n < 1) return `'${text}': Modicon register numbers start at 1`;
    return { area, address: n - 1 };
  }
  if (!/^\d+$/.test(t)) return `'${text}' is not a whole number`;
  const n = Number(t);
  if (notation === 'one') {
    if (n < 1 || n > 65536) return `${n} is outside 1..65536 (1-based notation)`;
    return { address: n - 1 };
  }
  if (n > 65535) return `${n} is outside 0..65535`;
  return { address: n };
}

export function formatAddress(area: Area, address: number, notation: AddressNotation): string {
  if (notation === 'zero') return String(address);
  if (notation === 'one') return String(address + 1);
  const n = address + 1;
  return n <= 9999 ? MODICON_DIGIT[area] + String(n).padStart(4, '0') : MODICON_DIGIT[area] + String(n).padStart(5, '0');
}

// ---- one entry ---------------------------------------------------------------------------

interface Where {
  line?: number;
  entry?: number;
}

/** Names that mean something to every JavaScript object: as keys of {tag: value} they would be dropped or change the object. */
const RESERVED_TAG_NAMES: ReadonlySet<string> = new Set(['__proto__', 'constructor', 'prototype']);

function cell(v: unknown): string {
  if (v === undefined || v === null) return '';
  return typeof v === 'string' ? v.trim() : textOf(v);
}

/** Validates one entry (cells as text or JSON values); pushes its errors and returns the tag or null. */
function readEntry(raw: Partial<Record<Column, unknown>>, where: Where, opts: TagTableOptions, errors: TagConfigError[]): TagDef | null {
  const notation = opts.notation ?? 'zero';
  const name = cell(raw.name);
  const before = errors.length;
  const fail = (field: string, reason: string) => errors.push(new TagConfigError(field, reason, name || undefined, where.line, where.entry));
  if (!name) fail('name', 'a tag needs a name');
  else if (RESERVED_TAG_NAMES.has(name)) fail('name', `'${name}' is reserved (it names a property of every JavaScript object, so {tag: value} messages cannot carry it); rename the tag`);

  let area: Area | undefined;
  const areaText = cell(raw.area).toLowerCase();
  if (areaText) {
    if ((AREAS as readonly string[]).includes(areaText)) area = areaText as Area;
    else fail('area', `'${cell(raw.area)}' is not an area (coil, discrete, holding or input)`);
  }

  let address: number | undefined;
  const addrText = cell(raw.address);
  if (!addrText) fail('address', 'an address is required');
  else {
    const a = parseAddress(addrText, notation);
    if (typeof a === 'string') fail('address', a);
    else {
      address = a.address;
      if (a.area) {
        if (area && area !== a.area) fail('address', `Modicon address ${addrText} is in the ${a.area} area, but the area column says ${area}`);
        area ??= a.area;
      }
    }
  }
  if (!area && !areaText) fail('area', notation === 'modicon' ? 'an area is required (or a Modicon address that implies it)' : 'an area is required (coil, discrete, holding or input)');

  let type: TagDef['type'] | undefined;
  let width = 1;
  const typeText = cell(raw.type);
  if (!typeText) {
    if (area && isBitArea(area)) type = 'bool';
    else if (area) fail('type', 'a type is required for registers (e.g. uint16, float32, bit:3, string:8)');
  } else {
    const p = parseTagType(typeText);
    if (!p) fail('type', `'${typeText}' is not a type (bool, bit:0..15, int16, uint16, int32, uint32, int64, uint64, float32, float64, string:1..125)`);
    else if (area && isBitArea(area) && p.type !== 'bool') fail('type', `a ${area} holds one bit: its type must be bool, not ${p.type}`);
    else {
      type = p.type;
      width = p.shape.width;
    }
  }
  if (address !== undefined && address + width - 1 > 65535) fail('address', `${type} at ${addrText} runs past the last address 65535`);

  let order: WordOrder = 'ABCD';
  const orderText = cell(raw.order).toUpperCase();
  if (orderText) {
    if ((WORD_ORDERS as readonly string[]).includes(orderText)) order = orderText as WordOrder;
    else fail('order', `'${cell(raw.order)}' is not an order (ABCD, CDAB, BADC or DCBA)`);
  }

  const num = (field: Column, dflt: number, check?: (n: number) => string | null): number => {
    const t = cell(raw[field]);
    if (!t) return dflt;
    const n = Number(t);
    if (!Number.isFinite(n)) {
      fail(field, `'${t}' is not a number`);
      return dflt;
    }
    const bad = check?.(n);
    if (bad) fail(field, bad);
    return n;
  };
  const scale = num('scale', 1, (n) => (n === 0 ? 'scale 0 would make every value equal to the offset (and writes impossible)' : null));
  const offset = num('offset', 0);
  const deadbandText = cell(raw.deadband);
  const deadband = deadbandText ? num('deadband', 0, (n) => (n < 0 ? 'a deadband cannot be negative' : null)) : undefined;

  let access: TagDef['access'] = 'r';
  const accessText = cell(raw.access).toLowerCase();
  if (accessText) {
    if (accessText === 'r' || accessText === 'rw') access = accessText;
    else fail('access', `'${cell(raw.access)}' is not an access (r or rw)`);
  }
  if (access === 'rw' && (area === 'discrete' || area === 'input')) fail('access', `${area} ${area === 'input' ? 'registers' : 'inputs'} are read-only: access must be r`);

  const group = cell(raw.group);
  if (group && opts.groups && !opts.groups.includes(group)) fail('group', `no poll group named '${group}' (the device has ${opts.groups.map((g) => `'${g}'`).join(', ') || 'none'})`);

  if (errors.length > before || !area || address === undefined || !type) return null;
  const tag: TagDef = { name, area, address, type, order, scale, offset, access };
  const unit = cell(raw.unit);
  if (unit) tag.unit = unit;
  if (deadband !== undefined) tag.deadband = deadband;
  if (group) tag.group = group;
  const description = cell(raw.description);
  if (description) tag.description = description;
  return tag;
}

function checkDuplicates(tags: Array<{ tag: TagDef; where: Where }>, errors: TagConfigError[]): TagDef[] {
  const seen = new Map<string, Where>();
  const out: TagDef[] = [];
  for (const { tag, where } of tags) {
    const first = seen.get(tag.name);
    if (first) {
      const at = first.line !== undefined ? `line ${first.line}` : `entry ${first.entry}`;
      errors.push(new TagConfigError('name', `duplicate tag name (first defined on ${at})`, tag.name, where.line, where.entry));
      continue;
    }
    seen.set(tag.name, where);
    out.push(tag);
  }
  return out;
}

// ---- CSV ---------------------------------------------------------------------------------

export function readTagTableCsv(text: string, opts: TagTableOptions = {}): TagTableResult {
  const notation = opts.notation ?? 'zero';
  const errors: TagConfigError[] = [];
  let records: CsvRecord[];
  try {
    records = readCsv(text).filter((r) => !r.fields[0].trimStart().startsWith('#'));
  } catch (err) {
    if (!(err instanceof CsvSyntaxError)) throw err;
    return { tags: [], errors: [new TagConfigError('(csv)', `column ${err.column}: ${err.reason}`, undefined, err.line)] };
  }
  if (records.length === 0) return { tags: [], errors };
  const header = records[0];
  const columns = header.fields.map((f) => f.trim().toLowerCase());
  if (!columns.includes('name')) {
    errors.push(new TagConfigError('(header)', `the first line must be the header ${CSV_COLUMNS.join(',')}`, undefined, header.line));
    return { tags: [], errors };
  }
  columns.forEach((c, i) => {
    if (!KNOWN_COLUMNS.has(c)) errors.push(new TagConfigError(c || `(column ${i + 1})`, `unknown column; the columns are ${[...CSV_COLUMNS, ...OPTIONAL_COLUMNS].join(', ')}`, undefined, header.line));
    else if (columns.indexOf(c) !== i) errors.push(new TagConfigError(c, 'column appears twice in the header', undefined, header.line));
  });
  for (const required of ['address', 'type'] as const) {
    if (!columns.includes(required)) errors.push(new TagConfigError(required, 'the header lacks this column', undefined, header.line));
  }
  if (!columns.includes('area') && notation !== 'modicon') errors.push(new TagConfigError('area', 'the header lacks this column', undefined, header.line));
  if (errors.length) return { tags: [], errors };

  const parsed: Array<{ tag: TagDef; where: Where }> = [];
  for (let r = 1; r < records.length; r++) {
    const rec = records[r];
    const raw: Partial<Record<Column, string>> = {};
    for (let c = 0; c < columns.length; c++) raw[columns[c] as Column] = rec.fields[c];
    if (rec.fields.length > columns.length && rec.fields.slice(columns.length).some((f) => f.trim() !== '')) {
      errors.push(
        new TagConfigError('(columns)', `${rec.fields.length} cells but the header has ${columns.length} columns (quote cells that contain commas)`, raw.name?.trim() || undefined, rec.line),
      );
      continue;
    }
    const where = { line: rec.line };
    const tag = readEntry(raw, where, opts, errors);
    if (tag) parsed.push({ tag, where });
  }
  return { tags: checkDuplicates(parsed, errors), errors };
}

export function parseTagTableCsv(text: string, opts: TagTableOptions = {}): TagDef[] {
  const r = readTagTableCsv(text, opts);
  if (r.errors.length) throw new TagTableError(r.errors);
  return r.tags;
}

export function serializeTagTableCsv(tags: readonly TagDef[], opts: TagTableOptions = {}): string {
  const notation = opts.notation ?? 'zero';
  const extra = OPTIONAL_COLUMNS.filter((c) => tags.some((t) => t[c] !== undefined));
  const header = [...CSV_COLUMNS, ...extra];
  const rows: string[][] = [header];
  for (const t of tags) {
    const row: Record<string, string> = {
      name: t.name,
      area: t.area,
      address: formatAddress(t.area, t.address, notation),
      type: t.type,
      order: t.order,
      scale: String(t.scale),
      offset: String(t.offset),
      unit: t.unit ?? '',
      access: t.access,
      group: t.group ?? '',
      deadband: t.deadband === undefined ? '' : String(t.deadband),
      description: t.description ?? '',
    };
    rows.push(header.map((c) => row[c]));
  }
  return writeCsv(rows);
}

// ---- JSON --------------------------------------------------------------------------------

/** JSON form: an array of tag objects, or `{ tags: [...] }` (as in device templates). Addresses
 * may be numbers or strings, in the given notation. */
export function readTagTableJson(input: unknown, opts: TagTableOptions = {}): TagTableResult {
  const errors: TagConfigError[] = [];
  let doc: unknown = input;
  if (typeof input === 'string') {
    try {
      doc = JSON.parse(input);
    } catch (err) {
      return { tags: [], errors: [new TagConfigError('(json)', `not valid JSON: ${(err as Error).message}`)] };
    }
  }
  const list = Array.isArray(doc) ? doc : doc && typeof doc === 'object' && Array.isArray((doc as { tags?: unknown }).tags) ? (doc as { tags: unknown[] }).tags : null;
  if (!list) return { tags: [], errors: [new TagConfigError('(json)', 'expected an array of tags or an object with a "tags" array')] };
  const parsed: Array<{ tag: TagDef; where: Where }> = [];
  list.forEach((item, i) => {
    const where = { entry: i + 1 };
    if (!item || typeof item !== 'object' || Array.isArray(item)) {
      errors.push(new TagConfigError('(entry)', 'each tag must be an object', undefined, undefined, i + 1));
      return;
    }
    const obj = item as Record<string, unknown>;
    for (const k of Object.keys(obj)) {
      if (!KNOWN_COLUMNS.has(k)) errors.push(new TagConfigError(k, `unknown field; the fields are ${[...CSV_COLUMNS, ...OPTIONAL_COLUMNS].join(', ')}`, cell(obj.name) || undefined, undefined, i + 1));
    }
    const tag = readEntry(obj, where, opts, errors);
    if (tag) parsed.push({ tag, where });
  });
  return { tags: checkDuplicates(parsed, errors), errors };
}

export function parseTagTableJson(input: unknown, opts: TagTableOptions = {}): TagDef[] {
  const r = readTagTableJson(input, opts);
  if (r.errors.length) throw new TagTableError(r.errors);
  return r.tags;
}

export function serializeTagTableJson(tags: readonly TagDef[], opts: TagTableOptions = {}): string {
  const notation = opts.notation ?? 'zero';
  const out = tags.map((t) => {
    const o: Record<string, unknown> = { name: t.name, area: t.area, address: notation === 'zero' ? t.address : formatAddress(t.area, t.address, notation), type: t.type };
    if (t.order !== 'ABCD') o.order = t.order;
    if (t.scale !== 1) o.scale = t.scale;
    if (t.offset !== 0) o.offset = t.offset;
    if (t.unit) o.unit = t.unit;
    if (t.deadband !== undefined) o.deadband = t.deadband;
    o.access = t.access;
    if (t.group) o.group = t.group;
    if (t.description) o.description = t.description;
    return o;
  });
  return JSON.stringify(out, null, 2);
}

/** CSV or JSON, told apart by the first character. */
export function readTagTable(text: string, opts: TagTableOptions = {}): TagTableResult {
  const first = text.trimStart()[0];
  return first === '[' || first === '{' ? readTagTableJson(text, opts) : readTagTableCsv(text, opts);
}

export function parseTagTable(text: string, opts: TagTableOptions = {}): TagDef[] {
  const r = readTagTable(text, opts);
  if (r.errors.length) throw new TagTableError(r.errors);
  return r.tags;
}
