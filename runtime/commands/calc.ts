// `edge-gateway calc eval`: try a tag-calc expression from a shell, with the same sandbox and
// engine as the tag-calc node, before deploying it.
//
// Exit codes: 0 a good result; 1 the expression ran but its result is not good (division by zero,
// NaN, a missing input: the JSON still goes to stdout, the reason to stderr); 2 bad usage, or an
// expression the sandbox rejects or cannot parse.
import { ExprError, evaluateExpression } from '../../lib/expr';
import { UsageError, type Subcommand } from './io';

const HELP = `usage:
  edge-gateway calc eval [--set NAME=VALUE ...] [--unit NAME=UNIT ...] 'EXPRESSION'

eval   checks EXPRESSION with the tag-calc sandbox and evaluates it; prints
         {"value": <number|boolean|null>, "quality": "good"|"uncertain"|"bad", "error"?: "..."}
       on stdout.
       --set NAME=VALUE   gives the tag NAME a value: a decimal number (-1.5, 2e3) or true/false.
                          NAME is a tag name (voltage) or a device path (meter1.voltage).
       --unit NAME=UNIT   gives the tag NAME a unit, for "NAME to kWh" conversions.
       A rejected or malformed expression is printed as "line 1, column C: reason" on stderr
       (exit 2).`;

const NUMBER = /^-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?$/;
const NAME = /^[A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*)*$/;

/** Strict: "21", "-0.5", "2e3", "true"; never "0x10", " 21", "", "1_000", "Infinity". */
export function parseSetValue(text: string): number | boolean | undefined {
  if (text === 'true') return true;
  if (text === 'false') return false;
  if (!NUMBER.test(text)) return undefined;
  const n = Number(text);
  return Number.isFinite(n) ? n : undefined;
}

function pair(option: string, text: string | undefined): [string, string] {
  if (text === undefined) throw new UsageError(`${option} needs NAME=VALUE`);
  const eq = text.indexOf('=');
  if (eq <= 0) throw new UsageError(`${option} ${JSON.stringify(text)}: expected NAME=VALUE`);
  const name = text.slice(0, eq);
  if (!NAME.test(name)) throw new UsageError(`${option} ${JSON.stringify(text)}: "${name}" is not a tag name or device path (meter1.voltage)`);
  return [name, text.slice(eq + 1)];
}

export const calcCommand: Subcommand = async (argv, io) => {
  const [action, ...rest] = argv;
  if (action === undefined) throw new UsageError('calc needs an action: eval (see edge-gateway calc --help)');
  if (action === '--help' || action === '-h' || action === 'help' || rest.includes('--help') || rest.includes('-h')) {
    io.stdout.write(HELP + '\n');
    return 0;
  }
  if (action !== 'eval') throw new UsageError(`unknown calc action "${action}" (eval)`);
  const values: Record<string, number | boolean> = {};
  const units: Record<string, string> = {};
  const expressions: string[] = [];
  for (let i = 0; i < rest.length; i++) {
    const arg = rest[i];
    if (arg === '--set' || arg === '--unit') {
      const [name, text] = pair(arg, rest[++i]);
      if (arg === '--unit') {
        if (!text.trim()) throw new UsageError(`--unit ${name}=: the unit is empty`);
        units[name] = text;
        continue;
      }
      const value = parseSetValue(text);
      if (value === undefined) throw new UsageError(`--set ${name}=${JSON.stringify(text)}: not a decimal number or true/false`);
      values[name] = value;
    } else if (arg.startsWith('--')) throw new UsageError(`calc eval: unknown option ${arg} (see edge-gateway calc --help)`);
    else expressions.push(arg);
  }
  if (expressions.length !== 1) throw new UsageError(`calc eval needs exactly one EXPRESSION (got ${expressions.length}); quote it: 'voltage * current'`);
  for (const name of Object.keys(units)) if (!(name in values)) throw new UsageError(`--unit ${name}: give its value with --set ${name}=VALUE`);
  let result;
  try {
    result = evaluateExpression(expressions[0], values, units);
  } catch (err) {
    if (!(err instanceof ExprError)) throw err;
    io.stderr.write(`edge-gateway calc: ${err.message}\n`);
    return 2;
  }
  io.stdout.write(JSON.stringify(result) + '\n');
  if (result.quality === 'good') return 0;
  io.stderr.write(`edge-gateway calc: ${result.quality}: ${result.error ?? 'result is not good'}\n`);
  return 1;
};
