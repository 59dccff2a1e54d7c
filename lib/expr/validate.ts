// The allow-list walk over a parsed expression: every node type, operator, function, constant
// and property name is checked against sandbox.ts before anything is compiled, and tag
// references are rewritten to symbols only the engine's scope holds (so a tag can never name a
// mathjs function or reach the mathjs namespace).
import type {
  AccessorNode,
  ArrayNode,
  BigNumber,
  ConditionalNode,
  ConstantNode,
  Fraction,
  FunctionAssignmentNode,
  FunctionNode,
  MathNode,
  OperatorNode,
  OperatorNodeFn,
  OperatorNodeOp,
  ParenthesisNode,
  SymbolNode,
} from 'mathjs';
import { ExprError, exprProblem, type ExprProblem } from './errors';
import { FAST_FUNCTION_PREFIX, hasFastPath } from './fast-functions';
import { ALLOWED_CONSTANTS, ALLOWED_FUNCTIONS, ALLOWED_OPERATORS, DISABLED, LIST_FUNCTIONS, TAG_HELPERS, sandbox } from './sandbox';

/**
 * The parse-tree nodes the walk tells apart by `type` (mathjs's MathNode only says `type: string`).
 * The refused kinds are named so that every case of the walk is one of them; a node of a kind
 * mathjs adds later reaches the default case and is refused by its type name.
 */
type WalkedNode =
  | ConstantNode<string | number | boolean | null | undefined | bigint | BigNumber | Fraction>
  | ParenthesisNode
  | SymbolNode
  | AccessorNode
  | OperatorNode<OperatorNodeOp, OperatorNodeFn>
  | ConditionalNode
  | FunctionNode<MathNode>
  | ArrayNode
  | FunctionAssignmentNode
  | (MathNode & { type: 'AssignmentNode' | 'BlockNode' | 'ObjectNode' | 'IndexNode' | 'RangeNode' });

/** A tag an expression reads: by bare name (any device) or by device path. */
export interface TagRef {
  device?: string;
  name: string;
  /** "<device>/<name>", or "*\/<name>" for a bare name */
  key: string;
}

/** What a scope symbol stands for; the engine keeps each one's value up to date. */
export type ScopeRef =
  | { kind: 'tag'; symbol: string; tag: TagRef }
  | { kind: 'result'; symbol: string; name: string }
  | { kind: 'convert'; symbol: string; tag: TagRef; unit: string }
  | { kind: 'rate' | 'delta'; symbol: string; tag: TagRef };

export interface ValidationContext {
  /** 1-based line of the definition */
  line: number;
  /** the expression text, and its 0-based column in the line */
  text: string;
  offset: number;
  /** names of definitions above this one (usable), and below it with their lines (not yet) */
  earlier: ReadonlySet<string>;
  later: ReadonlyMap<string, number>;
}

const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]*$/;
const MAX_DEPTH = 64;
const MAX_LIST = 256;
// Names that lead from any JavaScript value to its prototype or to Function: refused even as a
// device path segment, where they would be harmless, so that no expression even looks like one.
const FORBIDDEN_PROPERTIES = new Set([
  'constructor',
  'prototype',
  '__proto__',
  '__defineGetter__',
  '__defineSetter__',
  '__lookupGetter__',
  '__lookupSetter__',
  'bind',
  'call',
  'apply',
  'toString',
  'valueOf',
  'toLocaleString',
  'hasOwnProperty',
  'isPrototypeOf',
  'propertyIsEnumerable',
]);

export function tagSymbol(tag: TagRef): string {
  return `tag:${tag.key}`;
}

export function resultSymbol(name: string): string {
  return `def:${name}`;
}

export class ExpressionChecker {
  readonly refs = new Map<string, ScopeRef>();

  constructor(private readonly ctx: ValidationContext) {}

  fail(problem: ExprProblem, token?: string, symbol?: string): never {
    throw new ExprError(problem, this.ctx.line, this.column(token), symbol);
  }

  /** The column of the first whole-word occurrence of token in the expression (1-based, in the line). */
  column(token?: string): number {
    const { text, offset } = this.ctx;
    if (token) {
      const escaped = token.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
      const word = /^\w/.test(token) ? new RegExp(`(?<![\\w.])${escaped}(?!\\w)`) : new RegExp(escaped);
      const at = text.search(word);
      if (at >= 0) return offset + at + 1;
    }
    return offset + 1;
  }

