// Errors of the expression engine carry where: the definition's line (1-based, in the node's
// definitions text), the column (1-based) and, when there is one, the offending symbol. What is
// wrong is a code with arguments the tag-calc editor translates through its catalog
// (tag-calc.exprError.<code>), and the English reason the runtime, the CLI and the logs keep
// showing. Both come from one table here, so a code never lacks its English text.
import { codedReason, reasonCodes, type CodedReason, type ReasonArgs as Args } from '../system/text/coded-reasons';

/** The English reason of each code; `args` fills it in (the catalogs use the same names). */
const REASONS = {
  // the shape of a definitions text (definitions.ts)
  notADefinition: () => 'expected "name = expression" (or "name [unit] {decimals} = expression")',
  emptyExpression: (a: Args) => `${a.name}: the expression after "=" is empty`,
  expressionTooLong: (a: Args) => `expression longer than ${a.max} characters`,
  emptyUnit: (a: Args) => `${a.name}: the unit in [ ] is empty`,
  unitHoldsNumber: (a: Args) => `${a.name}: the unit in [ ] holds a number ("${a.unit}"): write the unit alone, e.g. [kWh]`,
  badDecimals: (a: Args) => `${a.name}: the decimals in { } must be a whole number from 0 to ${a.max}, got "${a.value}"`,
  noDefinitions: () => 'no definitions: write one per line, e.g. power_kw = voltage * current / 1000',
  tooManyDefinitions: (a: Args) => `more than ${a.max} definitions`,
  alreadyDefined: (a: Args) => `${a.name} is already defined on line ${a.line}`,
  oneLine: () => 'one expression, on one line',
  // what mathjs's parser refuses (syntax.ts names the ones it recognises; syntax is any other)
  syntax: (a: Args) => `syntax error: ${a.reason}`,
  syntaxEnd: () => 'syntax error: Unexpected end of expression',
  syntaxValueExpected: () => 'syntax error: Value expected',
  syntaxBracketExpected: (a: Args) => `syntax error: Parenthesis ${a.bracket} expected`,
  syntaxUnexpectedOperator: (a: Args) => `syntax error: Unexpected operator ${a.operator}`,
  syntaxUnexpectedPart: (a: Args) => `syntax error: Unexpected part "${a.part}"`,
  syntaxInPart: (a: Args) => `syntax error: Syntax error in part "${a.part}"`,
  syntaxDigitExpected: (a: Args) => `syntax error: Digit expected, got "${a.got}"`,
  syntaxStringEnd: (a: Args) => `syntax error: End of string ${a.quote} expected`,
  syntaxMatrixEnd: () => 'syntax error: End of matrix ] expected',
  syntaxFalsePart: () => 'syntax error: False part of conditional expression expected',
  syntaxEmptyTruePart: () => 'syntax error: The true-expression of a conditional operator may not be empty',
  syntaxAssignment: () => 'syntax error: Invalid left hand side of assignment operator =',
  syntaxPropertyName: () => 'syntax error: Property name expected after dot',
  // what the sandbox's allow-list refuses (validate.ts)
  tooDeep: (a: Args) => `expression nested deeper than ${a.max} levels`,
  textConstant: (a: Args) => `text constants are not allowed ("${a.value}")`,
  constantNotAllowed: (a: Args) => `constant ${a.value} is not allowed`,
  operatorNotAllowed: (a: Args) => `operator ${a.operator} (${a.fn}) is not allowed`,
  listOutsideFunction: () => 'a list [ ... ] is only allowed as the argument of min, max, mean, sum or hypot',
  assignment: () => 'assignment is only allowed as "name = expression" at the start of a line',
  functionDefinition: (a: Args) => `defining a function (${a.name}) is not allowed`,
  oneDefinitionPerLine: () => 'one definition per line: ";" and line breaks inside an expression are not allowed',
  objectNotAllowed: () => 'objects { ... } are not allowed',
  indexingNotAllowed: () => 'indexing [ ... ] is not allowed',
  rangeNotAllowed: () => 'ranges a:b are not allowed',
  nodeNotAllowed: (a: Args) => `${a.type} is not allowed in an expression`,
  forbiddenName: (a: Args) => `"${a.name}" is not allowed as a name`,
  definedBelow: (a: Args) => `${a.name} is defined on line ${a.line}, below its use: define it first`,
  functionAsValue: (a: Args) => `${a.name} is a function: call it as ${a.name}(...), or read a tag of that name as <device>.${a.name}`,
  disabledName: (a: Args) => `unknown symbol ${a.name}: it names a function disabled in the sandbox; read a tag of that name as <device>.${a.name}`,
  indexAccess: () => 'property and index access (x[...]) are not allowed; a device path is written meter1.voltage',
  forbiddenProperty: (a: Args) => `property access to "${a.name}" is not allowed`,
  notATagName: (a: Args) => `"${a.name}" is not a tag name`,
  accessOnlyOnDevice: () => 'property access is only allowed on a device name (meter1.voltage)',
  functionNotDevice: (a: Args) => `${a.name} is a function, not a device: a device path starts with a device name (meter1.voltage)`,
  takesTag: (a: Args) => `${a.name} takes a tag (voltage or meter1.voltage), not an expression`,
  toNeedsUnit: (a: Args) => `"to" needs a unit name on its right (kW, kWh, degC...), got ${a.got}`,
  onlyNamedFunctions: () => 'only named functions can be called (abs(x), max(a, b))',
  helperTakesOneTag: (a: Args) => `${a.name}() takes one tag`,
  functionNotAllowed: (a: Args) => `function ${a.name} is not allowed in the sandbox`,
  unknownFunction: (a: Args) => `unknown function ${a.name}`,
  noListArgument: (a: Args) => `${a.name}() does not take a list`,
  listTooLong: (a: Args) => `a list holds at most ${a.max} items`,
  nestedList: () => 'nested lists are not allowed',
} satisfies Record<string, (args: Args) => string>;

export type ExprErrorCode = keyof typeof REASONS;
/** Every code an expression can be refused with (the tag-calc catalogs hold tag-calc.exprError.<code> for each). */
export const EXPR_ERROR_CODES: ExprErrorCode[] = reasonCodes(REASONS);

/** What is wrong with an expression: the code, its arguments and the English reason. */
export type ExprProblem = CodedReason<ExprErrorCode>;

export function exprProblem(code: ExprErrorCode, args: Args = {}): ExprProblem {
  return codedReason(REASONS, code, args);
}

export class ExprError extends Error {
  readonly code: ExprErrorCode;
  readonly args: Args;
  /** the reason alone, without the place */
  readonly reason: string;

  constructor(
    problem: ExprProblem,
    readonly line: number,
    readonly column: number,
    readonly symbol?: string,
  ) {
    super(`line ${line}, column ${column}: ${problem.reason}`);
    this.name = 'ExprError';
    this.code = problem.code;
    this.args = problem.args;
    this.reason = problem.reason;
  }
}
