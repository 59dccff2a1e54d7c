// GET /api/devices carries what the device registry keeps about each device (stable id, status,
// first and last seen), never its login.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ApiDirectory } from '../../../lib/api/directory';
import { apiHandlers } from '../../../lib/api/routes';
import type { RequestContext } from '../../../lib/api/router';
import { closeSharedDeviceRegistry, sharedDeviceRegistry } from '../../../lib/registry';

test('GET /devices: the registry fields of a registered device, none for an unregistered one', async () => {
  const userDir = mkdtempSync(join(tmpdir(), 'edgegw-api-registry-'));
  const registry = await sharedDeviceRegistry(userDir);
  try {
    const id = registry.register({ nodeId: 'dev1', name: 'boiler' }, { protocol: 'modbus', address: 'tcp:10.0.0.5:502:1', profile: 'eastron-sdm120' });
    await registry.addCredentials(id);
    const directory = new ApiDirectory();
    const device = (nodeId: string, name: string) => ({ id: nodeId, device: name, snapshot: () => ({ status: 'polling' }), write: () => Promise.reject(new Error('not here')) });
    directory.register('devices', device('dev1', 'boiler'));
    directory.register('devices', device('dev2', 'chiller'));
    const answer = await apiHandlers({ directory, document: {} }).listDevices({} as RequestContext);
    const body = answer.body as Array<Record<string, unknown>>;
    assert.equal(body.length, 2);
    const fields = body[0].registry as Record<string, unknown>;
    assert.deepEqual([fields.device_id, fields.status, fields.protocol, fields.profile, fields.address], ['boiler', 'active', 'modbus', 'eastron-sdm120', 'tcp:10.0.0.5:502:1']);
    assert.match(String(fields.first_seen), /^\d{4}-/);
    assert.equal(body[1].registry, undefined);
    assert.ok(!JSON.stringify(body).includes('scrypt'), 'no login in the answer');
  } finally {
    await closeSharedDeviceRegistry(userDir);
  }
});
