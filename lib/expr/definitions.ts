// A tag-calc program: one definition per line, `name [unit] {decimals} = expression` (unit and
// decimals optional), checked and compiled once at deploy. Blank lines and lines starting with #
// are ignored.
import type { EvalFunction } from 'mathjs';
import { ExprError, exprProblem } from './errors';
import { syntaxProblem } from './syntax';
import { ExpressionChecker, type ScopeRef } from './validate';
import { sandbox } from './sandbox';
import { MAX_DECIMALS } from '../tags/readable';

export interface Definition {
  /** the result tag's name */
  name: string;
  unit?: string;
  /** the decimals its results are rounded to; without, those of its inputs (readableComputed) */
  decimals?: number;
  /** 1-based line in the definitions text */
  line: number;
  expression: string;
  /** what the expression reads, by scope symbol */
  refs: ScopeRef[];
  compiled: EvalFunction;
}

export interface CalcProgram {
  definitions: Definition[];
  /** every scope symbol any definition reads */
  refs: Map<string, ScopeRef>;
}

export const MAX_EXPRESSION_LENGTH = 1000;
export const MAX_DEFINITIONS = 500;

/** a number, then blanks, then more: "5 kWh", "-1.5e3 W" */
const QUANTITY = /^[+-]?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?\s+\S/i;
const DEFINITION = /^(\s*)([A-Za-z_][A-Za-z0-9_]*)\s*(?:\[([^\]]*)\]\s*)?(?:\{([^}]*)\}\s*)?=(?!=)(.*)$/;

interface Line {
  line: number;
  name: string;
  unit?: string;
  decimals?: number;
  text: string;
  offset: number;
}

function splitLines(source: string): Line[] {
  const lines: Line[] = [];
  const raw = source.split(/\r?\n/);
  for (let i = 0; i < raw.length; i++) {
    const text = raw[i];
    if (!text.trim() || text.trim().startsWith('#')) continue;
    const m = DEFINITION.exec(text);
    if (!m) throw new ExprError(exprProblem('notADefinition'), i + 1, text.search(/\S/) + 1);
    const [, indent, name, unit, decimalsText, expression] = m;
    const offset = text.length - expression.length;
    if (!expression.trim()) throw new ExprError(exprProblem('emptyExpression', { name }), i + 1, offset + 1, name);
    if (expression.length > MAX_EXPRESSION_LENGTH) throw new ExprError(exprProblem('expressionTooLong', { max: MAX_EXPRESSION_LENGTH }), i + 1, offset + 1);
    const unitText = unit?.trim();
    if (unit !== undefined && !unitText) throw new ExprError(exprProblem('emptyUnit', { name }), i + 1, indent.length + name.length + 1);
    // "[5 kWh]" is a quantity, not a unit: kept as the label it would claim kWh, and lose the 5
    if (unitText && QUANTITY.test(unitText)) throw new ExprError(exprProblem('unitHoldsNumber', { name, unit: unitText }), i + 1, indent.length + name.length + 1);
    const decimals = decimalsText === undefined ? undefined : declaredDecimals(decimalsText, name, i + 1, text.indexOf('{') + 1);
    lines.push({ line: i + 1, name, unit: unitText, decimals, text: expression, offset });
  }
  return lines;
}

/** The `{decimals}` of a definition: a whole number 0..MAX_DECIMALS. */
function declaredDecimals(text: string, name: string, line: number, column: number): number {
  const t = text.trim();
  if (!/^\d+$/.test(t) || Number(t) > MAX_DECIMALS) throw new ExprError(exprProblem('badDecimals', { name, max: MAX_DECIMALS, value: t }), line, column, name);
  return Number(t);
}

/** Parses, checks and compiles every definition. Throws ExprError naming line and column. */
export function compileDefinitions(source: string): CalcProgram {
  const { parse } = sandbox();
  const lines = splitLines(source);
  if (lines.length === 0) throw new ExprError(exprProblem('noDefinitions'), 1, 1);
  if (lines.length > MAX_DEFINITIONS) throw new ExprError(exprProblem('tooManyDefinitions', { max: MAX_DEFINITIONS }), lines[MAX_DEFINITIONS].line, 1);
  const later = new Map<string, number>();
  for (const l of lines) {
    const first = later.get(l.name);
    if (first !== undefined) throw new ExprError(exprProblem('alreadyDefined', { name: l.name, line: first }), l.line, l.offset, l.name);
    later.set(l.name, l.line);
  }
  const earlier = new Set<string>();
  const definitions: Definition[] = [];
  const refs = new Map<string, ScopeRef>();
  for (const l of lines) {
    later.delete(l.name);
    definitions.push(compileOne(parse, l, earlier, later));
    for (const r of definitions[definitions.length - 1].refs) refs.set(r.symbol, r);
    earlier.add(l.name);
  }
  return { definitions, refs };
}

function compileOne(parse: (t: string) => import('mathjs').MathNode, l: Line, earlier: ReadonlySet<string>, later: ReadonlyMap<string, number>): Definition {
  let tree;
  try {
    tree = parse(l.text);
  } catch (err) {
    const e = err as Error & { char?: number };
    const reason = e.message.replace(/\s*\(char \d+\)$/, '');
    throw new ExprError(syntaxProblem(reason), l.line, l.offset + (e.char ?? 1));
  }
  const checker = new ExpressionChecker({ line: l.line, text: l.text, offset: l.offset, earlier, later });
  const checked = checker.check(tree);
  return { name: l.name, unit: l.unit, decimals: l.decimals, line: l.line, expression: l.text.trim(), refs: [...checker.refs.values()], compiled: checked.compile() };
}
