// The check behind the tag-calc editor (POST /edgegw/calc/check): the definitions compiled as at
// deploy, with what each one reads, or the first error with its line and column.
import { compileDefinitions } from './definitions';
import { ExprError } from './errors';

export interface CalcCheckResult {
  ok: boolean;
  definitions?: { name: string; unit?: string; line: number; inputs: string[] }[];
  error?: { message: string; line: number; column: number; symbol?: string };
}

/** What POST /edgegw/calc/check answers for { definitions }: the editor shows it as you type. */
export function checkDefinitions(text: unknown): CalcCheckResult {
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
    if (err instanceof ExprError) return { ok: false, error: { message: err.reason, line: err.line, column: err.column, symbol: err.symbol } };
    return { ok: false, error: { message: (err as Error).message, line: 1, column: 1 } };
  }
}
