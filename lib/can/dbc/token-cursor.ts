// Reading tokens for the statement parser: expectations that fail with a DbcSyntaxError naming
// what was expected and where.
import { DbcSyntaxError, type DbcWarning } from './errors';
import { isDbcKeyword } from './keywords';
import { type Token, TokenKind, excerpt } from './tokenizer';

export class DbcTokenCursor {
  protected pos = 0;

  constructor(
    protected readonly tokens: Token[],
    protected readonly warnings: DbcWarning[],
    protected readonly file?: string,
  ) {}

  protected peek(offset = 0): Token {
    return this.tokens[Math.min(this.pos + offset, this.tokens.length - 1)];
  }

  protected next(): Token {
    const t = this.tokens[this.pos];
    if (t.kind !== TokenKind.End) this.pos++;
    return t;
  }

  protected error(reason: string, t: Token): DbcSyntaxError {
    const text = t.kind === TokenKind.End ? '<end of file>' : t.kind === TokenKind.String ? `"${excerpt(t.text)}"` : excerpt(t.text);
    return new DbcSyntaxError(reason, t.line, t.column, text, this.file);
  }

  protected isPunct(p: string, offset = 0): boolean {
    const t = this.peek(offset);
    return t.kind === TokenKind.Punct && t.text === p;
  }

  /** The next token is on the same line as the previous one. */
  protected onSameLine(): boolean {
    const t = this.peek();
    return t.kind !== TokenKind.End && !t.lineStart;
  }

  protected startsStatement(t: Token): boolean {
    return t.kind === TokenKind.End || (t.lineStart && t.kind === TokenKind.Word && isDbcKeyword(t.text));
  }

  protected punct(p: string, context: string): Token {
    const t = this.next();
    if (t.kind !== TokenKind.Punct || t.text !== p) throw this.error(`expected "${p}" ${context}`, t);
    return t;
  }

  protected word(context: string): string {
    const t = this.next();
    if (t.kind !== TokenKind.Word) throw this.error(`expected ${context}`, t);
    return t.text;
  }

  protected string(context: string): string {
    const t = this.next();
    if (t.kind !== TokenKind.String) throw this.error(`expected ${context} (a quoted string)`, t);
    return t.text;
  }

  protected number(context: string): number {
    let sign = 1;
    let t = this.next();
    if (t.kind === TokenKind.Punct && (t.text === '-' || t.text === '+')) {
      if (t.text === '-') sign = -1;
      t = this.next();
    }
    if (t.kind === TokenKind.Number) return sign * Number(t.text);
    if (t.kind === TokenKind.Word && /^0x[0-9a-f]+$/i.test(t.text)) return sign * Number(t.text);
    throw this.error(`expected ${context} (a number)`, t);
  }

  protected integer(context: string, min = -Infinity, max = Infinity): number {
    const t = this.peek();
    const value = this.number(context);
    if (!Number.isInteger(value)) throw this.error(`expected ${context} (a whole number)`, t);
    if (value < min || value > max) throw this.error(`${context} ${value} is out of range ${min}..${max}`, t);
    return value;
  }

  protected numberOrString(context: string): number | string {
    return this.peek().kind === TokenKind.String ? this.string(context) : this.number(context);
  }

  /** The closing `;`. A missing one before the next statement is tolerated with a warning. */
  protected end(keyword: string): void {
    const t = this.peek();
    if (t.kind === TokenKind.Punct && t.text === ';') {
      this.pos++;
      return;
    }
    if (this.startsStatement(t)) {
      this.warnings.push({ line: t.line, message: `missing ";" at the end of ${keyword} before line ${t.line}` });
      return;
    }
    throw this.error(`expected ";" at the end of ${keyword}`, t);
  }

  /** Skips a statement: up to its `;`, or to the next line that starts with a keyword. */
  protected skipStatement(): void {
    this.next();
    for (;;) {
      const t = this.peek();
      if (t.kind === TokenKind.End || this.startsStatement(t)) return;
      this.pos++;
      if (t.kind === TokenKind.Punct && t.text === ';') return;
    }
  }
}
