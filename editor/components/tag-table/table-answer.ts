// What the server (POST edgegw/modbus/tag-table, GET edgegw/modbus/templates/<name>) answers about
// a tag table, in the editor's language. The server words everything in English and puts a code
// and arguments beside it; the modbus-device catalog says them, the English text is the fallback.
// No DOM here, so the wording is tested with the catalogs read from disk.
import { TAG_TABLE_ERROR_CODES, type TagTableErrorCode } from '../../../lib/modbus/tag-table-errors';
import type { TagTableProblem } from '../../../lib/modbus/poller/table-check';
import type { Translate } from '../translate';
import { problemMessage } from './table-text';

/** The answer of POST edgegw/modbus/tag-table. */
export interface TagTableAnswer {
  errors: TagTableProblem[];
  count: number;
  requestsPerScan?: number;
  csv?: string;
  json?: string;
}

/** What the server answers a request it refuses: the English text, and its code (modbus-device.request.<code>). */
export interface RefusedRequest {
  error?: string;
  code?: string;
  args?: Readonly<Record<string, string | number>>;
}

/** A refused request's reason in the editor's language; the English text when it has no code, the status without a text. */
export function refusalText(answer: RefusedRequest | undefined, status: string, translate: Translate): string {
  if (!answer?.error) return status;
  return answer.code ? translate(`modbus-device.request.${answer.code}`, answer.error, answer.args ?? {}) : answer.error;
}

const isTagTableCode = (code: string): code is TagTableErrorCode => (TAG_TABLE_ERROR_CODES as readonly string[]).includes(code);

/**
 * One error of the server's answer in the editor's language: a table error with its place (as
 * lib's message names it), what the planner refused through modbus-device.tableCheck.<code>.
 */
export function answerErrorText(error: TagTableProblem, translate: Translate): string {
  const { code } = error;
  if (isTagTableCode(code)) return problemMessage({ ...error, code }, translate);
  return translate(`modbus-device.tableCheck.${code}`, error.message, error.args);
}

/** The first errors of an answer as lines of text, and how many there were when more. */
export function errorLines(answer: TagTableAnswer, withCount: boolean, translate: Translate): string {
  const shown = answer.errors
    .slice(0, 5)
    .map((e) => answerErrorText(e, translate))
    .join('\n');
  const count = answer.errors.length;
  return withCount && count > 5 ? `${shown}\n${translate('modbus-device.label.errorCount', `(${count} errors)`, { count })}` : shown;
}
