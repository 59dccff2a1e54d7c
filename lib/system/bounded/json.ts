// JSON text from outside (an MQTT command, an HTTP body) parsed within limits. The text is
// measured before JSON.parse sees it: its size in bytes, how deep arrays and objects nest and
// how many keys and elements it holds. A 100,000-deep array parses fine in V8 but breaks every
// recursive consumer downstream (Node-RED's cloneMessage, util.inspect, our own encoders), so
// depth is refused here, where the error can still name the limit and the byte it was hit at.

export interface JsonLimits {
  /** largest text accepted, in UTF-8 bytes (default 64 KiB) */
  maxBytes: number;
  /** deepest nesting of arrays/objects (default 16; `{"a":1}` is depth 1) */
  maxDepth: number;
  /** most object keys plus array elements in the whole document (default 1000) */
  maxEntries: number;
}

const UTF8 = new TextDecoder('utf-8', { fatal: true });

const DEFAULT_JSON_LIMITS: Readonly<JsonLimits> = { maxBytes: 64 * 1024, maxDepth: 16, maxEntries: 1000 };

export type JsonLimitKind = 'bytes' | 'depth' | 'entries' | 'syntax' | 'type';

/** The text was refused: `limit` says which check, `offset` the byte (or character) where. */
export class BoundedJsonError extends Error {
  constructor(
    readonly limit: JsonLimitKind,
    message: string,
    readonly offset?: number,
  ) {
    super(message);
    this.name = 'BoundedJsonError';
  }
}

/**
 * Parses JSON text (a string, or a Buffer/Uint8Array of UTF-8) within `limits`. `what` names the
 * input in errors ("command payload"). Throws BoundedJsonError.
 */
export function parseBoundedJson(input: string | Uint8Array, what = 'JSON text', limits: Partial<JsonLimits> = {}): unknown {
  const lim = { ...DEFAULT_JSON_LIMITS, ...limits };
  let bytes: number;
  if (typeof input === 'string') {
    // length is a lower bound of the UTF-8 size; only compute the exact size near the limit
    bytes = input.length > lim.maxBytes ? input.length : input.length * 3 > lim.maxBytes ? Buffer.byteLength(input, 'utf8') : input.length;
  } else if (input instanceof Uint8Array) {
    bytes = input.byteLength;
  } else {
    throw new BoundedJsonError('type', `${what}: expected JSON text (string or Buffer), got ${describeType(input)}`);
  }
  if (bytes > lim.maxBytes) throw new BoundedJsonError('bytes', `${what}: ${bytes} bytes is more than the limit of ${lim.maxBytes} bytes`);
  let text: string;
  if (typeof input === 'string') text = input;
  else {
    try {
      text = UTF8.decode(input);
    } catch {
      throw new BoundedJsonError('syntax', `${what}: not UTF-8 text (binary data)`);
    }
  }
  measure(text, what, lim);
  try {
    return JSON.parse(text);
  } catch (err) {
    throw new BoundedJsonError('syntax', `${what}: not valid JSON: ${(err as Error).message}`);
  }
}

/** One pass over the text outside strings: nesting depth and entry count (commas + first items). */
function measure(text: string, what: string, lim: JsonLimits): void {
  let depth = 0;
  let entries = 0;
  let inString = false;
  // whether the innermost open container has not seen its first item yet
  let expectFirst = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 0x5c /* \ */) i++;
      else if (c === 0x22 /* " */) inString = false;
      continue;
    }
    if (c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09) continue;
    if (expectFirst && c !== 0x5d && c !== 0x7d) {
      expectFirst = false;
      if (++entries > lim.maxEntries) throw new BoundedJsonError('entries', `${what}: more than ${lim.maxEntries} keys/elements (at character ${i})`, i);
    }
    if (c === 0x22) inString = true;
    else if (c === 0x5b /* [ */ || c === 0x7b /* { */) {
      if (++depth > lim.maxDepth) throw new BoundedJsonError('depth', `${what}: nested deeper than ${lim.maxDepth} levels (at character ${i})`, i);
      expectFirst = true;
    } else if (c === 0x5d || c === 0x7d) {
      depth--;
      expectFirst = false;
    } else if (c === 0x2c /* , */ && depth > 0) {
      if (++entries > lim.maxEntries) throw new BoundedJsonError('entries', `${what}: more than ${lim.maxEntries} keys/elements (at character ${i})`, i);
    }
  }
}

export function describeType(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'an array';
  if (Buffer.isBuffer(v)) return `a Buffer of ${v.length} bytes`;
  return typeof v === 'object' ? 'an object' : `a ${typeof v}`;
}
