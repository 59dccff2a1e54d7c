// The profiles of a process: shipped and user folders, a user's profile in place of a shipped one,
// a broken edit refused while the last good one stays, and a watched folder reloaded on change.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync, unlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ProfileLibrary } from '../../../lib/profiles/library';
import { profileFolders, SHIPPED_PROFILES_DIR } from '../../../lib/profiles/shipped';
import { ProfileNotFoundError } from '../../../lib/profiles/errors';
import { waitFor } from '../../helpers/process';

const profile = (id: string, unit: string) => `id: ${id}
name: Test ${id}
protocol: mqtt
mqtt:
  topics:
    - topic: t/{topic}
tags:
  - name: value
    path: v
    unit: ${unit}
`;

function userDir(): string {
  return mkdtempSync(join(tmpdir(), 'edgegw-profiles-'));
}

test('shipped and user profiles load together; a user profile takes a shipped id', (t) => {
  const dir = userDir();
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const lib = new ProfileLibrary(profileFolders(dir));
  lib.watch();
  t.after(() => lib.close());
  const before = lib.require('tasmota-energy-plug');
  assert.equal(before.origin, 'package');
  assert.equal(before.file, join(SHIPPED_PROFILES_DIR, 'tasmota-energy-plug.yaml'));
  writeFileSync(join(dir, 'profiles', 'tasmota-energy-plug.yaml'), profile('tasmota-energy-plug', 'W'));
  writeFileSync(join(dir, 'profiles', 'mine.yml'), profile('mine', 'degC'));
  const changed = lib.reload();
  assert.deepEqual(changed.sort(), ['mine', 'tasmota-energy-plug']);
  assert.equal(lib.require('tasmota-energy-plug').origin, 'user');
  assert.equal(lib.require('mine').name, 'Test mine');
  assert.throws(() => lib.require('nope'), ProfileNotFoundError);
});

test('a broken edit is refused with its line, and the profile loaded before stays in use', (t) => {
  const dir = userDir();
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const lib = new ProfileLibrary([{ dir, origin: 'user' }]);
  t.after(() => lib.close());
  writeFileSync(join(dir, 'mine.yaml'), profile('mine', 'W'));
  lib.reload();
  assert.equal(lib.ids().length, 1);
  const refused: string[] = [];
  lib.on('refused', (errs) => refused.push(...errs.map((e) => e.message)));
  writeFileSync(join(dir, 'mine.yaml'), profile('mine', 'W').replace('path: v', 'path: v..w'));
  assert.deepEqual(lib.reload(), [], 'nothing changed for the devices');
  assert.equal(lib.require('mine').file, join(dir, 'mine.yaml'));
  assert.equal(lib.refusals().length, 1);
  assert.match(refused[0], /mine\.yaml:9 tags\[0\]\.path: not a path/);
  assert.equal(lib.refusalOf('mine')?.line, 9);
  // a second file with the same id is refused, the first kept
  writeFileSync(join(dir, 'mine.yaml'), profile('mine', 'W'));
  writeFileSync(join(dir, 'zz.json'), JSON.stringify({ id: 'zz', name: 'x', protocol: 'mqtt', mqtt: { topics: [{ topic: 'a' }] }, tags: [{ name: 'v', path: 'v' }] }));
  lib.reload();
  assert.deepEqual(lib.ids(), ['mine', 'zz']);
  assert.deepEqual(lib.refusals(), []);
  // a removed file takes its profile away
  unlinkSync(join(dir, 'zz.json'));
  assert.deepEqual(lib.reload(), ['zz']);
});

test('a watched folder reloads after a quiet moment and tells which profiles changed', async (t) => {
  const dir = userDir();
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const lib = new ProfileLibrary(profileFolders(dir), 50);
  lib.watch();
  t.after(() => lib.close());
  const changes: string[][] = [];
  lib.on('changed', (ids) => changes.push(ids));
  writeFileSync(join(dir, 'profiles', 'mine.yaml'), profile('mine', 'W'));
  await waitFor('the new profile', () => lib.get('mine'), 5000);
  writeFileSync(join(dir, 'profiles', 'mine.yaml'), profile('mine', 'kW'));
  await waitFor(
    'the changed profile',
    () => {
      const p = lib.get('mine');
      return p?.protocol === 'mqtt' && p.tags[0].unit === 'kW';
    },
    5000,
  );
  assert.ok(
    changes.every((ids) => ids.length === 1 && ids[0] === 'mine'),
    JSON.stringify(changes),
  );
});
