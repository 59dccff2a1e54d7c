/**
 * The text of a value read from untyped input (editor config, rule and tag tables, flow JSON),
 * for parsing it and for quoting it in an error message.
 *
 * Scalars and arrays read exactly as `String(v)` reads them, so what a field accepts does not
 * change; a plain object reads as its JSON rather than `[object Object]`, so an error message
 * shows what was actually given (a number parsed from either text is NaN all the same).
 */
export function textOf(v: unknown): string {
  if (Array.isArray(v)) return v.map((item: unknown) => (item === null || item === undefined ? '' : textOf(item))).join(',');
  if (typeof v === 'object' && v !== null) return JSON.stringify(v) ?? '';
  return String(v);
}
