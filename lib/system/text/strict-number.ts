// Numbers typed by people (a CLI --set, an MQTT command sent as text) are read strictly: the
// decimal notation of JSON and nothing else. Number() accepts ' 21', '0x10', '0b1', '1_0'-free
// forms, '' (as 0) and 'Infinity', each a way to write a value nobody meant.

const DECIMAL = /^-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][-+]?\d+)?$/;
const INTEGER = /^-?(?:0|[1-9]\d*)$/;

/** The number a decimal text denotes, or undefined when the text is not exactly one (or is not finite). */
export function parseStrictNumber(text: string): number | undefined {
  if (!DECIMAL.test(text)) return undefined;
  const n = Number(text);
  return Number.isFinite(n) ? n : undefined;
}

/** The integer a decimal integer text denotes, exactly (a bigint), or undefined. */
export function parseStrictInteger(text: string): bigint | undefined {
  return INTEGER.test(text) ? BigInt(text) : undefined;
}

/** Why a text is not a decimal number, for error messages. */
export function notANumberReason(text: string): string {
  const shown = JSON.stringify(text.length > 20 ? text.slice(0, 20) + '...' : text);
  if (text.trim() !== text) return `${shown} is not a decimal number (spaces around it)`;
  if (/^[-+]?0[xob]/i.test(text)) return `${shown} is not a decimal number (hex, octal and binary are not accepted)`;
  return `${shown} is not a decimal number`;
}
