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
import { TagConfigError, TagTableError, tagTableProblem, type TagTableErrorCode, type TagTableProblem } from './tag-table-errors';

export { TAG_TABLE_ERROR_CODES, TagConfigError, TagTableError, type TagTableErrorCode, type TagTableProblem } from './tag-table-errors';

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
const ALL_COLUMNS = [...CSV_COLUMNS, ...OPTIONAL_COLUMNS].join(', ');

export interface TagTableResult {
  tags: TagDef[];
  errors: TagConfigError[];
}

// ---- addresses -------------------------------------------------------------------------

const MODICON_PREFIX: Record<string, Area> = { '0': 'coil', '1': 'discrete', '3': 'input', '4': 'holding' };
const MODICON_DIGIT: Record<Area, string> = { coil: '0', discrete: '1', input: '3', holding: '4' };

/** Parses an address cell into a 0-based address (and the area, for modicon notation); a problem when it is not one. */
function readAddress(text: string, notation: AddressNotation): { address: number; area?: Area } | TagTableProblem {
  const t = text.trim();
  if (notation === 'modicon') {
    if (!/^\d{1,6}$/.test(t)) return tagTableProblem('notModiconAddress', { value: text });
    const digits = t.length === 6 ? t : t.padStart(5, '0');
    const area = MODICON_PREFIX[digits[0]];
    if (!area) return tagTableProblem('modiconPrefix', { value: text, prefix: digits[0] });
    const n = Number(digits.slice(1));
    if (n < 1) return tagTableProblem('modiconStartsAtOne', { value: text });
    return { area, address: n - 1 };
  }
  if (!/^\d+$/.test(t)) return tagTableProblem('notWholeNumber', { value: text });
  const n = Number(t);
  if (notation === 'one') {
    if (n < 1 || n > 65536) return tagTableProblem('outsideOneBased', { value: n });
    return { address: n - 1 };
  }
  if (n > 65535) return tagTableProblem('outsideZeroBased', { value: n });
  return { address: n };
}

