// A message of this module's catalogs from editor code. The editor's RED._ looks a bare key up in
// its own catalogs ("editor", "node-red") only, so a key of ours shows as the key itself: the
// key goes with its namespace, the node set whose catalog holds it (its first segment).
import { MODULE_NAME } from '../../nodes/common/status-text';

/** The key as the editor's RED._ finds it: in the namespace of the node set whose catalog holds it. */
export function catalogKey(key: string): string {
  return `${MODULE_NAME}/${key.slice(0, key.indexOf('.'))}:${key}`;
}

export function t(key: string, args?: Record<string, unknown>): string {
  return RED._(catalogKey(key), args);
}

/** The catalog's text for the key, or the fallback when the catalog lacks it (the editor answers a missing key with the key itself). */
export function textOr(key: string, fallback: string, args?: Record<string, unknown>): string {
  const text = t(key, args);
  return text && text !== key && text !== catalogKey(key) ? text : fallback;
}
