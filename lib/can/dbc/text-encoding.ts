// DBC files come from Windows tools in cp1252 as often as in UTF-8, and nothing in the file says
// which. Valid UTF-8 is taken as UTF-8 (a cp1252 text with accented letters is almost never valid
// UTF-8); anything else is decoded as cp1252.

/** Code points of cp1252 bytes 0x80..0x9F; the five unassigned bytes map to the C1 control of the same value, as WHATWG does. */
const CP1252_HIGH_CONTROL_RANGE = [
  0x20ac, 0x0081, 0x201a, 0x0192, 0x201e, 0x2026, 0x2020, 0x2021, 0x02c6, 0x2030, 0x0160, 0x2039, 0x0152, 0x008d, 0x017d, 0x008f, 0x0090, 0x2018, 0x2019, 0x201c, 0x201d, 0x2022, 0x2013, 0x2014,
  0x02dc, 0x2122, 0x0161, 0x203a, 0x0153, 0x009d, 0x017e, 0x0178,
];

export type DbcTextEncoding = 'utf-8' | 'cp1252';

export function decodeCp1252(bytes: Uint8Array): string {
  const parts: string[] = [];
  const CHUNK = 8192;
  const codes = new Array<number>(CHUNK);
  for (let start = 0; start < bytes.length; start += CHUNK) {
    const end = Math.min(bytes.length, start + CHUNK);
    codes.length = end - start;
    for (let i = start; i < end; i++) {
      const b = bytes[i];
      codes[i - start] = b >= 0x80 && b <= 0x9f ? CP1252_HIGH_CONTROL_RANGE[b - 0x80] : b;
    }
    parts.push(String.fromCharCode.apply(null, codes));
  }
  return parts.join('');
}

const strictUtf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: false });

/** Decodes DBC bytes: UTF-8 when valid (BOM dropped), cp1252 otherwise. */
export function decodeDbcText(bytes: Uint8Array): { text: string; encoding: DbcTextEncoding } {
  try {
    return { text: strictUtf8.decode(bytes), encoding: 'utf-8' };
  } catch {
    return { text: decodeCp1252(bytes), encoding: 'cp1252' };
  }
}
