// Generates one decode function per message from its plan: straight-line code with every byte
// index, shift and mask a literal, one object literal for the signals that are always present,
// and the multiplexed ones behind their switch tests. This is what makes decoding run at millions
// of frames per second; interpreted.ts is the same decoder without code generation.
import { type MessagePlan, type SignalPlan } from './message-plan';
import { FLOAT_VIEWS, HI_WORD, LO_WORD } from './raw-value';
import { exactNumber } from './scaling';
import type { BitSegment } from './signal-layout';

export type SignalValues = Record<string, number | bigint | string>;
export type MessageDecoder = (data: Uint8Array) => SignalValues;

function num(x: number): string {
  if (Number.isNaN(x)) return 'NaN';
  if (x === Infinity) return '(1/0)';
  if (x === -Infinity) return '(-1/0)';
  if (Object.is(x, -0)) return '(-0)';
  return x < 0 ? `(${x})` : String(x);
}

function big(x: number): string {
  return `(${BigInt(x)}n)`;
}

function segmentExpr(s: BitSegment): string {
  let e = `d[${s.byte}]`;
  if (s.shift) e = `(${e} >>> ${s.shift})`;
  if (s.shift + s.bits < 8) e = `(${e} & ${s.mask})`;
  const rel = s.dst & 31;
  if (rel) e = `(${e} << ${rel})`;
  return e;
}

function wordExpr(p: SignalPlan, high: boolean): string {
  const parts = p.layout.segments.filter((s) => s.dst >= 32 === high).map(segmentExpr);
  return parts.length ? `(${parts.join(' | ')})` : '0';
}

function rawExpr(p: SignalPlan): string {
  const L = p.length;
  const w0 = wordExpr(p, false);
  switch (p.kind) {
    case 'int32':
      if (!p.signed) return L === 32 ? `(${w0} >>> 0)` : w0;
      return L === 32 ? `(${w0} | 0)` : `((${w0} << ${32 - L}) >> ${32 - L})`;
    case 'int53': {
      const w1 = wordExpr(p, true);
      const hi = p.signed ? `((${w1} << ${64 - L}) >> ${64 - L})` : w1;
      return `(${hi} * 4294967296 + (${w0} >>> 0))`;
    }
    case 'int64': {
      const v = `((BigInt(${wordExpr(p, true)} >>> 0) << 32n) | BigInt(${w0} >>> 0))`;
      return p.signed ? `BigInt.asIntN(${L}, ${v})` : v;
    }
    case 'float32':
      return `(U32[0] = ${w0}, F32[0])`;
    case 'float64':
      return `(U32[${LO_WORD}] = ${w0}, U32[${HI_WORD}] = ${wordExpr(p, true)}, F64[0])`;
  }
}

function valueExpr(p: SignalPlan, r: string, labels: boolean): string {
  let v: string;
  if (p.bigScaled) v = `BS(BigInt(${r}) * ${big(p.factor)} + ${big(p.offset)})`;
  else if (p.kind === 'int64') v = p.identity ? `BS(${r})` : `(Number(${r}) * ${num(p.factor)} + ${num(p.offset)})`;
  else v = p.identity ? r : `(${r} * ${num(p.factor)} + ${num(p.offset)})`;
  if (labels && p.valueTable && p.valueTable.size > 0) {
    const key = p.kind === 'int64' ? `Number(${r})` : r;
    v = `(VT[${p.index}].get(${key}) ?? ${v})`;
  }
  return v;
}

function keyLiteral(name: string): string {
  return name === '__proto__' ? '["__proto__"]' : JSON.stringify(name);
}

function assign(name: string, value: string): string {
  if (name === '__proto__') return `Object.defineProperty(o, "__proto__", { value: ${value}, enumerable: true, writable: true, configurable: true });`;
  return `o[${JSON.stringify(name)}] = ${value};`;
}

function switchTest(plan: MessagePlan, p: SignalPlan): string {
  const sw = plan.signals[p.switchIndex];
  const r = sw.kind === 'int64' ? `Number(r${sw.index})` : `r${sw.index}`;
  const tests = p.ranges.map(([lo, hi]) => (lo === hi ? `${r} === ${lo}` : `(${r} >= ${lo} && ${r} <= ${hi})`));
  return `p${sw.index} && (${tests.join(' || ') || 'false'})`;
}

/**
 * JavaScript source of the decode function body. `checked` tests the frame length for each
 * signal (frames shorter than the plan needs); otherwise every byte is known to be there.
 */
export function decoderSource(plan: MessagePlan, labels: boolean, checked: boolean): string {
  const lines: string[] = [];
  const always = plan.signals.filter((p) => p.switchIndex < 0);
  const switched = plan.signals.filter((p) => p.switchIndex >= 0);
  if (checked) lines.push('var n = d.length;');
  for (const p of switched) if (p.isSwitch) lines.push(`var p${p.index} = false, r${p.index} = 0;`);

  if (!checked) {
    for (const p of always) lines.push(`var r${p.index} = ${rawExpr(p)};`);
    for (const p of always) if (p.isSwitch) lines.push(`var p${p.index} = true;`);
    const fields = always.map((p) => `${keyLiteral(p.name)}: ${valueExpr(p, `r${p.index}`, labels)}`);
    lines.push(`var o = {${fields.join(', ')}};`);
  } else {
    lines.push('var o = {};');
    for (const p of always) {
      if (p.isSwitch) lines.push(`var p${p.index} = false, r${p.index} = 0;`);
      const set = p.isSwitch ? ` p${p.index} = true;` : '';
      const decl = p.isSwitch ? '' : 'var ';
      lines.push(`if (n >= ${p.layout.bytesNeeded}) { ${decl}r${p.index} = ${rawExpr(p)}; ${assign(p.name, valueExpr(p, `r${p.index}`, labels))}${set} }`);
    }
  }
  for (const p of switched) {
    const lengthTest = checked ? `n >= ${p.layout.bytesNeeded} && ` : '';
    const decl = p.isSwitch ? '' : 'var ';
    const set = p.isSwitch ? ` p${p.index} = true;` : '';
    lines.push(`if (${lengthTest}${switchTest(plan, p)}) { ${decl}r${p.index} = ${rawExpr(p)}; ${assign(p.name, valueExpr(p, `r${p.index}`, labels))}${set} }`);
  }
  lines.push('return o;');
  return `"use strict";\nreturn function decode(d) {\n  ${lines.join('\n  ')}\n};`;
}

/** Compiles the decoder, or returns undefined where code generation is disallowed. */
export function compileDecoder(plan: MessagePlan, labels: boolean, checked: boolean): MessageDecoder | undefined {
  const source = decoderSource(plan, labels, checked);
  const tables = plan.signals.map((p) => p.valueTable);
  let factory: (...args: unknown[]) => MessageDecoder;
  try {
    // eslint-disable-next-line @typescript-eslint/no-implied-eval
    factory = new Function('U32', 'F32', 'F64', 'BS', 'VT', source) as typeof factory;
  } catch (err) {
    if (err instanceof EvalError) return undefined;
    throw err;
  }
  return factory(FLOAT_VIEWS.U32, FLOAT_VIEWS.F32, FLOAT_VIEWS.F64, exactNumber, tables);
}
