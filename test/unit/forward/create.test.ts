// createDestination / destinationFactory and the forward-target's mapping of editor fields and
// credentials: each type makes its own Destination, '' means the type's default, every bad field
// is named, and no description carries a credential.
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { createDestination, destinationFactory, DESTINATION_TYPES, UnknownDestinationTypeError } from '../../../lib/forward/create';
import { HttpDestination } from '../../../lib/forward/http';
import { InfluxDestination } from '../../../lib/forward/influxdb';
import { MqttDestination, MqttDestinationConfigError } from '../../../lib/forward/mqtt';
import { PostgresDestination } from '../../../lib/forward/postgres';
import { DestinationConfigError } from '../../../lib/forward/errors';
import { destinationSettings, targetAddress } from '../../../nodes/forward-target/api';
import type { NodeDef } from '../../../nodes/common/red';

// What a forward-target saved by the editor looks like: every default present, most of them ''.
const editorDefaults = {
  id: 't1',
  type: 'edgegw-forward-target',
  version: 1,
  name: '',
  kind: 'mqtt',
  url: 'mqtt://127.0.0.1:1883',
  clientId: '',
  qos: 1,
  protocolVersion: 5,
  topic: 'devices/{device}/data',
  retain: false,
  publish: 'payload',
  method: 'POST',
  batching: 'single',
  content: 'payload',
  headers: '',
  retryStatuses: '408, 429',
  influxVersion: 'v1',
  database: '',
  retentionPolicy: '',
  org: '',
  bucket: '',
  valueFields: 'by-type',
  nonTagMessages: 'fields',
  fallbackMeasurement: '',
  host: '127.0.0.1',
  port: 5432,
  table: '',
  createTable: false,
  timeoutMs: '',
  maxInFlight: '',
  maxBatch: '',
  usetls: false,
  ca: '',
  cert: '',
  servername: '',
  rejectUnauthorized: true,
};
const def = (extra: Record<string, unknown>) => ({ ...editorDefaults, ...extra }) as unknown as NodeDef;
const fromEditor = (extra: Record<string, unknown>, credentials: Record<string, string> = {}) => {
  const d = def(extra);
  return destinationFactory(String(d.kind), destinationSettings(String(d.kind), d, credentials));
};

function throwsField(fn: () => unknown, field: string, text?: RegExp): Error {
  try {
    fn();
  } catch (err) {
    const e = err as Error & { field?: string };
    assert.equal(e.field, field, e.message);
    if (text) assert.match(e.message, text);
    return e;
  }
  assert.fail(`expected an error naming ${field}`);
}

describe('createDestination', () => {
  test('each type makes its own Destination, one per client', async () => {
    const made = [
      createDestination('mqtt', { url: 'mqtt://127.0.0.1:1883' }, 'sf1'),
      createDestination('http', { url: 'http://127.0.0.1:8080/in' }),
      createDestination('influxdb', { url: 'http://127.0.0.1:8086', database: 'plant' }),
      createDestination('postgres', { database: 'plant', user: 'gw', table: 'readings' }),
    ];
    assert.ok(made[0] instanceof MqttDestination);
    assert.ok(made[1] instanceof HttpDestination);
    assert.ok(made[2] instanceof InfluxDestination);
    assert.ok(made[3] instanceof PostgresDestination);
    assert.deepEqual(
      made.map((d) => d.describe),
      ['mqtt://127.0.0.1:1883', 'POST http://127.0.0.1:8080/in', 'influxdb v1 http://127.0.0.1:8086 db=plant', 'postgres://gw@127.0.0.1:5432/plant table readings'],
    );
    const factory = destinationFactory('http', { url: 'http://127.0.0.1:8080/in' });
    const a = factory.create('a');
    const b = factory.create('b');
    assert.notEqual(a, b);
    for (const d of [...made, a, b]) await d.close();
    assert.deepEqual([...DESTINATION_TYPES], ['mqtt', 'http', 'influxdb', 'postgres']);
  });

  test('an unknown type names the kind field and lists the available ones', () => {
    const err = throwsField(() => createDestination('kafka', {}), 'kind', /"kafka" is not available \(available: mqtt, http, influxdb, postgres\)/);
    assert.ok(err instanceof UnknownDestinationTypeError);
  });

  test('bad settings are refused at creation, naming the destination and field', () => {
    assert.ok(throwsField(() => createDestination('http', { url: 'ftp://h/' }), 'url') instanceof DestinationConfigError);
    throwsField(() => createDestination('influxdb', { url: 'http://h:8086', version: 'v2', org: 'o', bucket: 'b' }), 'token', /required/);
    throwsField(() => createDestination('postgres', { database: 'd', user: 'u', table: 'a.b.c' }), 'table');
    assert.ok(throwsField(() => createDestination('mqtt', { url: 'http://x' }), 'url') instanceof MqttDestinationConfigError);
  });
});

