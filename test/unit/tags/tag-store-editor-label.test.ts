// The tag store config node's label in the editor (editor/nodes/tag-store.ts as its .html loads it):
// "tag store" in the user's language or its name, never the type name, beside the tag store in node.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import vm from 'node:vm';
import { editorScripts } from '../../helpers/editor-scripts';

interface EditorDef {
  label(this: Record<string, unknown>): string;
  paletteLabel(): string;
}

/** The definitions registered by `kinds`' editor code, with RED._ reading our catalogs in `lang`. */
function editorDefinitions(lang: string, kinds: string[], nodes: Record<string, Record<string, unknown>> = {}): Record<string, EditorDef> {
  const defs: Record<string, EditorDef> = {};
  const translate = (key: string): string => {
    // "<module>/<node set>:<key>", as editor/components/i18n.ts builds it
    const m = /^[^:]+\/([^:/]+):(.+)$/.exec(key);
    if (!m) return key;
    const catalog = JSON.parse(readFileSync(join(__dirname, '..', '..', '..', 'nodes', m[1], 'locales', lang, `${m[1]}.json`), 'utf8')) as Record<string, unknown>;
    const found = m[2].split('.').reduce<unknown>((at, part) => (at as Record<string, unknown> | undefined)?.[part], catalog);
    return typeof found === 'string' ? found : key;
  };
  const RED = { _: translate, nodes: { registerType: (type: string, d: EditorDef) => (defs[type] = d), node: (id: string) => nodes[id] ?? null } };
  // only the node's own module: the shared status-text script needs the editor's comms
  const context = vm.createContext({ RED, $: () => ({ length: 0 }) });
  for (const kind of kinds) for (const script of editorScripts(kind).filter((s) => s.name.startsWith('nodes/'))) vm.runInContext(script.code, context, { filename: script.name });
  return defs;
}

test('the tag store is labelled "tag store" (ru: "хранилище тегов") or by its name', () => {
  for (const [lang, words] of [
    ['en-US', 'tag store'],
    ['ru', 'хранилище тегов'],
  ]) {
    const defs = editorDefinitions(lang, ['tag-store', 'tag-store-in'], { s1: { name: 'plant' } });
    const store = defs['edgegw-tag-store'];
    assert.equal(store.paletteLabel(), words, lang);
    assert.equal(store.label.call({ name: '' }), words, lang);
    assert.equal(store.label.call({ name: 'plant' }), 'plant', lang);
    assert.equal(defs['edgegw-tag-store-in'].label.call({ name: '', store: 's1' }), `${words} plant`, lang);
  }
});
