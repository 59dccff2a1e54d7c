// Expression errors in the editor's language: every way lib/expr refuses a definition carries a
// code the tag-calc catalogs translate in en-US (reading as lib's English reason) and ru, and the
// dialog's live check (editor/components/calc-check.ts) says it with its line and column.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { MathNode } from 'mathjs';
import { checkDefinitions, compileDefinitions, evaluateExpression, EXPR_ERROR_CODES, ExprError, type ExprErrorCode } from '../../../lib/expr';
import { ExpressionChecker } from '../../../lib/expr/validate';
import { sandbox } from '../../../lib/expr/sandbox';
import { syntaxProblem } from '../../../lib/expr/syntax';
import { checkErrorText, exprErrorReason, quickCheck, type CalcCheckAnswer } from '../../../editor/components/calc-check';
import { catalogTranslator, readCatalog } from '../../helpers/catalogs';

type Catalog = { 'tag-calc': { exprError: Record<string, string> } };
const CATALOGS = { 'en-US': readCatalog<Catalog>('tag-calc', 'en-US'), ru: readCatalog<Catalog>('tag-calc', 'ru') };

/** Refusal of a node of the kinds no text parses to (the walk still names them). */
function checkNode(node: MathNode): () => void {
  return () => new ExpressionChecker({ line: 1, text: 'x', offset: 4, earlier: new Set(), later: new Map() }).check(node);
}

const many = (n: number, item: (i: number) => string): string => Array.from({ length: n }, (_, i) => item(i)).join('');

/** One bad definitions text (or a call) per code it produces. */
const BAD: Array<[ExprErrorCode, string | (() => unknown)]> = [
  ['notADefinition', 'power_kw voltage * current'],
  ['emptyExpression', 'a = '],
  ['expressionTooLong', `a = 1${many(600, () => '+1')}`],
  ['emptyUnit', 'a [] = 1'],
  ['unitHoldsNumber', 'a [5 kWh] = 1'],
  ['badDecimals', 'a {x} = 1'],
  ['noDefinitions', '# nothing yet'],
  ['tooManyDefinitions', many(501, (i) => `a${i} = 1\n`)],
  ['alreadyDefined', 'a = 1\na = 2'],
  ['oneLine', () => evaluateExpression('1\n+ 2', {})],
  ['syntax', 'a = [1, 2; 3]'],
  ['syntaxEnd', 'a = 1 +'],
  ['syntaxValueExpected', 'a = 1 + )'],
  ['syntaxBracketExpected', 'a = (1 + 2'],
  ['syntaxUnexpectedOperator', 'a = 1 )'],
  ['syntaxUnexpectedPart', 'a = 1.2.3'],
  ['syntaxInPart', 'a = 1 @'],
  ['syntaxDigitExpected', 'a = 1e+'],
  ['syntaxStringEnd', 'a = "abc'],
  ['syntaxMatrixEnd', 'a = [1, 2'],
  ['syntaxFalsePart', 'a = x ? 1'],
  ['syntaxEmptyTruePart', 'a = x ? : 2'],
  ['syntaxAssignment', 'a = 1 + 2 = 3'],
  ['syntaxPropertyName', 'a = meter1.voltage.'],
  ['tooDeep', `a = ${many(70, () => '(')}1${many(70, () => ')')}`],
  ['textConstant', 'a = "text"'],
  ['constantNotAllowed', 'a = null'],
  ['operatorNotAllowed', 'a = x!'],
  ['listOutsideFunction', 'a = [1, 2]'],
  ['assignment', 'a = b = 1'],
  ['functionDefinition', 'a = f(x) = x'],
  ['oneDefinitionPerLine', 'a = x; y'],
  ['objectNotAllowed', 'a = {b: 1}'],
  ['indexingNotAllowed', checkNode(new (sandbox().math.IndexNode)([new (sandbox().math.ConstantNode)(1)]))],
  ['rangeNotAllowed', 'a = 1:3'],
  ['nodeNotAllowed', checkNode({ type: 'FutureNode' } as unknown as MathNode)],
  ['forbiddenName', 'a = __proto__'],
  ['definedBelow', 'a = b + 1\nb = 2'],
  ['functionAsValue', 'a = cos'],
  ['disabledName', 'a = evaluate'],
  ['indexAccess', 'a = x["y"]'],
  ['forbiddenProperty', 'a = x.constructor'],
  ['notATagName', 'a = x.$y'],
  ['accessOnlyOnDevice', 'a = (x + 1).y'],
  ['functionNotDevice', 'a = cos.x'],
  ['takesTag', 'a = rate(x + 1)'],
  ['toNeedsUnit', 'a = energy to "kWh"'],
  ['onlyNamedFunctions', 'a = x.b()'],
  ['helperTakesOneTag', 'a = rate(x, y)'],
  ['functionNotAllowed', 'a = evaluate(x)'],
  ['unknownFunction', 'a = foo(1)'],
  ['noListArgument', 'a = abs([1, 2])'],
  ['listTooLong', `a = max([1${many(300, () => ', 1')}])`],
  ['nestedList', 'a = max([[1], [2]])'],
];

