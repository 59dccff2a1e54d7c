// Splits DBC text into tokens that remember their line and column. The grammar is line-flavoured
// (receivers and node lists end at the line end, NS_ entries are one a line), so each token also
// says whether it is the first on its line.
import { DbcSyntaxError } from './errors';

export const enum TokenKind {
  Word = 1,
  Number = 2,
  String = 3,
  Punct = 4,
  End = 5,
}

export interface Token {
  kind: TokenKind;
  /** Word or punctuation text, number text as written, or a string's value (escapes resolved). */
  text: string;
  line: number;
  column: number;
  /** The first token on its line. */
  lineStart: boolean;
}

const PUNCTUATION = ':;|@()[],+-';

function isWordStart(c: number): boolean {
  return (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c === 95 || c >= 0x80;
}

function isWordPart(c: number): boolean {
  return isWordStart(c) || (c >= 48 && c <= 57);
}

function isDigit(c: number): boolean {
  return c >= 48 && c <= 57;
}

/** Shortens text for an error message. */
export function excerpt(text: string, max = 40): string {
  const oneLine = text.replace(/\s+/g, ' ');
  return oneLine.length > max ? `${oneLine.slice(0, max)}...` : oneLine;
}

export function tokenizeDbc(text: string, file?: string): Token[] {
  const tokens: Token[] = [];
  const n = text.length;
  let i = 0;
  let line = 1;
  let lineStartIndex = 0;
  let sawTokenOnLine = false;

  const push = (kind: TokenKind, tokenText: string, start: number, startLine: number, startLineIndex: number, first: boolean) => {
    tokens.push({ kind, text: tokenText, line: startLine, column: start - startLineIndex + 1, lineStart: first });
  };

  while (i < n) {
    const c = text.charCodeAt(i);
    if (c === 10) {
      i++;
      line++;
      lineStartIndex = i;
      sawTokenOnLine = false;
      continue;
    }
    if (c === 32 || c === 9 || c === 13 || c === 12 || c === 11 || c === 0 || c === 0xfeff || c === 0xa0) {
      i++;
      continue;
    }
    const first: boolean = !sawTokenOnLine;
    sawTokenOnLine = true;
    const start = i;
    if (c === 47 && text.charCodeAt(i + 1) === 47) {
      // `//` comments run to the end of the line (cantools' test files use them).
      while (i < n && text.charCodeAt(i) !== 10) i++;
      sawTokenOnLine = !first;
      continue;
    }
    if (c === 34) {
      const startLine = line;
      const startLineIndex = lineStartIndex;
      let value = '';
      let chunkStart = i + 1;
      i++;
      let closed = false;
      while (i < n) {
        const d = text.charCodeAt(i);
        if (d === 34) {
          value += text.slice(chunkStart, i);
          i++;
          closed = true;
          break;
        }
        if (d === 92 && i + 1 < n) {
          const e = text.charCodeAt(i + 1);
          if (e === 34 || e === 92) {
            value += text.slice(chunkStart, i) + text[i + 1];
            i += 2;
            chunkStart = i;
            continue;
          }
        }
        if (d === 10) {
          line++;
          lineStartIndex = i + 1;
        }
        i++;
      }
      if (!closed) {
        let lineEnd = text.indexOf('\n', start);
        if (lineEnd < 0) lineEnd = n;
        throw new DbcSyntaxError('unterminated string (no closing ")', startLine, start - startLineIndex + 1, excerpt(text.slice(start + 1, lineEnd)), file);
      }
      push(TokenKind.String, value, start, startLine, startLineIndex, first);
      continue;
    }
    if (isDigit(c) || (c === 46 && isDigit(text.charCodeAt(i + 1)))) {
      while (i < n && isDigit(text.charCodeAt(i))) i++;
      if (text.charCodeAt(i) === 46) {
        i++;
        while (i < n && isDigit(text.charCodeAt(i))) i++;
      }
      const e = text.charCodeAt(i);
      if (e === 69 || e === 101) {
        let j = i + 1;
        const s = text.charCodeAt(j);
        if (s === 43 || s === 45) j++;
        if (isDigit(text.charCodeAt(j))) {
          while (j < n && isDigit(text.charCodeAt(j))) j++;
          i = j;
        }
      }
      if (i < n && isWordPart(text.charCodeAt(i))) {
        // A name that begins with digits (`1ECU`), or a hex literal: a word.
        while (i < n && isWordPart(text.charCodeAt(i))) i++;
        push(TokenKind.Word, text.slice(start, i), start, line, lineStartIndex, first);
      } else {
        push(TokenKind.Number, text.slice(start, i), start, line, lineStartIndex, first);
      }
      continue;
    }
    if (isWordStart(c)) {
      while (i < n && isWordPart(text.charCodeAt(i))) i++;
      push(TokenKind.Word, text.slice(start, i), start, line, lineStartIndex, first);
      continue;
    }
    if (PUNCTUATION.indexOf(text[i]) >= 0) {
      i++;
      push(TokenKind.Punct, text[start], start, line, lineStartIndex, first);
      continue;
    }
    let lineEnd = text.indexOf('\n', i);
    if (lineEnd < 0) lineEnd = n;
    throw new DbcSyntaxError(`unexpected character ${JSON.stringify(text[i])}`, line, i - lineStartIndex + 1, excerpt(text.slice(i, Math.min(lineEnd, i + 40))), file);
  }
  tokens.push({ kind: TokenKind.End, text: '', line, column: i - lineStartIndex + 1, lineStart: true });
  return tokens;
}
