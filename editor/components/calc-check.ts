// What the tag-calc dialog says while the definitions are typed: its own quick check of each
// line's shape, and the server's full check (POST edgegw/calc/check, the rules a deploy applies).
// Both in the editor's language: the server answers an error with its code and arguments, the
// catalog (tag-calc.exprError.<code>) says it, and lib's English text is the fallback.
import type { ExprErrorCode } from '../../lib/expr/errors';
import type { Translate } from './translate';
import { eachEntryLine } from './line-table';

/** The answer of POST edgegw/calc/check with { codes: true }. */
export interface CalcCheckAnswer {
  ok: boolean;
  definitions: Array<{ name: string; unit?: string }>;
  error: { line: number; column: number; message: string; code?: ExprErrorCode; args?: Readonly<Record<string, string | number>> };
}

const DEFINITION = /^\s*[A-Za-z_][A-Za-z0-9_]*\s*(\[[^\]]*\]\s*)?(\{[^}]*\}\s*)?=(?!=)/;

/** The editor's quick check of the definitions' shape (the server's check applies the full sandbox rules). */
export function quickCheck(text: string | undefined, translate: Translate): string | null {
  let definitions = 0;
  const problem = eachEntryLine(text, (_line, n, raw) => {
    if (!DEFINITION.test(raw)) return translate('tag-calc.check.expected', `line ${n}: expected "name = expression"`, { line: n });
    definitions++;
    return null;
  });
  return problem ?? (definitions ? null : translate('tag-calc.check.none', 'no definitions', {}));
}

/** An expression error's reason in the editor's language; the English message when it has no code. */
export function exprErrorReason(error: CalcCheckAnswer['error'], translate: Translate): string {
  return error.code ? translate(`tag-calc.exprError.${error.code}`, error.message, error.args ?? {}) : error.message;
}

/** The check's error as the dialog shows it: where (line and column) and what. */
export function checkErrorText(error: CalcCheckAnswer['error'], translate: Translate): string {
  const message = exprErrorReason(error, translate);
  return translate('tag-calc.check.error', `Line ${error.line}, column ${error.column}: ${message}`, { line: error.line, column: error.column, message });
}
