// The shape of a catalog lookup, apart from the editor's RED._ (i18n.ts), so that the code which
// words the dialogs' messages runs in unit tests with the catalogs read from disk.

/** A catalog lookup: the text of the key with its arguments, or the fallback when the catalog lacks the key. */
export type Translate = (key: string, fallback: string, args: Readonly<Record<string, string | number>>) => string;
