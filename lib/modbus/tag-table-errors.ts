// What can be wrong with a tag table, as a code with arguments the editor translates through its
// catalog (modbus-device.tagTable.<code>), and as the English reason the runtime, the CLI and the
// logs keep showing. Both come from one table here, so a code never lacks its English text.
import { codedReason, reasonCodes, type CodedReason, type ReasonArgs as Args } from '../system/text/coded-reasons';

/** The English reason of each code; `args` fills it in (the catalogs use the same names). */
const REASONS = {
  nameRequired: () => 'a tag needs a name',
  nameReserved: (a: Args) => `'${a.name}' is reserved (it names a property of every JavaScript object, so {tag: value} messages cannot carry it); rename the tag`,
  duplicateNameOnLine: (a: Args) => `duplicate tag name (first defined on line ${a.line})`,
  duplicateNameInEntry: (a: Args) => `duplicate tag name (first defined on entry ${a.entry})`,
  unknownArea: (a: Args) => `'${a.value}' is not an area (coil, discrete, holding or input)`,
  areaRequired: () => 'an area is required (coil, discrete, holding or input)',
  areaRequiredModicon: () => 'an area is required (or a Modicon address that implies it)',
  addressRequired: () => 'an address is required',
  notModiconAddress: (a: Args) => `'${a.value}' is not a Modicon address (e.g. 40001 or 400001)`,
  modiconPrefix: (a: Args) => `'${a.value}': Modicon prefix ${a.prefix} is not 0 (coil), 1 (discrete), 3 (input) or 4 (holding)`,
  modiconStartsAtOne: (a: Args) => `'${a.value}': Modicon register numbers start at 1`,
  notWholeNumber: (a: Args) => `'${a.value}' is not a whole number`,
  outsideOneBased: (a: Args) => `${a.value} is outside 1..65536 (1-based notation)`,
  outsideZeroBased: (a: Args) => `${a.value} is outside 0..65535`,
  modiconAreaMismatch: (a: Args) => `Modicon address ${a.address} is in the ${a.implied} area, but the area column says ${a.area}`,
  pastLastAddress: (a: Args) => `${a.type} at ${a.address} runs past the last address 65535`,
  typeRequired: () => 'a type is required for registers (e.g. uint16, float32, bit:3, string:8)',
  unknownType: (a: Args) => `'${a.value}' is not a type (bool, bit:0..15, int16, uint16, int32, uint32, int64, uint64, float32, float64, string:1..125)`,
  bitAreaType: (a: Args) => `a ${a.area} holds one bit: its type must be bool, not ${a.type}`,
  unknownOrder: (a: Args) => `'${a.value}' is not an order (ABCD, CDAB, BADC or DCBA)`,
  notANumber: (a: Args) => `'${a.value}' is not a number`,
  scaleZero: () => 'scale 0 would make every value equal to the offset (and writes impossible)',
  negativeDeadband: () => 'a deadband cannot be negative',
  unknownAccess: (a: Args) => `'${a.value}' is not an access (r or rw)`,
  readOnlyInput: () => 'input registers are read-only: access must be r',
  readOnlyDiscrete: () => 'discrete inputs are read-only: access must be r',
  unknownGroup: (a: Args) => `no poll group named '${a.group}' (the device has ${a.groups})`,
  unknownGroupNoGroups: (a: Args) => `no poll group named '${a.group}' (the device has none)`,
  csvSyntax: (a: Args) => `column ${a.column}: ${a.reason}`,
  noHeader: (a: Args) => `the first line must be the header ${a.columns}`,
  unknownColumn: (a: Args) => `unknown column; the columns are ${a.columns}`,
  repeatedColumn: () => 'column appears twice in the header',
  missingColumn: () => 'the header lacks this column',
  extraCells: (a: Args) => `${a.cells} cells but the header has ${a.columns} columns (quote cells that contain commas)`,
  invalidJson: (a: Args) => `not valid JSON: ${a.error}`,
  notATagList: () => 'expected an array of tags or an object with a "tags" array',
  entryNotObject: () => 'each tag must be an object',
  unknownField: (a: Args) => `unknown field; the fields are ${a.fields}`,
} satisfies Record<string, (args: Args) => string>;

export type TagTableErrorCode = keyof typeof REASONS;
/** Every code a tag table can produce (the catalogs hold modbus-device.tagTable.<code> for each). */
export const TAG_TABLE_ERROR_CODES: TagTableErrorCode[] = reasonCodes(REASONS);

/** One thing wrong with a cell or the table's shape: the code, its arguments and the English reason. */
export type TagTableProblem = CodedReason<TagTableErrorCode>;

export function tagTableProblem(code: TagTableErrorCode, args: Args = {}): TagTableProblem {
  return codedReason(REASONS, code, args);
}

/** Where in the table: `line` for CSV, `entry` (1-based) for JSON, and the tag when it has a name. */
export interface TagTableWhere {
  tag?: string;
  line?: number;
  entry?: number;
}

/** A tag table entry that is not valid. `line` for CSV, `entry` (1-based) for JSON. */
export class TagConfigError extends Error {
  readonly code: TagTableErrorCode;
  readonly args: Args;
  readonly reason: string;
  readonly tag?: string;
  readonly line?: number;
  readonly entry?: number;

  constructor(
    readonly field: string,
    problem: TagTableProblem,
    where: TagTableWhere = {},
  ) {
    const { tag, line, entry } = where;
    const at = [line !== undefined ? `line ${line}` : entry !== undefined ? `entry ${entry}` : '', tag ? `tag '${tag}'` : '', `field '${field}'`].filter(Boolean);
    super(`${at.join(', ')}: ${problem.reason}`);
    this.name = 'TagConfigError';
    this.code = problem.code;
    this.args = problem.args;
    this.reason = problem.reason;
    this.tag = tag;
    this.line = line;
    this.entry = entry;
  }
}

/** Thrown by the parse* functions: the first error, with all of them in `errors`. */
export class TagTableError extends TagConfigError {
  constructor(readonly errors: TagConfigError[]) {
    const first = errors[0];
    const more = errors.length > 1 ? ` (and ${errors.length - 1} more error${errors.length > 2 ? 's' : ''})` : '';
    super(first.field, { code: first.code, args: first.args, reason: first.reason + more }, first);
    this.name = 'TagTableError';
  }
}
