// Number-only fast paths for the most used allowed functions. mathjs dispatches every call through
// typed-function (and through its transforms for min/max/mean/sum), which costs more than the
// arithmetic; with plain numbers these call Math directly, anything else (a list, a boolean, a
// wrong argument count) goes to the sandbox's mathjs function, so results and errors stay mathjs's.
import { sandbox } from './sandbox';

type NumberFn = (...args: number[]) => number;

const FAST: Record<string, { math: NumberFn; arity?: number }> = {
  abs: { math: Math.abs, arity: 1 },
  sqrt: { math: Math.sqrt, arity: 1 },
  exp: { math: Math.exp, arity: 1 },
  floor: { math: Math.floor, arity: 1 },
  ceil: { math: Math.ceil, arity: 1 },
  sin: { math: Math.sin, arity: 1 },
  cos: { math: Math.cos, arity: 1 },
  tan: { math: Math.tan, arity: 1 },
  log10: { math: Math.log10, arity: 1 },
  atan2: { math: Math.atan2, arity: 2 },
  min: { math: Math.min },
  max: { math: Math.max },
};

export const FAST_FUNCTION_PREFIX = 'fn:';

export function hasFastPath(name: string): boolean {
  return Object.prototype.hasOwnProperty.call(FAST, name);
}

/** The scope entries ("fn:<name>") the rewritten calls resolve to. */
export function fastFunctions(): [string, (...args: unknown[]) => unknown][] {
  const math = sandbox().math as unknown as Record<string, (...args: unknown[]) => unknown>;
  return Object.entries(FAST).map(([name, { math: fast, arity }]) => {
    const general = math[name];
    const call = (...args: unknown[]): unknown => {
      if (args.length === 0 || (arity !== undefined && args.length !== arity)) return general(...args);
      for (let i = 0; i < args.length; i++) if (typeof args[i] !== 'number') return general(...args);
      // negative arguments of sqrt/log10 give NaN (a bad result), as mathjs with predictable: true
      return fast(...(args as number[]));
    };
    return [FAST_FUNCTION_PREFIX + name, call];
  });
}
