// A node's catalogs as the editor's RED._ uses them, read from disk: the text of a key with its
// __name__ placeholders filled in, or the fallback when the catalog lacks the key (the editor's
// helpers, editor/components/i18n.ts, answer a missing key so).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Translate } from '../../editor/components/translate';

const root = join(__dirname, '..', '..');

export type Locale = 'en-US' | 'ru';

/** The catalog of a node kind in a locale (its one top-level key is the kind). */
export function readCatalog<T = Record<string, unknown>>(kind: string, locale: Locale): T {
  return JSON.parse(readFileSync(join(root, 'nodes', kind, 'locales', locale, `${kind}.json`), 'utf8')) as T;
}

/** A Translate over the catalogs of the node kinds the keys name (the key's first segment). */
export function catalogTranslator(locale: Locale): Translate {
  const catalogs = new Map<string, unknown>();
  return (key, fallback, args) => {
    const kind = key.slice(0, key.indexOf('.'));
    if (!catalogs.has(kind)) catalogs.set(kind, readCatalog(kind, locale));
    let node: unknown = catalogs.get(kind);
    for (const part of key.split('.')) node = (node as Record<string, unknown> | undefined)?.[part];
    if (typeof node !== 'string') return fallback;
    return node.replace(/__(\w+)__/g, (_m, name: string) => String(args[name] ?? ''));
  };
}