  check(node: MathNode, depth = 0): MathNode {
    if (depth > MAX_DEPTH) this.fail(exprProblem('tooDeep', { max: MAX_DEPTH }));
    const { math } = sandbox();
    const n = node as WalkedNode;
    switch (n.type) {
      case 'ConstantNode': {
        const v = n.value;
        if (typeof v === 'number' || typeof v === 'boolean') return n;
        if (typeof v === 'string') this.fail(exprProblem('textConstant', { value: v }), `"${v}"`);
        this.fail(exprProblem('constantNotAllowed', { value: String(v) }), String(v));
      }
      // falls through (fail never returns)
      case 'ParenthesisNode':
        return this.check(n.content, depth + 1);
      case 'SymbolNode':
        return this.symbol(n.name);
      case 'AccessorNode':
        return this.tagNode(this.devicePath(n));
      case 'OperatorNode': {
        if (!ALLOWED_OPERATORS.has(n.op)) this.fail(exprProblem('operatorNotAllowed', { operator: n.op, fn: n.fn }), n.op);
        if (n.op === 'to') return this.conversion(n);
        return new math.OperatorNode(
          n.op,
          n.fn,
          n.args.map((a: MathNode) => this.check(a, depth + 1)),
          n.implicit,
        );
      }
      case 'ConditionalNode':
        return new math.ConditionalNode(this.check(n.condition, depth + 1), this.check(n.trueExpr, depth + 1), this.check(n.falseExpr, depth + 1));
      case 'FunctionNode':
        return this.call(n, depth);
      case 'ArrayNode':
        this.fail(exprProblem('listOutsideFunction'), '[');
      // falls through
      case 'AssignmentNode':
        this.fail(exprProblem('assignment'), '=');
      // falls through
      case 'FunctionAssignmentNode':
        this.fail(exprProblem('functionDefinition', { name: n.name }), n.name, n.name);
      // falls through
      case 'BlockNode':
        this.fail(exprProblem('oneDefinitionPerLine'), ';');
      // falls through
      case 'ObjectNode':
        this.fail(exprProblem('objectNotAllowed'), '{');
      // falls through
      case 'IndexNode':
        this.fail(exprProblem('indexingNotAllowed'), '[');
      // falls through
      case 'RangeNode':
        this.fail(exprProblem('rangeNotAllowed'), ':');
      // falls through
      default:
        this.fail(exprProblem('nodeNotAllowed', { type: node.type }));
    }
  }

  private symbol(name: string): MathNode {
    const { math } = sandbox();
    if (ALLOWED_CONSTANTS.has(name)) return new math.ConstantNode(name === 'pi' ? Math.PI : name === 'e' ? Math.E : name === 'true');
    if (this.ctx.earlier.has(name)) {
      const symbol = resultSymbol(name);
      this.refs.set(symbol, { kind: 'result', symbol, name });
      return new math.SymbolNode(symbol);
    }
    this.checkTagName(name);
    return this.tagNode({ name, key: `*/${name}` });
  }

  /** The checks on a bare name that is neither a constant nor an earlier result: it is a tag. */
  private checkTagName(name: string): void {
    if (FORBIDDEN_PROPERTIES.has(name)) this.fail(exprProblem('forbiddenName', { name }), name, name);
    const laterLine = this.ctx.later.get(name);
    if (laterLine !== undefined) this.fail(exprProblem('definedBelow', { name, line: laterLine }), name, name);
    // Every bare name becomes a tag symbol that only the engine's scope holds, so no name can reach
    // the mathjs namespace; still, a function's name used as a value is almost surely a mistake,
    // and the names of disabled functions are refused outright so that no expression looks like
    // an escape. Other mathjs names (count, mode, size...) are ordinary tag names.
    if (ALLOWED_FUNCTIONS.has(name) || TAG_HELPERS.has(name)) {
      this.fail(exprProblem('functionAsValue', { name }), name, name);
    }
    if (DISABLED.includes(name) || ['typed', 'import'].includes(name)) {
      this.fail(exprProblem('disabledName', { name }), name, name);
    }
  }

  private tagNode(tag: TagRef): MathNode {
    const symbol = tagSymbol(tag);
    this.refs.set(symbol, { kind: 'tag', symbol, tag });
    return new (sandbox().math.SymbolNode)(symbol);
  }

