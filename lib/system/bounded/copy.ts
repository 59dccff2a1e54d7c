// What an error report may carry. Node-RED deep-clones the message of every error it hands to a
// Catch node (cloneMessage, recursive): a message nested 5,000 levels deep overflows the stack and
// kills the runtime, and a 50 MB payload is copied once per Catch node. A message within these
// limits is passed on as it is; a larger or deeper one is replaced by a shallow copy that keeps
// its identity (_msgid, topic) and says what was left out.

export interface CopyLimits {
  /** deepest nesting walked (default 32) */
  maxDepth: number;
  /** most values (object keys, array elements) walked (default 10,000) */
  maxValues: number;
  /** most bytes of strings and buffers (default 1 MiB) */
  maxBytes: number;
}

const DEFAULT_COPY_LIMITS: Readonly<CopyLimits> = { maxDepth: 32, maxValues: 10_000, maxBytes: 1024 * 1024 };

/** Why a value is over the limits, or undefined when it is within them. Iterative: any depth is safe. */
export function overLimits(value: unknown, limits: Partial<CopyLimits> = {}): string | undefined {
  const lim = { ...DEFAULT_COPY_LIMITS, ...limits };
  const stack: Array<[unknown, number]> = [[value, 0]];
  const seen = new Set<object>();
  let values = 0;
  let bytes = 0;
  while (stack.length) {
    const [v, depth] = stack.pop()!;
    if (typeof v === 'string') {
      bytes += v.length;
      if (bytes > lim.maxBytes) return `more than ${lim.maxBytes} bytes of text`;
      continue;
    }
    if (v === null || typeof v !== 'object') continue;
    if (ArrayBuffer.isView(v)) {
      bytes += v.byteLength;
      if (bytes > lim.maxBytes) return `more than ${lim.maxBytes} bytes of data`;
      continue;
    }
    if (seen.has(v)) continue; // cloneMessage handles cycles; only their size matters here
    seen.add(v);
    if (depth >= lim.maxDepth) return `nested deeper than ${lim.maxDepth} levels`;
    const children = Array.isArray(v) ? v : Object.values(v as Record<string, unknown>);
    values += children.length;
    if (values > lim.maxValues) return `more than ${lim.maxValues} values`;
    for (const c of children) stack.push([c, depth + 1]);
  }
  return undefined;
}

/** A one-line description of a value that was left out: type and size. */
function summarize(v: unknown): string {
  if (typeof v === 'string') return `[string of ${v.length} characters]`;
  if (Buffer.isBuffer(v)) return `[Buffer of ${v.length} bytes]`;
  if (ArrayBuffer.isView(v)) return `[${v.constructor.name} of ${v.byteLength} bytes]`;
  if (Array.isArray(v)) return `[array of ${v.length} elements]`;
  if (v && typeof v === 'object') return `[object with ${Object.keys(v).length} keys]`;
  return String(v);
}

const SHORT_TEXT = 256;

/**
 * A message safe to clone: the message itself when within limits, else a copy with its top-level
 * primitives (strings cut to 256 characters) and every other field replaced by a summary, plus
 * `_truncated` saying why.
 */
export function boundedMessage<T extends Record<string, unknown>>(msg: T, limits: Partial<CopyLimits> = {}): { msg: Record<string, unknown>; truncated?: string } {
  const why = overLimits(msg, limits);
  if (!why) return { msg };
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(msg)) {
    if (typeof v === 'string') out[k] = v.length > SHORT_TEXT ? `${v.slice(0, SHORT_TEXT)}... ${summarize(v)}` : v;
    else if (v === null || typeof v !== 'object') out[k] = v;
    else out[k] = summarize(v);
  }
  out._truncated = `the message was ${why}; its fields are summarized`;
  return { msg: out, truncated: why };
}
