// The restricted mathjs instance. Two walls, because either alone has had holes in mathjs's
// history (its security advisories are mostly about reaching Function through a property or a
// function that evaluates text):
//  1. the instance itself: every function that parses, evaluates, imports, reconfigures or
//     allocates by a size argument is replaced by one that throws;
//  2. the allow list in validate.ts: only the node types, operators, functions and constants
//     listed here ever reach compile(), so (1) is only a second line.
import { dirname, join } from 'node:path';
import type { ConfigOptions, FactoryFunctionMap, MathJsInstance, MathNode } from 'mathjs';

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
  /** whether mathjs has a function of this name (for the error text: "not allowed" or "unknown") */
  isMathjsFunction(name: string): boolean;
  /** whether a unit name is one mathjs knows (kW, degC, kWh...) */
  isUnit(name: string): boolean;
  /** the affine conversion value_to = a + b * value_from, or an error text */
  conversion(from: string, to: string): { a: number; b: number } | string;
}

let shared: Sandbox | undefined;

/** The parse-tree node classes validate.ts builds rewritten expressions from. */
const NODE_CLASSES = ['OperatorNode', 'ConditionalNode', 'ConstantNode', 'SymbolNode', 'FunctionNode', 'ArrayNode'];

/**
 * What the instance is made of: the parser, the nodes, and what expressions call. The
 * element-wise operators (.* ./ .^, dotMultiply...) are not in ALLOWED_OPERATORS: left out.
 */
export const INSTANCE_PARTS: readonly string[] = ['parse', ...NODE_CLASSES, ...new Set([...ALLOWED_FUNCTIONS, ...OPERATOR_FUNCTIONS.filter((f) => !f.startsWith('dot'))])];

/** How the running instance was built: "parts" (INSTANCE_PARTS only) or "all" (the fallback). */
export let sandboxBuild: { kind: 'parts' } | { kind: 'all'; reason: string } | undefined;

type Factories = Record<string, FactoryFunctionMap | undefined>;
type Create = (f: FactoryFunctionMap, c: ConfigOptions) => MathJsInstance;
type UnitParts = Pick<MathJsInstance, 'Unit' | 'unit'>;

interface Instance {
  math: MathJsInstance;
  isMathjsFunction: (name: string) => boolean;
  /** units, made on first use (an expression with `to`): they are most of mathjs's weight */
  units: () => UnitParts;
}

/** A file of mathjs's CommonJS build; its exports map lists none of them, so by path. */
function mathjsFile(...parts: string[]): string {
  return join(dirname(require.resolve('mathjs/package.json')), 'lib', 'cjs', ...parts);
}

function select(factories: Factories, parts: readonly string[]): FactoryFunctionMap {
  const selected: FactoryFunctionMap = {};
  for (const part of parts) {
    const key = `${part}Dependencies`;
    const deps = factories[key];
    if (!deps) throw new Error(`mathjs has no ${key}`);
    selected[key] = deps;
  }
  return selected;
}

/**
 * mathjs's main entry builds its default instance with every function on load, and `create(all)`
 * a second one: together about 30 MB of heap and 35 MB of RSS, a fifth of the gateway's memory,
 * for the few dozen functions expressions may call on plain numbers. So the instance is created
 * from the number-only factories of INSTANCE_PARTS (values are numbers and booleans: config
 * number 'number'), and units, which need the general factories, only when an expression converts
 * with `to`. A mathjs laid out differently gets the full instance (same behaviour, more memory)
 * and the reason is kept in `sandboxBuild` (a unit test fails on it).
 */
function createInstance(config: ConfigOptions): Instance {
  try {
    const { create } = require(mathjsFile('core', 'create.js')) as { create: Create };
    const numberFactories = require(mathjsFile('entry', 'dependenciesNumber.generated.js')) as Factories;
    const math = create(select(numberFactories, INSTANCE_PARTS), config);
    const anyFactories = () => require(mathjsFile('entry', 'dependenciesAny.generated.js')) as Factories;
    let units: UnitParts | undefined;
    sandboxBuild = { kind: 'parts' };
    return {
      math,
      // for the refusal's wording only ("not allowed" or "unknown"): the general list names every
      // mathjs function, the core ones (import, config...) are in every instance
      isMathjsFunction: (name) => name in math || Object.prototype.hasOwnProperty.call(anyFactories(), `${name}Dependencies`),
      units: () => (units ??= create(select(anyFactories(), ['unit']), config)),
    };
  } catch (err) {
    sandboxBuild = { kind: 'all', reason: (err as Error).message };
    const { create, all } = require('mathjs') as typeof import('mathjs');
    const math = create(all, config);
    return { math, isMathjsFunction: (name) => name in math, units: () => math };
  }
}

function build(): Sandbox {
  // predictable: sqrt(-1) is NaN (a bad result), never a Complex that nobody downstream reads
  // matrix: 'Array': a list literal [a, b] is a plain array for mean/sum, never a Matrix
  const { math, isMathjsFunction, units } = createInstance({ predictable: true, number: 'number', matrix: 'Array' });
  // mathjs creates functions lazily, on first use, from what the namespace holds at that moment:
  // what expressions use is created now (with its dependencies), before anything is disabled.
  const namespace = math as unknown as Record<string, unknown>;
  for (const name of [...ALLOWED_FUNCTIONS, ...OPERATOR_FUNCTIONS]) void namespace[name];
  const parse = math.parse.bind(math) as (text: string) => MathNode;
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
  // mathjs defines x mod 0 as x: 1 % 0 would be a good 1. A remainder by zero is a division by
  // zero, so the result is bad with that reason (an error here; evaluate() makes it bad).
  const mod = namespace.mod as (x: unknown, y: unknown) => unknown;
  const exactMod = (x: unknown, y: unknown): unknown => {
    if ((typeof y === 'number' || typeof y === 'boolean') && Number(y) === 0) throw new RangeError(`division by zero: ${String(x)} mod 0`);
    return mod(x, y);
  };
  math.import({ ...replaced, mod: exactMod }, { override: true });
  (math as unknown as { config: unknown }).config = frozenConfig;
  return {
    math,
    parse,
    isMathjsFunction,
    isUnit: (name) => {
      const { Unit } = units();
      try {
        return Unit.isValuelessUnit(name);
      } catch {
        return false;
      }
    },
    conversion: (from, to) => {
      const { unit, Unit } = units();
      try {
        // unit(0, "5 kWh") would keep kWh and drop the 5: a unit text must be a unit alone
        for (const text of [from, to]) {
          if ((Unit as unknown as { parse(t: string): { value: unknown } }).parse(text).value !== null)
            return `cannot convert ${from} to ${to}: "${text}" holds a number; a unit is a name alone, like kWh or m/s`;
        }
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
