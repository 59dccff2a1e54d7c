// The Devices sidebar plugin's catalogs: the same keys in en-US and ru, and every key its editor
// code asks for is in them (a missing one shows as the key itself in the sidebar).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

const root = join(__dirname, '..', '..');
const catalog = (locale: string) => JSON.parse(readFileSync(join(root, 'plugins', 'devices', 'locales', locale, 'devices.json'), 'utf8')) as Record<string, unknown>;

function leaves(o: unknown, prefix = ''): string[] {
  return Object.entries(o as Record<string, unknown>).flatMap(([k, v]) => (v && typeof v === 'object' ? leaves(v, `${prefix}${k}.`) : [`${prefix}${k}`]));
}

test('en-US and ru hold the same keys, and every key the sidebar uses', () => {
  const en = leaves(catalog('en-US')).sort();
  assert.deepEqual(leaves(catalog('ru')).sort(), en);
  const code = readFileSync(join(root, 'editor', 'plugins', 'devices.ts'), 'utf8');
  const used = [...code.matchAll(/t\('(devices\.[a-zA-Z.]+)'/g)].map((m) => m[1]);
  assert.ok(used.length >= 15, `${used.length} keys found in the code`);
  for (const key of used) assert.ok(en.includes(key), `${key} is in the catalogs`);
  // the keys made from a value: every status and both decisions
  for (const status of ['pending', 'active', 'down', 'rejected', 'retired']) assert.ok(en.includes(`devices.status.${status}`), status);
  for (const action of ['accept', 'reject']) assert.ok(en.includes(`devices.label.${action}`) && en.includes(`devices.message.${action}ed`), action);
});