  /** meter1.voltage, line1.meter1.voltage: the last segment is the tag, the rest the device. */
  private devicePath(node: MathNode): TagRef {
    const segments: string[] = [];
    let n = node as WalkedNode;
    while (n.type === 'AccessorNode') {
      const index = n.index;
      const dim = index.dimensions?.[0] as WalkedNode | undefined;
      const prop = index.dotNotation && index.dimensions.length === 1 && dim?.type === 'ConstantNode' ? dim.value : undefined;
      if (typeof prop !== 'string') this.fail(exprProblem('indexAccess'), '[');
      if (FORBIDDEN_PROPERTIES.has(prop)) this.fail(exprProblem('forbiddenProperty', { name: prop }), `.${prop}`, prop);
      if (!IDENTIFIER.test(prop)) this.fail(exprProblem('notATagName', { name: prop }), prop, prop);
      segments.unshift(prop);
      n = n.object as WalkedNode;
    }
    if (n.type !== 'SymbolNode') this.fail(exprProblem('accessOnlyOnDevice'), '.');
    if (FORBIDDEN_PROPERTIES.has(n.name)) this.fail(exprProblem('forbiddenName', { name: n.name }), n.name, n.name);
    // A path is an opaque key into the engine's own table, never a property of an object; still,
    // `cos.syntax` reads like the mathjs escapes that went through a function's properties, so a
    // path may not start with the name of a function an expression can call or that is disabled.
    if (ALLOWED_FUNCTIONS.has(n.name) || TAG_HELPERS.has(n.name) || DISABLED.includes(n.name)) {
      this.fail(exprProblem('functionNotDevice', { name: n.name }), n.name, n.name);
    }
    segments.unshift(n.name);
    const name = segments.pop()!;
    const device = segments.join('/');
    return { device, name, key: `${device}/${name}` };
  }

  private tagArgument(node: MathNode, what: string): TagRef {
    let n = node as WalkedNode;
    while (n.type === 'ParenthesisNode') n = n.content as WalkedNode;
    if (n.type === 'AccessorNode') return this.devicePath(n);
    if (n.type === 'SymbolNode' && !ALLOWED_CONSTANTS.has(n.name) && !this.ctx.earlier.has(n.name)) {
      this.checkTagName(n.name);
      return { name: n.name, key: `*/${n.name}` };
    }
    this.fail(exprProblem('takesTag', { name: what }), what);
  }

  /** `energy to kWh`: the tag's own unit (from its samples) converted to the named one. */
  private conversion(n: OperatorNode<OperatorNodeOp, OperatorNodeFn>): MathNode {
    const tag = this.tagArgument(n.args[0], 'to');
    const target = n.args[1] as WalkedNode;
    if (target.type !== 'SymbolNode' || !sandbox().isUnit(target.name)) {
      this.fail(exprProblem('toNeedsUnit', { got: target.toString() }), 'to');
    }
    const symbol = `to:${tag.key}:${target.name}`;
    this.refs.set(symbol, { kind: 'convert', symbol, tag, unit: target.name });
    return new (sandbox().math.SymbolNode)(symbol);
  }

  private call(n: FunctionNode<MathNode>, depth: number): MathNode {
    const { math } = sandbox();
    const fn = n.fn as WalkedNode;
    if (fn.type !== 'SymbolNode') this.fail(exprProblem('onlyNamedFunctions'), '(');
    const name: string = fn.name;
    if (TAG_HELPERS.has(name)) {
      if (n.args.length !== 1) this.fail(exprProblem('helperTakesOneTag', { name }), name, name);
      const tag = this.tagArgument(n.args[0], name);
      const symbol = `${name}:${tag.key}`;
      this.refs.set(symbol, { kind: name as 'rate' | 'delta', symbol, tag });
      return new math.SymbolNode(symbol);
    }
    if (!ALLOWED_FUNCTIONS.has(name)) {
      const known = sandbox().isMathjsFunction(name);
      this.fail(exprProblem(known ? 'functionNotAllowed' : 'unknownFunction', { name }), name, name);
    }
    const args = n.args.map((arg: MathNode) => {
      const a = arg as WalkedNode;
      if (a.type !== 'ArrayNode') return this.check(a, depth + 1);
      if (!LIST_FUNCTIONS.has(name)) this.fail(exprProblem('noListArgument', { name }), '[');
      if (a.items.length > MAX_LIST) this.fail(exprProblem('listTooLong', { max: MAX_LIST }), '[');
      return new math.ArrayNode(
        a.items.map((element: MathNode) => {
          const item = element as WalkedNode;
          if (item.type === 'ArrayNode') this.fail(exprProblem('nestedList'), '[');
          return this.check(item, depth + 1);
        }),
      );
    });
    return new math.FunctionNode(new math.SymbolNode(hasFastPath(name) ? FAST_FUNCTION_PREFIX + name : name), args);
  }
}
