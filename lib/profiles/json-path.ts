// The value paths of profiles: a small subset of JSONPath that covers what devices publish.
//   ENERGY.Power        member access (a leading `$.` or `$` alone, the whole payload, is allowed)
//   sensors[0].temp     array index
//   ['switch:0'].apower a member whose name has dots, colons or spaces
// No filters, wildcards or expressions: a path names one value, and compiles once into steps so
// that reading it per message is a short loop.

export class JsonPathError extends Error {
  constructor(
    readonly path: string,
    readonly column: number,
    reason: string,
  ) {
    super(`'${path}' column ${column}: ${reason}`);
    this.name = 'JsonPathError';
  }
}

export type JsonPathStep = string | number;

export interface JsonPath {
  readonly text: string;
  readonly steps: readonly JsonPathStep[];
}

const NAME = /[A-Za-z0-9_$\-]/;

export function compileJsonPath(text: string): JsonPath {
  const steps: JsonPathStep[] = [];
  let i = 0;
  if (text.startsWith('$')) {
    i = 1;
    if (text[i] === '.') i++;
    else if (i < text.length && text[i] !== '[') throw new JsonPathError(text, i + 1, "expected '.' or '[' after '$'");
  }
  let expectName = i === 0 || text[i - 1] === '.';
  while (i < text.length) {
    const c = text[i];
    if (c === '[') {
      const close = text.indexOf(']', i);
      if (close < 0) throw new JsonPathError(text, i + 1, "'[' without ']'");
      const inner = text.slice(i + 1, close).trim();
      const quoted = /^'(.*)'$|^"(.*)"$/.exec(inner);
      if (quoted) steps.push(quoted[1] ?? quoted[2]);
      else if (/^\d+$/.test(inner)) steps.push(Number(inner));
      else throw new JsonPathError(text, i + 2, `'${inner}' is neither an index nor a quoted name`);
      i = close + 1;
      expectName = false;
      if (text[i] === '.') {
        i++;
        expectName = true;
        if (i >= text.length) throw new JsonPathError(text, i, "a name must follow '.'");
      } else if (i < text.length && text[i] !== '[') throw new JsonPathError(text, i + 1, "expected '.' or '[' after ']'");
      continue;
    }
    if (!expectName && c !== '.') throw new JsonPathError(text, i + 1, `unexpected '${c}'`);
    let j = i;
    while (j < text.length && NAME.test(text[j])) j++;
    if (j === i) throw new JsonPathError(text, i + 1, c === '.' ? 'empty name between dots' : `'${c}' cannot start a name (quote it: ['${c}...'])`);
    steps.push(text.slice(i, j));
    i = j;
    if (text[i] === '.') {
      i++;
      if (i >= text.length) throw new JsonPathError(text, i, "a name must follow '.'");
      expectName = true;
    } else if (i < text.length && text[i] !== '[') throw new JsonPathError(text, i + 1, `'${text[i]}' cannot appear in a name (quote it: ['...'])`);
    else expectName = false;
  }
  return { text, steps };
}

/** The value at `path` in `doc`, or undefined when a step finds nothing (never an inherited member). */
export function readJsonPath(doc: unknown, path: JsonPath): unknown {
  let v = doc;
  for (const step of path.steps) {
    if (v === null || typeof v !== 'object') return undefined;
    if (typeof step === 'number') {
      if (!Array.isArray(v)) return undefined;
      v = v[step];
    } else {
      if (!Object.prototype.hasOwnProperty.call(v, step)) return undefined;
      v = (v as Record<string, unknown>)[step];
    }
  }
  return v;
}
