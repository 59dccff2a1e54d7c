// CSV as RFC 4180 writes it (quoted fields with "" for a quote inside, commas and line breaks
// inside quotes, CRLF or LF), read and written once for every table the gateway takes or makes:
// tag tables, alarm rule tables, statistics reports. Each record keeps the line it starts on and
// a syntax error names line, column and field, so a caller can point at the cell in its own terms.

export interface CsvRecord {
  /** 1-based line number of the record's first character */
  line: number;
  fields: string[];
}

export type CsvProblem = 'unterminated-quote' | 'text-after-quote';

export class CsvSyntaxError extends Error {
  constructor(
    /** 1-based line of the offending character */
    readonly line: number,
    /** 1-based column of the offending character */
    readonly column: number,
    /** 0-based index of the field within its record */
    readonly field: number,
    /** 1-based line on which the broken record starts (before `line` when a quoted field spans lines) */
    readonly recordLine: number,
    readonly problem: CsvProblem,
    /** what is wrong, in words */
    readonly reason: string,
  ) {
    super(`CSV line ${line}, column ${column}: ${reason}`);
    this.name = 'CsvSyntaxError';
  }
}

const isBlank = (c: string | undefined) => c === ' ' || c === '\t';
const endsField = (c: string | undefined) => c === undefined || c === ',' || c === '\n' || c === '\r';

/**
 * Splits CSV text into records in one pass. Blank lines are skipped, a leading BOM (spreadsheet
 * exports) is ignored, and spaces around a quoted field are allowed (hand-written tables put
 * one after each comma). Throws CsvSyntaxError for an unterminated quote or text after a
 * closing quote.
 */
export function readCsv(text: string): CsvRecord[] {
  const records: CsvRecord[] = [];
  const n = text.length;
  let i = text.charCodeAt(0) === 0xfeff ? 1 : 0;
  let line = 1;
  let lineStart = i;
  while (i < n) {
    const recordLine = line;
    const fields: string[] = [];
    for (;;) {
      let quoteAt = i;
      while (isBlank(text[quoteAt])) quoteAt++;
      let field = '';
      if (text[quoteAt] === '"') {
        const openColumn = quoteAt - lineStart + 1;
        const openLine = line;
        i = quoteAt + 1;
        for (;;) {
          if (i >= n) throw new CsvSyntaxError(openLine, openColumn, fields.length, recordLine, 'unterminated-quote', 'unterminated quoted field');
          const c = text[i];
          if (c === '"') {
            if (text[i + 1] === '"') {
              field += '"';
              i += 2;
              continue;
            }
            i++;
            break;
          }
          if (c === '\n') {
            line++;
            lineStart = i + 1;
          }
          field += c;
          i++;
        }
        while (isBlank(text[i])) i++;
        if (!endsField(text[i])) {
          throw new CsvSyntaxError(line, i - lineStart + 1, fields.length, recordLine, 'text-after-quote', `unexpected ${JSON.stringify(text[i])} after a closing quote`);
        }
      } else {
        const start = i;
        while (!endsField(text[i])) i++;
        field = text.slice(start, i);
      }
      fields.push(field);
      if (text[i] === ',') {
        i++;
        continue;
      }
      break;
    }
    if (text[i] === '\r') i++;
    if (text[i] === '\n') i++;
    line++;
    lineStart = i;
    if (!(fields.length === 1 && fields[0].trim() === '')) records.push({ line: recordLine, fields });
  }
  return records;
}

/**
 * One field as CSV: quoted when it holds a quote, a comma or a line break, and also when it
 * starts or ends with white space, which readers that trim fields would otherwise lose.
 */
export function csvField(value: string): string {
  return /[",\r\n]|^\s|\s$/.test(value) ? `"${value.replace(/"/g, '""')}"` : value;
}

/** One record as a CSV line, without the line break. */
export function csvRow(fields: readonly string[]): string {
  return fields.map(csvField).join(',');
}

/** Records as CSV text, each ended by "\n". */
export function writeCsv(rows: readonly (readonly string[])[]): string {
  return rows.map(csvRow).join('\n') + '\n';
}
