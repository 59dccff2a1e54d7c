// Errors and warnings of the DBC parser. Every problem names where it is (file, line, column) so
// an editor status or a CLI run can point the user at the offending text.

/** The DBC text does not follow the grammar at this place. The only error parseDbc throws. */
export class DbcSyntaxError extends Error {
  readonly line: number;
  readonly column: number;
  /** The offending text (the token or the rest of the line, shortened). */
  readonly text: string;
  readonly file?: string;
  /** What the parser expected, without the location (the message adds it). */
  readonly reason: string;

  constructor(reason: string, line: number, column: number, text: string, file?: string) {
    super(`${file ?? 'DBC'}:${line}:${column}: ${reason}${text ? ` near ${quoted(text)}` : ''}`);
    this.name = 'DbcSyntaxError';
    this.reason = reason;
    this.line = line;
    this.column = column;
    this.text = text;
    this.file = file;
  }
}

/** Quoted for the message, unless it already is (string tokens) or is a placeholder like <end of file>. */
function quoted(text: string): string {
  if ((text.length >= 2 && text.startsWith('"') && text.endsWith('"')) || /^<.*>$/.test(text)) return text;
  return `"${text}"`;
}

/** Something the parser accepted but skipped or could not fully honour. */
export interface DbcWarning {
  line: number;
  message: string;
}
