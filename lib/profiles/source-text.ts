// A profile's text (YAML, or JSON, which is YAML too) parsed once with the position of every
// field kept, so that a check anywhere later can say on which line the field it refuses stands.
import { isMap, isSeq, LineCounter, parseDocument, type Node as YamlNode } from 'yaml';
import { ProfileError } from './errors';

export type FieldPath = readonly (string | number)[];

export interface SourceText {
  readonly file: string;
  readonly value: unknown;
  /** the line of the field at `path`, or of its nearest present parent */
  lineOf(path: FieldPath): number | undefined;
}

/** `tags[2].path` */
export function fieldName(path: FieldPath): string {
  let s = '';
  for (const step of path) s += typeof step === 'number' ? `[${step}]` : s ? `.${step}` : step;
  return s;
}

export function parseSourceText(text: string, file: string): SourceText {
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, uniqueKeys: true });
  const first = doc.errors[0];
  if (first) {
    const line = first.linePos?.[0].line;
    throw new ProfileError(file, line, '', `not valid YAML or JSON: ${first.message.split('\n')[0].replace(/ at line \d+, column \d+:?$/, '')}`);
  }
  const lineAt = (offset: number | undefined) => (offset === undefined ? undefined : lines.linePos(offset).line);
  const lineOf = (path: FieldPath): number | undefined => {
    let node: unknown = doc.contents;
    let line = lineAt((doc.contents as YamlNode | null)?.range?.[0]);
    for (const step of path) {
      if (isMap(node)) {
        const pair = node.items.find((p) => (p.key as { value?: unknown } | null)?.value === step);
        if (!pair) return line;
        line = lineAt((pair.key as YamlNode).range?.[0]) ?? line;
        node = pair.value;
      } else if (isSeq(node) && typeof step === 'number') {
        const item = node.items[step] as YamlNode | undefined;
        if (!item) return line;
        line = lineAt(item.range?.[0]) ?? line;
        node = item;
      } else return line;
    }
    return line;
  };
  return { file, value: doc.toJS({ maxAliasCount: 0 }), lineOf };
}
