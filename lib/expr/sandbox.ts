// The restricted mathjs instance. Two walls, because either alone has had holes in mathjs's
// history (its security advisories are mostly about reaching Function through a property or a
// function that evaluates text):
//  1. the instance itself: every function that parses, evaluates, imports, reconfigures or
//     allocates by a size argument is replaced by one that throws;
//  2. the allow list in validate.ts: only the node types, operators, functions and constants
//     listed here ever reach compile(), so (1) is only a second line.
import { create, all, type MathJsInstance, type MathNode } from 'mathjs';

/** Functions an expression may call. Each takes and returns numbers (or booleans). */
export const ALLOWED_FUNCTIONS: ReadonlySet<string> = new Set([
  'abs',
  'round',
  'floor',
  'ceil',
  'fix',
  'sign',
  'min',
  'max',
  'sqrt',
  'cbrt',
  'pow',
  'exp',
  'log',
  'log10',
  'log2',
  'sin',
  'cos',
  'tan',
  'asin',
  'acos',
  'atan',
  'atan2',
  'hypot',
  'mod',
  'mean',
  'sum',
  'not',
  'and',
  'or',
  'xor',
]);

/** Functions that take a whole list: the only places an array literal [a, b, c] may appear. */
export const LIST_FUNCTIONS: ReadonlySet<string> = new Set(['min', 'max', 'mean', 'sum', 'hypot']);

/** Operators (mathjs OperatorNode.op). "to" is unit conversion, rewritten in validate.ts. */
export const ALLOWED_OPERATORS: ReadonlySet<string> = new Set(['+', '-', '*', '/', '^', '%', 'mod', '==', '!=', '<', '>', '<=', '>=', 'and', 'or', 'xor', 'not', 'to']);

/** The functions mathjs compiles operators to. */
const OPERATOR_FUNCTIONS = [
  'add',
  'subtract',
  'multiply',
  'divide',
  'pow',
  'mod',
  'equal',
  'unequal',
  'smaller',
  'larger',
  'smallerEq',
  'largerEq',
  'unaryMinus',
  'unaryPlus',
  'and',
  'or',
  'xor',
  'not',
  'dotMultiply',
  'dotDivide',
  'dotPow',
];

/** Constants a bare name may mean; any other bare name is a tag. */
export const ALLOWED_CONSTANTS: ReadonlySet<string> = new Set(['pi', 'e', 'true', 'false']);

/** Stateful helpers over one input tag, rewritten to engine-computed symbols in validate.ts. */
export const TAG_HELPERS: ReadonlySet<string> = new Set(['delta', 'rate']);

/** What the instance replaces: evaluation of text, imports, configuration, symbolic algebra. */
export const DISABLED: readonly string[] = [
  'import',
  'createUnit',
  'evaluate',
  'parse',
  'compile',
  'simplify',
  'simplifyConstant',
  'simplifyCore',
  'derivative',
  'resolve',
  'reviver',
  'replacer',
  'chain',
  'config',
  'parser',
  'rationalize',
  'symbolicEqual',
  'leafCount',
  'help',
  // allocate by a size argument: ones(100000,100000) must be refused, not attempted
  'ones',
  'zeros',
  'identity',
  'range',
  'resize',
  'reshape',
  'matrix',
  'sparse',
  'diag',
  'random',
  'randomInt',
  'pickRandom',
  'kron',
  'concat',
  'map',
  'forEach',
  'filter',
  'apply',
  'factorial',
  'gamma',
  'combinations',
  'permutations',
];

export interface Sandbox {
  math: MathJsInstance;
  /** mathjs's parser, kept before the instance's own `parse` was disabled */
  parse: (text: string) => MathNode;
  /** whether a unit name is one mathjs knows (kW, degC, kWh...) */
  isUnit(name: string): boolean;
  /** the affine conversion value_to = a + b * value_from, or an error text */
  conversion(from: string, to: string): { a: number; b: number } | string;
}

let shared: Sandbox | undefined;

function build(): Sandbox {
  // predictable: sqrt(-1) is NaN (a bad result), never a Complex that nobody downstream reads
  // matrix: 'Array': a list literal [a, b] is a plain array for mean/sum, never a Matrix
  const math = create(all, { predictable: true, number: 'number', matrix: 'Array' });
  // mathjs creates functions lazily, on first use, from what the namespace holds at that moment:
  // what expressions use is created now (with its dependencies), before anything is disabled.
  const namespace = math as unknown as Record<string, unknown>;
  for (const name of [...ALLOWED_FUNCTIONS, ...OPERATOR_FUNCTIONS]) void namespace[name];
  const parse = math.parse.bind(math) as (text: string) => MathNode;
  const Unit = math.Unit;
  const unit = math.unit.bind(math);
  const replaced: Record<string, () => never> = {};
  for (const name of DISABLED) {
    replaced[name] = () => {
      throw new Error(`function ${name} is disabled in the gateway's expression sandbox`);
    };
  }
  // config stays readable (ArrayNode and others read math.config.matrix when compiling) but can
  // no longer change anything.
  const config = math.config;
  const frozenConfig = Object.defineProperties((options?: unknown) => {
    if (options !== undefined) throw new Error("function config is disabled in the gateway's expression sandbox");
    return (config as unknown as () => unknown)();
  }, Object.getOwnPropertyDescriptors(config));
  delete replaced.config;
  math.import(replaced, { override: true });
  (math as unknown as { config: unknown }).config = frozenConfig;
  return {
    math,
    parse,
    isUnit: (name) => {
      try {
        return Unit.isValuelessUnit(name);
      } catch {
        return false;
      }
    },
    conversion: (from, to) => {
      try {
        const a = (unit(0, from) as { toNumber(u: string): number }).toNumber(to);
        const b = (unit(1, from) as { toNumber(u: string): number }).toNumber(to) - a;
        return { a, b };
      } catch (err) {
        return `cannot convert ${from} to ${to}: ${(err as Error).message}`;
      }
    },
  };
}

/** One restricted instance per process: creating mathjs costs tens of milliseconds. */
export function sandbox(): Sandbox {
  return (shared ??= build());
}
