// Tables written one entry a line (rule tables, watchdog keys, tag definitions): the dialogs
// check them line by line, where a blank line or a # comment is no entry.

/**
 * Calls `check` with each entry line (trimmed) and its 1-based number in the text; returns the
 * first problem it names, or null.
 */
export function eachEntryLine(text: string | undefined, check: (line: string, lineNumber: number, raw: string) => string | null): string | null {
  const lines = (text || '').split(/\r?\n/);
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i].trim();
    if (!line || line.startsWith('#')) continue;
    const problem = check(line, i + 1, lines[i]);
    if (problem !== null) return problem;
  }
  return null;
}

/**
 * A `validate` result from a problem text: true when there is none; else the text where Node-RED
 * asks for one (it passes `opt`, and shows the text as the field's error), false where it does not.
 */
export function validation(problem: string | null, opt: unknown): boolean | string {
  if (problem === null) return true;
  return opt ? problem : false;
}
