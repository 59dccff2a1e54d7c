// The editor shows node statuses in each user's browser language, so every catalog must hold the
// same keys in both locales, and every status key a node sends must exist in both.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import vm from 'node:vm';
import { NODE_KINDS } from '../../nodes/common/migrations';
import { parseStatusText, statusText, StatusKeyError, MODULE_NAME } from '../../nodes/common/status-text';

const root = join(__dirname, '..', '..');
const LOCALES = ['en-US', 'ru'] as const;

type Catalog = Record<string, unknown>;

function catalog(kind: string, locale: string): Catalog {
  return JSON.parse(readFileSync(join(root, 'nodes', kind, 'locales', locale, `${kind}.json`), 'utf8')) as Catalog;
}

/** Every leaf key, dotted, with its text. */
function leaves(o: unknown, prefix = ''): Map<string, string> {
  const out = new Map<string, string>();
  for (const [k, v] of Object.entries(o as Record<string, unknown>)) {
    if (v && typeof v === 'object') for (const [kk, vv] of leaves(v, `${prefix}${k}.`)) out.set(kk, vv);
    else out.set(`${prefix}${k}`, String(v));
  }
  return out;
}

const placeholders = (text: string): string[] => [...new Set(text.match(/__[A-Za-z0-9]+__/g) ?? [])].sort();

/** Every file under nodes/ that is TypeScript. */
function sources(dir = join(root, 'nodes')): string[] {
  return readdirSync(dir).flatMap((f) => {
    const p = join(dir, f);
    if (statSync(p).isDirectory()) return f === 'locales' ? [] : sources(p);
    return p.endsWith('.ts') ? [p] : [];
  });
}

const catalogs = new Map(NODE_KINDS.map((kind) => [kind, new Map(LOCALES.map((l) => [l, leaves(catalog(kind, l))]))]));

test('en-US and ru have the same keys, and the same placeholders, for every node', () => {
  for (const kind of NODE_KINDS) {
    const en = catalogs.get(kind)!.get('en-US')!;
    const ru = catalogs.get(kind)!.get('ru')!;
    assert.deepEqual([...ru.keys()].sort(), [...en.keys()].sort(), kind);
    for (const [key, text] of en) assert.deepEqual(placeholders(ru.get(key)!), placeholders(text), `${kind}: ${key}`);
    // the set's name is the catalog's one top-level key: status texts derive their namespace from it
    assert.deepEqual(Object.keys(catalog(kind, 'en-US')), [kind]);
  }
});

