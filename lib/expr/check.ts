// The check behind the tag-calc editor (POST /edgegw/calc/check): the definitions compiled as at
// deploy, with what each one reads, or the first error with its line and column.
import { compileDefinitions } from './definitions';
import { ExprError, type ExprErrorCode } from './errors';

export interface CalcCheckResult {
  ok: boolean;
  definitions?: { name: string; unit?: string; line: number; inputs: string[] }[];
  error?: {
    message: string;
    line: number;
    column: number;
    symbol?: string;
    /** with `codes`: what the editor translates (tag-calc.exprError.<code>), `message` being its English text */
    code?: ExprErrorCode;
    args?: Readonly<Record<string, string | number>>;
  };
}

export interface CalcCheckOptions {
  /**
   * Answer an expression error with its code and arguments too. Asked for by the editor, which
   * says the error in its language; other clients keep the answer they know.
   */
  codes?: boolean;
}

/** What POST /edgegw/calc/check answers for { definitions }: the editor shows it as you type. */
export function checkDefinitions(text: unknown, options: CalcCheckOptions = {}): CalcCheckResult {
  try {
    const program = compileDefinitions(typeof text === 'string' ? text : '');
    return {
      ok: true,
      definitions: program.definitions.map((d) => ({
        name: d.name,
        unit: d.unit,
        line: d.line,
        inputs: d.refs.map((r) => (r.kind === 'result' ? r.name : r.kind === 'tag' ? r.tag.key.replace(/^\*\//, '') : r.symbol)),
      })),
    };
  } catch (err) {
    if (!(err instanceof ExprError)) return { ok: false, error: { message: (err as Error).message, line: 1, column: 1 } };
    const error: CalcCheckResult['error'] = { message: err.reason, line: err.line, column: err.column, symbol: err.symbol };
    if (options.codes) Object.assign(error, { code: err.code, args: err.args });
    return { ok: false, error };
  }
}
