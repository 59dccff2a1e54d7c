// What is wrong, said two ways from one table: a code with arguments that the editor translates
// through a node's catalog, and the English reason the runtime, the CLI and the logs keep showing.
// A feature keeps its table of English reasons by code (tag tables, expressions); the code never
// lacks its English text, and the catalogs fill their __name__ placeholders from the same args.

export type ReasonArgs = Readonly<Record<string, string | number>>;
/** The English reason of each code; `args` fills it in. */
export type ReasonTable = Record<string, (args: ReasonArgs) => string>;

/** One thing wrong: its code, its arguments and the English reason. */
export interface CodedReason<Code extends string> {
  readonly code: Code;
  readonly args: ReasonArgs;
  readonly reason: string;
}

export function codedReason<Table extends ReasonTable, Code extends keyof Table & string>(table: Table, code: Code, args: ReasonArgs = {}): CodedReason<Code> {
  return { code, args, reason: table[code](args) };
}

/** Every code of a table (what the catalogs must hold). */
export function reasonCodes<Table extends ReasonTable>(table: Table): Array<keyof Table & string> {
  return Object.keys(table);
}