function errorOf(code: ExprErrorCode, bad: string | (() => unknown)): ExprError {
  try {
    if (typeof bad === 'string') compileDefinitions(bad);
    else bad();
  } catch (err) {
    assert.ok(err instanceof ExprError, `${code}: ${String(err)}`);
    assert.equal(err.code, code, `${code}: got ${err.code} (${err.reason})`);
    return err;
  }
  assert.fail(`${code}: not refused`);
}

test('the bad expressions produce every code lib/expr has, each its own', () => {
  assert.deepEqual(BAD.map(([code]) => code).sort(), [...EXPR_ERROR_CODES].sort());
  for (const [code, bad] of BAD) {
    const error = errorOf(code, bad);
    // the message, the logs' and the runtime's, is still the place and the English reason
    assert.equal(error.message, `line ${error.line}, column ${error.column}: ${error.reason}`);
  }
});

test('every code has a catalog entry in en-US and ru, the en-US one reading as lib’s English reason', () => {
  const english = catalogTranslator('en-US');
  const russian = catalogTranslator('ru');
  for (const locale of ['en-US', 'ru'] as const) assert.deepEqual(Object.keys(CATALOGS[locale]['tag-calc'].exprError).sort(), [...EXPR_ERROR_CODES].sort(), locale);
  for (const [code, bad] of BAD) {
    const { reason, args } = errorOf(code, bad);
    const answer = { message: reason, line: 1, column: 1, code, args };
    assert.equal(exprErrorReason(answer, english), reason, code);
    const ru = exprErrorReason(answer, russian);
    assert.notEqual(ru, reason, `${code} is translated`);
    assert.match(ru, /[а-яё]/i, `${code} reads in Russian: ${ru}`);
    for (const value of Object.values(args)) assert.ok(ru.includes(String(value)), `${code}: ${ru} lacks ${value}`);
  }
});

test('a mathjs reason the table does not know keeps its English text under the generic code', () => {
  assert.deepEqual(syntaxProblem('Value expected'), { code: 'syntaxValueExpected', args: {}, reason: 'syntax error: Value expected' });
  assert.deepEqual(syntaxProblem('Something new went wrong'), { code: 'syntax', args: { reason: 'Something new went wrong' }, reason: 'syntax error: Something new went wrong' });
});

test('the live check answers with code and arguments when the editor asks, and as before otherwise', () => {
  const bad = 'a = 1\nb = a.constructor';
  assert.deepEqual(checkDefinitions(bad), { ok: false, error: { message: 'property access to "constructor" is not allowed', line: 2, column: 6, symbol: 'constructor' } });
  const answer = checkDefinitions(bad, { codes: true });
  assert.deepEqual(answer.error, { message: 'property access to "constructor" is not allowed', line: 2, column: 6, symbol: 'constructor', code: 'forbiddenProperty', args: { name: 'constructor' } });
});

test('the dialog says the check’s error and its own quick check in Russian, in English without a catalog', () => {
  const error = checkDefinitions('p = 1\nq = foo(p)', { codes: true }).error as CalcCheckAnswer['error'];
  assert.equal(checkErrorText(error, catalogTranslator('ru')), 'Строка 2, столбец 5: неизвестная функция foo');
  assert.equal(checkErrorText(error, catalogTranslator('en-US')), 'Line 2, column 5: unknown function foo');
  assert.equal(
    checkErrorText(error, (_key, fallback) => fallback),
    'Line 2, column 5: unknown function foo',
  );
  // an answer without a code (a client of an older server) shows its English text
  assert.equal(checkErrorText({ message: 'unknown function foo', line: 2, column: 5 }, catalogTranslator('ru')), 'Строка 2, столбец 5: unknown function foo');

  assert.equal(quickCheck('p = 1\n# note\nq foo', catalogTranslator('ru')), 'строка 3: ожидается «имя = выражение»');
  assert.equal(
    quickCheck('p = 1\nq foo', (_key, fallback) => fallback),
    'line 2: expected "name = expression"',
  );
  assert.equal(quickCheck('# only a comment', catalogTranslator('ru')), 'нет определений');
  assert.equal(quickCheck('# only a comment', catalogTranslator('en-US')), 'no definitions');
  assert.equal(quickCheck('p [kW] {2} = 1', catalogTranslator('ru')), null);
});
