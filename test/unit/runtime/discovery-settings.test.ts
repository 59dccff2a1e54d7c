import { test } from 'node:test';
import assert from 'node:assert/strict';
import { settingsFileLayer } from '../../../runtime/settings-file';
import { SettingsError } from '../../../runtime/settings-fields';

test('settings discovery.topic: a filter with one + for the device id; a bad one names the field', () => {
  assert.deepEqual(settingsFileLayer({ discovery: { topic: 'sensors/+/hello' } }, 'gw.yaml').discovery, { topic: 'sensors/+/hello' });
  assert.throws(
    () => settingsFileLayer({ discovery: { topic: 'sensors/#' } }, 'gw.yaml'),
    (err: Error) => err instanceof SettingsError && /gw\.yaml: discovery\.topic: .*exactly one \+ level/.test(err.message),
  );
  assert.throws(() => settingsFileLayer({ discovery: { topics: 'a/+/b' } }, 'gw.yaml'), /discovery\.topics: unknown \(known: topic\)/);
  assert.throws(() => settingsFileLayer({ discovery: 'a/+/b' }, 'gw.yaml'), /discovery: must be an object/);
});