describe('forward-target settings from the editor', () => {
  test('mqtt: the client id base and credentials; each client gets its own id', async () => {
    const factory = fromEditor({ clientId: 'plant-gw' }, { user: 'gw', password: 'pw' });
    assert.equal(factory.describe, 'mqtt://127.0.0.1:1883');
    const d = factory.create('sf.1') as unknown as { o: { clientId: string; username: string } };
    assert.equal(d.o.clientId, 'plant-gw-sf.1');
    assert.equal(d.o.username, 'gw');
    await (d as unknown as MqttDestination).close();
  });

  test('http: empty fields take the type defaults; credentials map to Basic or Bearer', () => {
    const s = destinationSettings('http', def({ kind: 'http', url: ' http://127.0.0.1:8080/in ' }), { user: '', bearerToken: 'tok-1' });
    assert.equal(s.url, 'http://127.0.0.1:8080/in');
    assert.equal(s.maxBatch, undefined);
    assert.equal(s.username, undefined);
    assert.equal(s.bearerToken, 'tok-1');
    const factory = fromEditor({ kind: 'http', url: 'http://127.0.0.1:8080/in', method: 'PUT', batching: 'array', headers: '{"X-Site":"north"}' }, { bearerToken: 'tok-1' });
    assert.equal(factory.describe, 'PUT http://127.0.0.1:8080/in');
    const d = factory.create('sf') as HttpDestination;
    assert.equal(d.maxBatch, 100);
    void d.close();
    throwsField(() => fromEditor({ kind: 'http', url: 'http://h/', headers: '{nope' }), 'headers', /not valid JSON/);
    throwsField(() => fromEditor({ kind: 'http', url: 'http://h/' }, { user: 'u', bearerToken: 't' }), 'bearerToken', /choose one/);
    throwsField(() => fromEditor({ kind: 'http', url: 'mqtt://127.0.0.1:1883' }), 'url', /"mqtt:"/);
    throwsField(() => fromEditor({ kind: 'http', url: 'http://h/', maxBatch: '0' }), 'maxBatch', /between 1/);
  });

  test('influxdb: v1 takes user/password, v2 the token; the token never shows', async () => {
    const v1 = fromEditor({ kind: 'influxdb', url: 'http://127.0.0.1:8086', database: 'plant' }, { user: 'gw', password: 'pw' });
    assert.equal(v1.describe, 'influxdb v1 http://127.0.0.1:8086 db=plant');
    const v2 = fromEditor({ kind: 'influxdb', url: 'http://127.0.0.1:8086', influxVersion: 'v2', org: 'acme', bucket: 'raw' }, { token: 'influx-secret-token' });
    assert.equal(v2.describe, 'influxdb v2 http://127.0.0.1:8086 org=acme bucket=raw');
    assert.doesNotMatch(JSON.stringify(v2), /influx-secret-token/);
    throwsField(() => fromEditor({ kind: 'influxdb', url: 'http://127.0.0.1:8086' }), 'database', /required/);
    throwsField(() => fromEditor({ kind: 'influxdb', url: 'http://127.0.0.1:8086', influxVersion: 'v2', org: 'acme', bucket: 'raw' }, { user: 'gw', token: 't' }), 'username', /v1/);
    throwsField(() => fromEditor({ kind: 'influxdb', url: 'http://127.0.0.1:8086', influxVersion: 'v3', database: 'd' }), 'version');
  });

  test('postgres: host/port/database fields, user and password from the credentials, TLS from usetls', () => {
    const s = destinationSettings('postgres', def({ kind: 'postgres', database: 'plant', table: 'telemetry.readings', usetls: true, rejectUnauthorized: false, port: '6543' }), {
      user: 'gw',
      password: 'pw',
    });
    assert.deepEqual(
      { user: s.user, password: s.password, ssl: s.ssl, sslRejectUnauthorized: s.sslRejectUnauthorized, port: s.port },
      { user: 'gw', password: 'pw', ssl: true, sslRejectUnauthorized: false, port: '6543' },
    );
    const factory = fromEditor({ kind: 'postgres', database: 'plant', table: 'readings', createTable: true }, { user: 'gw', password: 'pg-secret' });
    assert.equal(factory.describe, 'postgres://gw@127.0.0.1:5432/plant table readings');
    throwsField(() => fromEditor({ kind: 'postgres', database: 'plant', table: 'readings' }), 'user', /required/);
    throwsField(() => fromEditor({ kind: 'postgres', database: 'plant', table: '' }, { user: 'gw' }), 'table', /required/);
    throwsField(() => fromEditor({ kind: 'postgres', database: 'plant', table: 'r', port: 70000 }, { user: 'gw' }), 'port', /between 1 and 65535/);
    assert.equal(targetAddress('postgres', def({ kind: 'postgres', database: 'plant' })), 'postgres://127.0.0.1:5432/plant');
  });
});
