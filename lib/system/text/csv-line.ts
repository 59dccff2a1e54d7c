// One line of CSV (RFC 4180 quoting: "a, b" and "" for a quote inside), shared by the readers of
// rule tables and report files.

export interface CsvLine {
  cells: string[];
  /** a quoted cell runs to the end of the line without its closing quote */
  unclosed: boolean;
}

export function splitCsvLine(line: string): CsvLine {
  const cells: string[] = [];
  let cur = '';
  let quoted = false;
  for (let i = 0; i < line.length; i++) {
    const ch = line[i];
    if (quoted) {
      if (ch === '"' && line[i + 1] === '"') {
        cur += '"';
        i++;
      } else if (ch === '"') quoted = false;
      else cur += ch;
    } else if (ch === '"') quoted = true;
    else if (ch === ',') {
      cells.push(cur);
      cur = '';
    } else cur += ch;
  }
  cells.push(cur);
  return { cells, unclosed: quoted };
}