test('every status key the nodes use exists in both locales', () => {
  const used = new Set<string>();
  for (const file of sources()) {
    const text = readFileSync(file, 'utf8');
    for (const m of text.matchAll(/['"`]([a-z][a-z0-9-]*\.status\.[A-Za-z0-9]+)['"`]/g)) used.add(m[1]);
  }
  assert.ok(used.size > 60, `found ${used.size} status keys`);
  for (const key of used) {
    const kind = key.slice(0, key.indexOf('.'));
    const byLocale = catalogs.get(kind as (typeof NODE_KINDS)[number]);
    assert.ok(byLocale, `${key}: no node set ${kind}`);
    for (const locale of LOCALES) assert.ok(byLocale.get(locale)!.has(key), `${key} is missing in ${locale}`);
  }
  // no status is still built from a translated prefix and a detail glued on in the runtime
  for (const file of sources()) assert.doesNotMatch(readFileSync(file, 'utf8'), /RED\._\([^)]*\.status\./, file);
});

test('a status text is the namespaced key with its arguments, and reads back', () => {
  const text = statusText({ key: 'watchdog.status.silent', args: { count: 2, total: 5, keys: 'plant/pump__1, a&b=c' } }, { key: 'watchdog.status.deviceError' });
  assert.equal(text, `${MODULE_NAME}/watchdog:watchdog.status.silent?count=2&total=5&keys=plant%2Fpump%5F%5F1%2C%20a%26b%3Dc · ${MODULE_NAME}/watchdog:watchdog.status.deviceError`);
  assert.doesNotMatch(text, /__/, 'the editor runs i18next over the text: no placeholder may appear in it');
  assert.deepEqual(parseStatusText(text), [{ key: 'watchdog.status.silent', args: { count: '2', total: '5', keys: 'plant/pump__1, a&b=c' } }, { key: 'watchdog.status.deviceError' }]);
  assert.equal(parseStatusText('3 keys ok'), undefined);
  assert.equal(parseStatusText(`${MODULE_NAME}/stats:watchdog.status.ok`), undefined, "the namespace must be the key's set");
  assert.throws(() => statusText({ key: 'ok' }), StatusKeyError);
  const long = parseStatusText(statusText({ key: 'store-forward.status.storageError', args: { error: 'x'.repeat(100) } }))![0].args!.error as string;
  assert.equal(long.length, 60);
  assert.ok(long.endsWith('…'));
});

test('the editor renderer shows a status text in the catalog language, with its figures', () => {
  const js = readFileSync(join(root, 'resources', 'status-text.js'), 'utf8');
  const catalog: Record<string, string> = { [`${MODULE_NAME}/watchdog:watchdog.status.silent`]: '__count__ из __total__ молчат: __keys__' };
  let handler: ((topic: string, msg: { text?: string }) => void) | undefined;
  const window: { EdgeGatewayStatusText?: { render: (text: string) => string | null } } = {};
  const RED = {
    _: (key: string, args: Record<string, string> = {}) => (catalog[key] ?? key).replace(/__(\w+)__/g, (_m, name: string) => args[name] ?? ''),
    comms: { subscribe: (_topic: string, fn: typeof handler) => (handler = fn) },
    nodes: { node: () => undefined },
    view: { redrawStatus: () => undefined },
  };
  vm.runInNewContext(js, { window, RED, Promise });
  assert.ok(handler, 'subscribed to status/#');
  const render = window.EdgeGatewayStatusText!.render;
  assert.equal(render(statusText({ key: 'watchdog.status.silent', args: { count: 2, total: 5, keys: 'a,b_c' } })), '2 из 5 молчат: a,b_c');
  // a key the catalog lacks shows as the key; a text that is not ours is left to the editor
  assert.equal(render(statusText({ key: 'watchdog.status.learning' })), 'watchdog.status.learning');
  assert.equal(render('3 keys ok'), null);
  for (const kind of NODE_KINDS) {
    const html = readFileSync(join(root, 'nodes', kind, `${kind}.html`), 'utf8');
    if (/category:\s*'config'/.test(readFileSync(join(root, 'editor', 'nodes', `${kind}.ts`), 'utf8'))) continue;
    assert.match(html, /<script src="resources\/@edgegw\/node-red-gateway\/status-text\.js"><\/script>/, kind);
  }
});

test("the runtime's own messages: en-US and ru have the same keys and {placeholders}, and render in the chosen language", async () => {
  const { RUNTIME_CATALOGS, runtimeLangFromArgs, runtimeText, setRuntimeLang } = await import('../../runtime/messages');
  const braces = (text: string): string[] => [...new Set(text.match(/\{\w+\}/g) ?? [])].sort();
  const en = RUNTIME_CATALOGS['en-US'];
  const ru = RUNTIME_CATALOGS.ru;
  assert.deepEqual(Object.keys(ru).sort(), Object.keys(en).sort());
  for (const key of Object.keys(en) as Array<keyof typeof en>) {
    assert.deepEqual(braces(ru[key]), braces(en[key]), key);
    assert.notEqual(ru[key], en[key], `${key} is translated`);
  }
  assert.equal(runtimeLangFromArgs(['--lang', 'ru'], {}), 'ru');
  assert.equal(runtimeLangFromArgs(['--lang=en-US'], { LANG: 'ru_RU.UTF-8' }), 'en-US');
  assert.equal(runtimeLangFromArgs([], { LANG: 'ru_RU.UTF-8' }), 'ru');
  assert.equal(runtimeLangFromArgs([], { LANG: 'C.UTF-8' }), 'en-US');
  assert.equal(runtimeLangFromArgs(['modbus', '--lang', 'ru'], {}), 'en-US', "a subcommand's arguments are its own");
  setRuntimeLang('ru');
  try {
    assert.equal(runtimeText('brokerListening', { port: 1883 }), 'встроенный MQTT-брокер слушает 127.0.0.1:1883');
  } finally {
    setRuntimeLang('en-US');
  }
  assert.equal(runtimeText('brokerListening', { port: 1883 }), 'embedded MQTT broker listening on 127.0.0.1:1883');
});

/** The dialog's texts: each node's editor html and the editor code that builds its dialog. */
function dialogSources(): Array<[string, string]> {
  const editorFiles = (dir: string): string[] =>
    readdirSync(dir).flatMap((f) => {
      const p = join(dir, f);
      return statSync(p).isDirectory() ? editorFiles(p) : p.endsWith('.ts') ? [p] : [];
    });
  return [...NODE_KINDS.map((kind) => join(root, 'nodes', kind, `${kind}.html`)), ...editorFiles(join(root, 'editor', 'nodes')), ...editorFiles(join(root, 'editor', 'components'))].map((file) => [
    file,
    readFileSync(file, 'utf8'),
  ]);
}

test('every catalog key a dialog names (data-i18n, node._ and the catalog helpers) exists in both locales', () => {
  let seen = 0;
  for (const [file, text] of dialogSources()) {
    const keys = [
      ...[...text.matchAll(/data-i18n="(?:\[[a-z]+\])?([a-z][a-z0-9-]*\.[A-Za-z0-9.-]+)"/g)].map((m) => m[1]),
      ...[...text.matchAll(/(?:\b_|\btextOr|\btranslate|\bt)\('([a-z][a-z0-9-]*\.[A-Za-z0-9.-]+)'/g)].map((m) => m[1]),
    ];
    for (const key of keys) {
      seen++;
      const byLocale = catalogs.get(key.slice(0, key.indexOf('.')) as (typeof NODE_KINDS)[number]);
      assert.ok(byLocale, `${file}: ${key} names no node set`);
      for (const locale of LOCALES) assert.ok(byLocale.get(locale)!.has(key), `${file}: ${key} is missing in ${locale}`);
    }
  }
  assert.ok(seen > 300, `found ${seen} keys`);
});

test('unit labels beside dialog fields come from the catalogs (ru: с, мин, ч, сут, мс, МБ)', () => {
  for (const [file, text] of dialogSources()) {
    const bare = [...text.matchAll(/>\s*(s|sec|min|h|d|ms|MB|kB|KB|GB)\s*(?=[,<\n])/g)].map((m) => m[1]);
    assert.deepEqual(bare, [], `${file}: a unit written in the dialog instead of taken from the catalog`);
  }
  const russian = new Set(['с', 'мин', 'ч', 'сут', 'мс', 'МБ', 'кБ']);
  for (const kind of NODE_KINDS) {
    const en = catalogs.get(kind)!.get('en-US')!;
    const ru = catalogs.get(kind)!.get('ru')!;
    for (const [key, text] of en) {
      if (!key.startsWith(`${kind}.unit.`)) continue;
      assert.ok(russian.has(ru.get(key)!), `${kind}: ${key} reads ${ru.get(key)} in Russian (${text} in English)`);
    }
  }
});
