// The DBC parser: parseDbc(text or bytes) -> { db, warnings }. It throws DbcSyntaxError and
// nothing else; everything it accepts but cannot fully use becomes a warning.
import { DbcSyntaxError, type DbcWarning } from './errors';
import { resolveDbc } from './resolver';
import { DbcStatementParser } from './statement-parser';
import { decodeDbcText } from './text-encoding';
import { tokenizeDbc } from './tokenizer';
import type { ParseDbcOptions, ParseDbcResult } from './types';

export { DbcSyntaxError } from './errors';
export type { DbcWarning } from './errors';
export type {
  DbcAttributeDefinition,
  DbcAttributeValue,
  DbcByteOrder,
  DbcDatabase,
  DbcMessage,
  DbcNode,
  DbcObjectType,
  DbcSignal,
  DbcSignalGroup,
  DbcValueType,
  ParseDbcOptions,
  ParseDbcResult,
} from './types';
export { decodeDbcText, decodeCp1252 } from './text-encoding';
export { signalByteSpan } from './resolver';

export function parseDbc(input: string | Uint8Array, opts: ParseDbcOptions = {}): ParseDbcResult {
  const file = opts.filename;
  const warnings: DbcWarning[] = [];
  let text: string;
  if (typeof input === 'string') {
    text = input.charCodeAt(0) === 0xfeff ? input.slice(1) : input;
  } else {
    const decoded = decodeDbcText(input);
    text = decoded.text;
    if (decoded.encoding === 'cp1252') warnings.push({ line: 1, message: 'file is not valid UTF-8; read as cp1252 (Windows-1252)' });
  }
  try {
    const tokens = tokenizeDbc(text, file);
    const statements = new DbcStatementParser(tokens, warnings, file).parse();
    const db = resolveDbc(statements, warnings);
    warnings.sort((a, b) => a.line - b.line);
    return { db, warnings };
  } catch (err) {
    if (err instanceof DbcSyntaxError) throw err;
    // A parser bug must still surface as the one error type callers handle, with a location.
    throw new DbcSyntaxError(`internal parser error: ${(err as Error)?.message ?? String(err)}`, 1, 1, '', file);
  }
}
