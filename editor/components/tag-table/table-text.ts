// The tag table as the modbus-device dialog edits it: CSV text (what the node saves), or rows of
// cells in the grid. The rules and their messages are lib's (lib/modbus/tag-table.ts), the ones the
// runtime applies at deploy, so the dialog names the same line, tag and field. No DOM here: the grid
// (tag-grid.ts) draws what these functions compute.
import { CSV_COLUMNS, TagTableError, readTagTable, readTagTableCsv, type AddressNotation, type TagConfigError } from '../../../lib/modbus/tag-table';
import { readCsv, writeCsv } from '../../../lib/system/text/csv';
import type { Translate } from '../translate';

/** The grid's columns in order: the CSV header's, then the optional ones lib reads. */
export const TABLE_COLUMNS = [...CSV_COLUMNS, 'deadband', 'description'] as const;
export type TableColumn = (typeof TABLE_COLUMNS)[number];
/** One tag as the grid holds it: a text per column (a missing column reads as empty). */
export type TableRow = Partial<Record<TableColumn, string>>;

/** What the rules depend on besides the table: the device's address notation and poll groups. */
export interface TableContext {
  notation?: string;
  /** the device's poll group names; null: not known, any group name passes */
  groups?: readonly unknown[] | null;
}

const EMPTY = 'the tag table is empty';

function optionsOf(context: TableContext): { notation?: AddressNotation; groups?: string[] } {
  return {
    notation: context.notation as AddressNotation | undefined,
    groups: context.groups ? context.groups.filter((g): g is string => typeof g === 'string') : undefined,
  };
}

/**
 * The first problem of a tag table (CSV or JSON) as the dialog shows it, naming line (or entry),
 * tag and field; null when the table is fine. A table without tags is a problem: a device that
 * polls nothing is a mistake. In the editor's language through `translate`; lib's message without.
 */
export function tableProblem(text: string | undefined, context: TableContext, translate?: Translate): string | null {
  const empty = (): string => (translate ? translate('modbus-device.label.tableEmpty', EMPTY, {}) : EMPTY);
  if (!(text ?? '').trim()) return empty();
  const { tags, errors } = readTagTable(text ?? '', optionsOf(context));
  if (errors.length) return translate ? problemMessage(errors[0], translate, moreErrors(errors.length - 1, translate)) : new TagTableError(errors).message;
  return tags.length ? null : empty();
}

/** " (and n more errors)" after the first error's reason, as TagTableError says it in English. */
function moreErrors(more: number, translate: Translate): string {
  if (more === 0) return '';
  if (more === 1) return ` ${translate('modbus-device.label.moreError', '(and 1 more error)', {})}`;
  return ` ${translate('modbus-device.label.moreErrors', `(and ${more} more errors)`, { count: more })}`;
}

/** The table's rows with the line each starts on, or the error that keeps CSV text out of the grid. */
export type TableRows = { rows: Array<{ line: number; cells: TableRow }> } | { error: TagConfigError };

/**
 * The rows of CSV text for the grid. Only what breaks the table's shape keeps it out (bad CSV
 * syntax, a bad header); a row with bad cells loads, and the grid marks the cells.
 */
export function tableRows(text: string | undefined, context: TableContext): TableRows {
  const source = text ?? '';
  const { errors } = readTagTableCsv(source, optionsOf(context));
  const syntax = errors.find((e) => e.field === '(csv)');
  if (syntax) return { error: syntax };
  const records = readCsv(source).filter((r) => !r.fields[0].trimStart().startsWith('#'));
  if (!records.length) return { rows: [] };
  const [header, ...body] = records;
  const headerError = errors.find((e) => e.line === header.line);
  if (headerError) return { error: headerError };
  const columns = header.fields.map((f) => f.trim().toLowerCase() as TableColumn);
  return {
    rows: body.map((record) => {
      const cells: TableRow = {};
      columns.forEach((column, i) => (cells[column] = (record.fields[i] ?? '').trim()));
      return { line: record.line, cells };
    }),
  };
}

/** CSV text of rows: the header's columns always, an optional column when a row uses it. */
export function tableText(rows: readonly TableRow[]): string {
  const columns = TABLE_COLUMNS.filter((column, i) => i < CSV_COLUMNS.length || rows.some((row) => row[column]));
  return writeCsv([columns, ...rows.map((row) => columns.map((column) => row[column] ?? ''))]);
}

/** Where a problem of the table is: line (CSV) or entry (JSON), the tag when it has a name, the field. */
export interface ProblemPlace {
  line?: number;
  entry?: number;
  tag?: string;
  field?: string;
}

/** A tag table error's reason in the editor's language: its code through the catalog, lib's English reason as the fallback. */
export function problemReason(error: Pick<TagConfigError, 'code' | 'args' | 'reason'>, translate: Translate): string {
  return translate(`modbus-device.tagTable.${error.code}`, error.reason, error.args);
}

/** The place of a problem as lib's message names it ("line 3, tag 'flow', field 'group'"), in the editor's language. */
export function placeText(place: ProblemPlace, translate: Translate): string {
  const { line, entry, tag, field } = place;
  return [
    line !== undefined ? translate('modbus-device.place.line', `line ${line}`, { line }) : entry !== undefined ? translate('modbus-device.place.entry', `entry ${entry}`, { entry }) : '',
    tag ? translate('modbus-device.place.tag', `tag '${tag}'`, { tag }) : '',
    field !== undefined ? translate('modbus-device.place.field', `field '${field}'`, { field }) : '',
  ]
    .filter(Boolean)
    .join(', ');
}

/**
 * A tag table error with its place in the editor's language, as lib's message reads in English
 * ("line 3, tag 'flow', field 'group': no poll group named 'fast' (the device has 'slow')");
 * `more` follows the reason.
 */
export function problemMessage(error: ProblemPlace & Pick<TagConfigError, 'code' | 'args' | 'reason'>, translate: Translate, more = ''): string {
  const place = placeText(error, translate);
  const reason = problemReason(error, translate) + more;
  return place ? `${place}: ${reason}` : reason;
}

/** Each row's errors (lib's, with field and reason), in the order of the rows. */
export function rowProblems(rows: readonly TableRow[], context: TableContext): TagConfigError[][] {
  const problems = rows.map((): TagConfigError[] => []);
  // tableText writes the header on line 1 and row i on line i + 2 (a grid cell holds no line break)
  for (const error of readTagTableCsv(tableText(rows), optionsOf(context)).errors) {
    if (error.line !== undefined) problems[error.line - 2]?.push(error);
  }
  return problems;
}
