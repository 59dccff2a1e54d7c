// One expression with given input values: what `edge-gateway calc eval` runs, through the same
// checks and engine as a tag-calc node (one definition named "result").
import { compileDefinitions } from './definitions';
import { ExprError, exprProblem } from './errors';
import { CalcEngine } from './engine';
import type { TagSample } from '../tags/contract';

export interface ExpressionResult {
  value: number | boolean | null;
  quality: TagSample['quality'];
  error?: string;
}

/**
 * Evaluates `expression` with `values` ({ voltage: 230, "meter1.voltage": 231 }; a dotted name is
 * a device path). Throws ExprError for a rejected or malformed expression.
 */
export function evaluateExpression(expression: string, values: Record<string, number | boolean>, units: Record<string, string> = {}): ExpressionResult {
  if (/[\r\n]/.test(expression)) throw new ExprError(exprProblem('oneLine'), 1, expression.search(/[\r\n]/) + 1);
  const prefix = 'result=';
  let program;
  try {
    program = compileDefinitions(prefix + expression);
  } catch (err) {
    // Columns point into the expression as typed, not into the definition built around it.
    if (err instanceof ExprError) throw new ExprError(err, 1, Math.max(1, err.column - prefix.length), err.symbol);
    throw err;
  }
  const engine = new CalcEngine(program, { device: 'calc', missing: 'uncertain' });
  const samples: TagSample[] = Object.entries(values).map(([key, value]) => {
    const dot = key.lastIndexOf('.');
    const device = dot > 0 ? key.slice(0, dot).split('.').join('/') : 'cli';
    const name = dot > 0 ? key.slice(dot + 1) : key;
    const s: TagSample = { device, name, value, quality: 'good', ts: Date.now() };
    if (units[key]) s.unit = units[key];
    return s;
  });
  engine.update(samples);
  const [r] = engine.evaluate();
  const out: ExpressionResult = { value: r.value as number | boolean | null, quality: r.quality };
  if (r.error) out.error = r.error;
  return out;
}
