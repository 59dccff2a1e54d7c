// The expression sandbox against every escape technique we know of: mathjs's security
// advisories and its own security tests (test/unit-tests/expression/security.test.js), plus the
// gateway's own additions. Each must be refused when the definitions are compiled (deploy time),
// with an ExprError naming line and column, and none may run.
import { describe, test, after } from 'node:test';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import assert from 'node:assert/strict';
import { compileDefinitions, ExprError, evaluateExpression } from '../../../lib/expr';
import { sandbox, sandboxBuild, INSTANCE_PARTS, ALLOWED_FUNCTIONS } from '../../../lib/expr/sandbox';

const PAYLOAD = 'globalThis.__edgegwEscaped = true';
const g = globalThis as { __edgegwEscaped?: boolean };

// [expression, the words the refusal must contain]
const ESCAPES: Array<[string, RegExp]> = [
  [`cos.constructor("${PAYLOAD}")()`, /syntax error|constructor/],
  [`cos.constructor("${PAYLOAD}")`, /only named functions can be called/],
  ['cos.constructor', /"constructor" is not allowed/],
  ['sin.constructor.call', /"(call|constructor)" is not allowed/],
  ['cos["constructor"]', /property and index access/],
  ['cos["constr" + "uctor"]', /property and index access/],
  ['[].map.constructor', /list|property/],
  ['[1].map', /list|property/],
  ['"".constructor.fromCharCode(65)', /constructor|text constants|only named functions/],
  ['x.__proto__', /"__proto__" is not allowed/],
  ['x.__proto__.y', /"__proto__" is not allowed/],
  ['__proto__', /"__proto__" is not allowed as a name/],
  ['x.prototype', /"prototype" is not allowed/],
  ['meter1.toString', /"toString" is not allowed/],
  ['meter1.valueOf', /"valueOf" is not allowed/],
  ['a.b.bind', /"bind" is not allowed/],
  ['bind', /"bind" is not allowed as a name/],
  ['call', /"call" is not allowed as a name/],
  ['apply', /"apply" is not allowed as a name/],
  ['cos.bind(null)', /only named functions/],
  ['a.b()', /only named functions/],
  ['a = bind', /assignment/],
  ['x = 1', /assignment/],
  ['f(x) = x.constructor', /defining a function|constructor/],
  ['f(x) = x', /defining a function/],
  ['toString = 1', /assignment/],
  ['import({}, {override: true})', /objects|function import is not allowed/],
  ['import(x)', /function import is not allowed/],
  ['createUnit("foo")', /text constants|function createUnit is not allowed/],
  ['createUnit(x)', /function createUnit is not allowed/],
  ['evaluate("1+1")', /text constants|function evaluate is not allowed/],
  ['evaluate(x)', /function evaluate is not allowed/],
  ['parse("cos.constructor").compile().evaluate()', /only named functions|text constants|not allowed/],
  ['parse(x)', /function parse is not allowed/],
  ['compile(x)', /function compile is not allowed/],
  ['simplify(x)', /function simplify is not allowed/],
  ['derivative(x, y)', /function derivative is not allowed/],
  ['resolve(x, y)', /function resolve is not allowed/],
  ['rationalize(x)', /function rationalize is not allowed/],
  ['config({number: "BigNumber"})', /objects|function config is not allowed/],
  ['config(x)', /function config is not allowed/],
  ['typed(x)', /function typed is not allowed/],
  ['reviver(x, y)', /function reviver is not allowed/],
  ['chain(x)', /function chain is not allowed/],
  ['unit(x)', /function unit is not allowed/],
  ['matrix(x)', /function matrix is not allowed/],
  ['map(x, cos)', /function map is not allowed/],
  ['string(x)', /function string is not allowed/],
  ['format(x)', /function format is not allowed/],
  ['print(x, y)', /function print is not allowed/],
  ['ones(100000, 100000)', /function ones is not allowed/],
  ['zeros(100000, 100000)', /function zeros is not allowed/],
  ['identity(100000)', /function identity is not allowed/],
  ['range(1, 1e9)', /function range is not allowed/],
  ['1:1e9', /ranges/],
  ['resize(x, y)', /function resize is not allowed/],
  ['factorial(1e7)', /function factorial is not allowed/],
  ['x!', /operator !/],
  ["x'", /operator '/],
  ['{a: 1}', /objects/],
  ['{}["constructor"]', /property and index access|objects/],
  ['[1, 2, 3][1]', /property and index access|list/],
  ['[[1, 2], [3, 4]]', /list/],
  ['max([[1, 2], [3, 4]])', /nested lists/],
  ['x; y', /one definition per line/],
  ['"text"', /text constants/],
  ['cos', /cos is a function: call it as cos\(...\)/],
  ['import', /unknown symbol import: it names a function disabled in the sandbox/],
  ['evaluate', /unknown symbol evaluate/],
  ['typed', /unknown symbol typed/],
  ['config', /unknown symbol config/],
  ['null', /constant null is not allowed/],
  ['(cos)(1)', /only named functions|cos is a function/],
  ['x to cos.constructor', /"constructor" is not allowed|unit name/],
  ['x to "cm"', /unit name/],
  ['rate(x + 1)', /takes a tag/],
  ['foo(1)', /unknown function foo/],
];

describe('expression sandbox', () => {
  after(() => assert.equal(g.__edgegwEscaped, undefined, 'an escape ran'));

  for (const [expression, reason] of ESCAPES) {
    test(`refuses ${expression}`, () => {
      let error: unknown;
      try {
        compileDefinitions(`ok = 1\nevil = ${expression}`);
      } catch (err) {
        error = err;
      }
      assert.ok(error instanceof ExprError, `not refused: ${expression}`);
      assert.equal(error.line, 2);
      assert.ok(error.column >= 8 && error.column <= 8 + expression.length, `column ${error.column} is not inside the expression`);
      assert.match(error.message, reason);
      assert.match(error.message, /^line 2, column \d+: /);
    });
  }

  test('the error names the column of the offending function or symbol', () => {
    assert.throws(
      () => compileDefinitions('p = voltage * evaluate(x)'),
      (e: ExprError) => e.line === 1 && e.column === 15 && e.symbol === 'evaluate',
    );
    assert.throws(
      () => compileDefinitions('p = 1\n\n  q = p + foo(2)'),
      (e: ExprError) => e.line === 3 && e.column === 11 && /unknown function foo/.test(e.message),
    );
    assert.throws(
      () => compileDefinitions('p = voltage.__proto__'),
      (e: ExprError) => e.column === 12,
    );
    assert.throws(
      () => compileDefinitions('p = 1 +* 2'),
      (e: ExprError) => e.line === 1 && /syntax error/.test(e.message),
    );
  });

  test('the instance itself refuses evaluation, import, configuration and allocation by size', () => {
    const math = sandbox().math as unknown as Record<string, (...a: unknown[]) => unknown>;
    for (const name of ['import', 'createUnit', 'evaluate', 'parse', 'compile', 'simplify', 'derivative', 'resolve', 'reviver', 'chain', 'ones', 'zeros', 'range', 'identity']) {
      assert.throws(() => math[name]('1'), /disabled in the gateway's expression sandbox/, name);
    }
    assert.throws(() => math.config({ number: 'BigNumber' }), /config is disabled/);
    assert.equal((math.config as unknown as () => { number: string })().number, 'number');
  });

  test('allowed expressions still work', () => {
    assert.equal(evaluateExpression('voltage * current * pf / 1000', { voltage: 230, current: 5, pf: 0.9 }).value, 1.035);
    const v = { 'meter1.voltage': 231, 'meter2.voltage': 230, voltage: 230, current: 5 };
    assert.equal(evaluateExpression('meter1.voltage - meter2.voltage', v).value, 1);
    assert.equal(evaluateExpression('max([voltage, meter1.voltage, 100])', v).value, 231);
    assert.equal(evaluateExpression('mean([1, 2, 3]) + sum([1, 2])', v).value, 5);
    assert.equal(evaluateExpression('voltage > 200 ? 1 : 0', v).value, 1);
    assert.equal(evaluateExpression('voltage > 200 and not (current < 1)', v).value, true);
    assert.equal(evaluateExpression('round(atan2(1, 1) * 4 / pi) + abs(-2) + floor(1.5) + ceil(1.2) + sqrt(16) + pow(2, 3) + log10(100) + log(e)', v).value, 21);
    assert.equal(evaluateExpression('round(sin(0) + cos(0) + tan(0) + exp(0) + min(3, 4))', v).value, 5);
  });

  test('a fresh process compiling expressions without `to` loads only the number-only factories; units come with the first `to`', () => {
    const repo = join(__dirname, '..', '..', '..');
    const script = `
      const { compileDefinitions } = require(${JSON.stringify(join(repo, 'lib', 'expr', 'index.ts'))});
      const any = () => Object.keys(require.cache).some((f) => f.endsWith('dependenciesAny.generated.js'));
      const main = () => Object.keys(require.cache).some((f) => /mathjs[\\\\/]lib[\\\\/]cjs[\\\\/]index\\.js$/.test(f));
      compileDefinitions('kva [kVA] = (meter.v * meter.i) / 1000\\nd = max([a, b]) - mean([a, b])');
      const before = { any: any(), main: main() };
      compileDefinitions('f = t to degF');
      console.log(JSON.stringify({ before, after: { any: any(), main: main() } }));`;
    const r = spawnSync(process.execPath, ['--import', 'tsx', '-e', script], { cwd: repo, encoding: 'utf8', timeout: 60000 });
    assert.equal(r.status, 0, r.stderr);
    assert.deepEqual(JSON.parse(r.stdout.trim()), { before: { any: false, main: false }, after: { any: true, main: false } });
  });

  test('the instance holds only its parts: built from factories, never from mathjs with every function', () => {
    // the memory budget of the default flows (docs/default-flows.md) counts on this: the full
    // mathjs costs about 30 MB of heap more
    sandbox();
    assert.deepEqual(sandboxBuild, { kind: 'parts' });
    const loaded = Object.keys(require.cache).filter((f) => /[\\/]mathjs[\\/]/.test(f));
    assert.ok(loaded.length > 0, 'mathjs is loaded');
    const mainEntries = loaded.filter((f) => /lib[\\/]cjs[\\/](index|entry[\\/]mainAny|entry[\\/]pureFunctionsAny\.generated)\.js$/.test(f));
    assert.deepEqual(mainEntries, [], 'the mathjs main entry (which builds an instance with every function) is not loaded');
    const math = sandbox().math as unknown as Record<string, unknown>;
    for (const name of ALLOWED_FUNCTIONS) assert.equal(typeof math[name], 'function', name);
    for (const name of INSTANCE_PARTS) assert.notEqual(math[name], undefined, name);
    // a mathjs function outside the parts is not there, and still named as one in refusals
    assert.equal(math.print, undefined);
    assert.equal(sandbox().isMathjsFunction('print'), true);
    assert.equal(sandbox().isMathjsFunction('foo'), false);
    // every allowed function and operator through the slim instance (conversions: engine.test.ts)
    const v = { x: 2, y: 3 };
    const cases: Array<[string, number | boolean]> = [
      ['fix(-2.5) + sign(-3) + cbrt(27) + log2(8) + hypot(3, 4) + mod(7, 3) + 7 % 4', -2 - 1 + 3 + 3 + 5 + 1 + 3],
      ['round(asin(1) * 2 / pi) + round(acos(1)) + round(atan(0))', 1],
      ['x ^ y - x * y / x + -x + +y', 8 - 3 - 2 + 3],
      ['x == 2 and y != 2 and x < y and y > x and x <= 2 and y >= 3', true],
      ['xor(x > 1, y > 5) or false', true],
    ];
    for (const [expression, expected] of cases) assert.equal(evaluateExpression(expression, v).value, expected, expression);
  });
});

// Expressions from mathjs's own security tests (test/unit-tests/expression/security.test.js,
// josdejong/mathjs), the payload replaced by one that would set a global flag. Multi-statement
// ones are refused as a whole (one definition per line) or at their first forbidden part.
const P = `"${PAYLOAD}"`;
const MATHJS_SECURITY_TESTS: string[] = [
  `f=[].map.constructor(${P}); f()`,
  `f=sqrt.constructor(${P}); f()`,
  `[].map.constructor.call(null, ${P})`,
  `[].map.constructor.apply(null, [${P}])`,
  '[].constructor()',
  'constructor',
  'toString',
  `[].map["constructor"](${P})`,
  `[].map[concat("constr", "uctor")](${P})`,
  `[].map.constructor.bind()(${P})`,
  '["//","a/*\\nreturn process.mainModule.require"]._data.map(cos.constructor)[1]()("child_process").execSync("ps >&2")',
  '{}.constructor.assign(cos.constructor, {binding: cos.bind})',
  'a.co\u006Estructor',
  'a["co\\u006Estructor"]',
  'a.constructor = 2',
  'a = {constructor: 2}',
  `import({matrix:cos.constructor},{override:1})`,
  `{subset:cos.constructor}[a]`,
  'parser()',
  'o.getOwnPropertyDescriptor(o.__proto__, "constructor")',
  'O = {}.constructor',
  `[].map["\\u0063onstructor"](${P})`,
  '{hasOwnProperty: 2}',
  '{toString: 2}',
  'expression.node.AssignmentNode.prototype.__defineGetter__("_compile", 1)',
  'expression.node.ConstantNode.prototype.clone.call({"value":"evaluate"}).evaluate()',
  'x=parse("cos")',
  'parse("x").compile().evaluate()',
  'cos.syntax',
  'unit("5 cm")',
  'subset(parse("1"), index("value"), "evaluate").compile().evaluate()',
  'c(x,y)=1',
  'scope.obj.compile().evaluate()',
  'x.__defineGetter__("value", 1)',
];
// Not in the list: `p.index.dimensions` and the like, which escaped only after `p = parse(...)`
// (refused above); in a definition such a path is device "p/index", tag "dimensions": a key into
// the engine's own table, never a property read.

describe('mathjs security test expressions', () => {
  for (const expression of MATHJS_SECURITY_TESTS) {
    test(`refuses ${expression}`, () => {
      assert.throws(
        () => compileDefinitions(`evil = ${expression}`),
        (e: unknown) => e instanceof ExprError && e.line === 1 && e.column >= 8 && /^line 1, column \d+: \S/.test(e.message),
      );
      assert.equal(g.__edgegwEscaped, undefined);
    });
  }
});
