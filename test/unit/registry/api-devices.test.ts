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

test('GET /devices: the registry fields served are the OpenAPI document’s RegistryEntry, each of its type', async () => {
  const { openApiDocument } = await import('../../../lib/api');
  const Ajv = (await import('ajv/dist/2020')).default;
  const doc = openApiDocument('/api') as { components: { schemas: Record<string, Record<string, unknown>> } };
  const schemas = doc.components.schemas;
  const userDir = mkdtempSync(join(tmpdir(), 'edgegw-api-registry-schema-'));
  const registry = await sharedDeviceRegistry(userDir);
  try {
    registry.register({ nodeId: 'dev1', name: 'boiler' }, { protocol: 'modbus', address: 'tcp:10.0.0.5:502:1', profile: 'eastron-sdm120' });
    const directory = new ApiDirectory();
    directory.register('devices', { id: 'dev1', device: 'boiler', snapshot: () => ({ status: 'polling' }), write: () => Promise.reject(new Error('not here')) });
    const body = (await apiHandlers({ directory, document: {} }).listDevices({} as RequestContext)).body as Array<Record<string, unknown>>;
    const served = body[0].registry as Record<string, unknown>;
    const entry = schemas.RegistryEntry as { properties: Record<string, unknown>; required: string[] };
    // every field served is described, and every field described is served (all are set here)
    assert.deepEqual(Object.keys(served).sort(), Object.keys(entry.properties).sort());
    assert.ok(entry.required.every((f) => served[f] !== undefined));
    // formats are the document's word to readers (ajv-formats is not a dependency): checked apart
    const ajv = new Ajv({ strict: false, validateFormats: false });
    assert.match(String(served.first_seen), /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
    for (const [name, schema] of Object.entries(schemas)) ajv.addSchema(schema, `#/components/schemas/${name}`);
    const validDevice = ajv.compile({ $ref: '#/components/schemas/Device' });
    assert.ok(validDevice(body[0]), JSON.stringify(validDevice.errors));
    // the schema does look: a status the registry never has, a field it never serves
    assert.equal(validDevice({ ...body[0], registry: { ...served, status: 'sleeping' } }), false);
    assert.equal(validDevice({ ...body[0], registry: { ...served, credential: {} } }), false);
  } finally {
    await closeSharedDeviceRegistry(userDir);
  }
});