/** Parses an address cell into a 0-based address (and the area, for modicon notation), or the reason it is not one. */
export function parseAddress(text: string, notation: AddressNotation): { address: number; area?: Area } | string {
  const read = readAddress(text, notation);
  return 'reason' in read ? read.reason : read;
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
  const at = { tag: name || undefined, line: where.line, entry: where.entry };
  const fail = (field: string, code: TagTableErrorCode, args?: Record<string, string | number>) => errors.push(new TagConfigError(field, tagTableProblem(code, args), at));
  if (!name) fail('name', 'nameRequired');
  else if (RESERVED_TAG_NAMES.has(name)) fail('name', 'nameReserved', { name });

  let area: Area | undefined;
  const areaText = cell(raw.area).toLowerCase();
  if (areaText) {
    if ((AREAS as readonly string[]).includes(areaText)) area = areaText as Area;
    else fail('area', 'unknownArea', { value: cell(raw.area) });
  }

  let address: number | undefined;
  const addrText = cell(raw.address);
  if (!addrText) fail('address', 'addressRequired');
  else {
    const a = readAddress(addrText, notation);
    if ('reason' in a) errors.push(new TagConfigError('address', a, at));
    else {
      address = a.address;
      if (a.area) {
        if (area && area !== a.area) fail('address', 'modiconAreaMismatch', { address: addrText, implied: a.area, area });
        area ??= a.area;
      }
    }
  }
  if (!area && !areaText) fail('area', notation === 'modicon' ? 'areaRequiredModicon' : 'areaRequired');

  let type: TagDef['type'] | undefined;
  let width = 1;
  const typeText = cell(raw.type);
  if (!typeText) {
    if (area && isBitArea(area)) type = 'bool';
    else if (area) fail('type', 'typeRequired');
  } else {
    const p = parseTagType(typeText);
    if (!p) fail('type', 'unknownType', { value: typeText });
    else if (area && isBitArea(area) && p.type !== 'bool') fail('type', 'bitAreaType', { area, type: p.type });
    else {
      type = p.type;
      width = p.shape.width;
    }
  }
  if (address !== undefined && address + width - 1 > 65535) fail('address', 'pastLastAddress', { type: String(type), address: addrText });

  let order: WordOrder = 'ABCD';
  const orderText = cell(raw.order).toUpperCase();
  if (orderText) {
    if ((WORD_ORDERS as readonly string[]).includes(orderText)) order = orderText as WordOrder;
    else fail('order', 'unknownOrder', { value: cell(raw.order) });
  }

  const num = (field: Column, dflt: number, check?: (n: number) => TagTableErrorCode | null): number => {
    const t = cell(raw[field]);
    if (!t) return dflt;
    const n = Number(t);
    if (!Number.isFinite(n)) {
      fail(field, 'notANumber', { value: t });
      return dflt;
    }
    const bad = check?.(n);
    if (bad) fail(field, bad);
    return n;
  };
  const scale = num('scale', 1, (n) => (n === 0 ? 'scaleZero' : null));
  const offset = num('offset', 0);
  const deadbandText = cell(raw.deadband);
  const deadband = deadbandText ? num('deadband', 0, (n) => (n < 0 ? 'negativeDeadband' : null)) : undefined;

  let access: TagDef['access'] = 'r';
  const accessText = cell(raw.access).toLowerCase();
  if (accessText) {
    if (accessText === 'r' || accessText === 'rw') access = accessText;
    else fail('access', 'unknownAccess', { value: cell(raw.access) });
  }
  if (access === 'rw' && (area === 'discrete' || area === 'input')) fail('access', area === 'input' ? 'readOnlyInput' : 'readOnlyDiscrete');

  const group = cell(raw.group);
  if (group && opts.groups && !opts.groups.includes(group)) {
    if (opts.groups.length) fail('group', 'unknownGroup', { group, groups: opts.groups.map((g) => `'${g}'`).join(', ') });
    else fail('group', 'unknownGroupNoGroups', { group });
  }

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
      const problem = first.line !== undefined ? tagTableProblem('duplicateNameOnLine', { line: first.line }) : tagTableProblem('duplicateNameInEntry', { entry: first.entry ?? 0 });
      errors.push(new TagConfigError('name', problem, { tag: tag.name, ...where }));
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
    return { tags: [], errors: [new TagConfigError('(csv)', tagTableProblem('csvSyntax', { column: err.column, reason: err.reason }), { line: err.line })] };
  }
  if (records.length === 0) return { tags: [], errors };
  const header = records[0];
  const columns = header.fields.map((f) => f.trim().toLowerCase());
  if (!columns.includes('name')) {
    errors.push(new TagConfigError('(header)', tagTableProblem('noHeader', { columns: CSV_COLUMNS.join(',') }), { line: header.line }));
    return { tags: [], errors };
  }
  columns.forEach((c, i) => {
    if (!KNOWN_COLUMNS.has(c)) errors.push(new TagConfigError(c || `(column ${i + 1})`, tagTableProblem('unknownColumn', { columns: ALL_COLUMNS }), { line: header.line }));
    else if (columns.indexOf(c) !== i) errors.push(new TagConfigError(c, tagTableProblem('repeatedColumn'), { line: header.line }));
  });
  for (const required of ['address', 'type'] as const) {
    if (!columns.includes(required)) errors.push(new TagConfigError(required, tagTableProblem('missingColumn'), { line: header.line }));
  }
  if (!columns.includes('area') && notation !== 'modicon') errors.push(new TagConfigError('area', tagTableProblem('missingColumn'), { line: header.line }));
  if (errors.length) return { tags: [], errors };

  const parsed: Array<{ tag: TagDef; where: Where }> = [];
  for (let r = 1; r < records.length; r++) {
    const rec = records[r];
    const raw: Partial<Record<Column, string>> = {};
    for (let c = 0; c < columns.length; c++) raw[columns[c] as Column] = rec.fields[c];
    if (rec.fields.length > columns.length && rec.fields.slice(columns.length).some((f) => f.trim() !== '')) {
      errors.push(new TagConfigError('(columns)', tagTableProblem('extraCells', { cells: rec.fields.length, columns: columns.length }), { tag: raw.name?.trim() || undefined, line: rec.line }));
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
      return { tags: [], errors: [new TagConfigError('(json)', tagTableProblem('invalidJson', { error: (err as Error).message }))] };
    }
  }
  const list = Array.isArray(doc) ? doc : doc && typeof doc === 'object' && Array.isArray((doc as { tags?: unknown }).tags) ? (doc as { tags: unknown[] }).tags : null;
  if (!list) return { tags: [], errors: [new TagConfigError('(json)', tagTableProblem('notATagList'))] };
  const parsed: Array<{ tag: TagDef; where: Where }> = [];
  list.forEach((item, i) => {
    const where = { entry: i + 1 };
    if (!item || typeof item !== 'object' || Array.isArray(item)) {
      errors.push(new TagConfigError('(entry)', tagTableProblem('entryNotObject'), { entry: i + 1 }));
      return;
    }
    const obj = item as Record<string, unknown>;
    for (const k of Object.keys(obj)) {
      if (!KNOWN_COLUMNS.has(k)) errors.push(new TagConfigError(k, tagTableProblem('unknownField', { fields: ALL_COLUMNS }), { tag: cell(obj.name) || undefined, entry: i + 1 }));
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
