// The destination validators: every bad setting names its destination and field, and no error
// or describe text carries a credential.
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { parseHttpDestinationConfig, HttpDestination } from '../../../lib/forward/http';
import { parseInfluxDestinationConfig, InfluxDestination } from '../../../lib/forward/influxdb';
import { parsePostgresDestinationConfig, PostgresDestination, pgErrorKind } from '../../../lib/forward/postgres';
import { DestinationConfigError } from '../../../lib/forward/errors';
import { redactSecrets, redactUrl } from '../../../lib/system/text/redact';
import { inspect } from 'node:util';

function configError(fn: () => unknown, destination: string, field: string, text?: RegExp): DestinationConfigError {
  try {
    fn();
  } catch (err) {
    assert.ok(err instanceof DestinationConfigError, `expected DestinationConfigError, got ${inspect(err)}`);
    assert.equal(err.destination, destination);
    assert.equal(err.field, field);
    assert.ok(err.message.startsWith(`${destination} destination: ${field}: `), err.message);
    if (text) assert.match(err.message, text);
    return err;
  }
  assert.fail(`expected a config error on ${field}`);
}

describe('HTTP destination config', () => {
  test('defaults', () => {
    const o = parseHttpDestinationConfig({ url: 'http://127.0.0.1:8080/in' });
    assert.equal(o.method, 'POST');
    assert.equal(o.batching, 'single');
    assert.equal(o.content, 'payload');
    assert.equal(o.maxBatch, 10);
    assert.deepEqual(o.retryStatuses, [408, 429]);
    assert.equal(o.timeoutMs, 10_000);
    assert.equal(parseHttpDestinationConfig({ url: 'http://h/', batching: 'array' }).maxBatch, 100);
  });

  test('each bad field is named', () => {
    configError(() => parseHttpDestinationConfig({}), 'http', 'url', /required/);
    configError(() => parseHttpDestinationConfig({ url: 'ftp://h/' }), 'http', 'url', /"ftp:"/);
    configError(() => parseHttpDestinationConfig({ url: 'http://h/', method: 'GET' }), 'http', 'method', /"POST", "PUT"/);
    configError(() => parseHttpDestinationConfig({ url: 'http://h/', batching: 'lines' }), 'http', 'batching');
    configError(() => parseHttpDestinationConfig({ url: 'http://h/', timeoutMs: 'soon' }), 'http', 'timeoutMs', /integer/);
    configError(() => parseHttpDestinationConfig({ url: 'http://h/', maxBatch: 0 }), 'http', 'maxBatch', /between 1 and/);
    configError(() => parseHttpDestinationConfig({ url: 'http://h/', headers: '{nope' }), 'http', 'headers', /not valid JSON/);
    configError(() => parseHttpDestinationConfig({ url: 'http://h/', headers: { 'Bad Header': 'x' } }), 'http', 'headers.Bad Header');
    configError(() => parseHttpDestinationConfig({ url: 'http://h/', headers: { 'X-A': 'a\r\nInjected: 1' } }), 'http', 'headers.X-A', /line breaks/);
    configError(() => parseHttpDestinationConfig({ url: 'http://h/', retryStatuses: '408, 500' }), 'http', 'retryStatuses[1]', /4xx/);
    configError(() => parseHttpDestinationConfig({ url: 'http://h/', bearerToken: 't', username: 'u' }), 'http', 'bearerToken', /choose one/);
  });

  test('a password in an invalid URL is not echoed; secrets are masked in describe', () => {
    const err = configError(() => parseHttpDestinationConfig({ url: 'http://user:hunter2@[bad' }), 'http', 'url');
    assert.doesNotMatch(err.message, /hunter2/);
    const d = new HttpDestination(parseHttpDestinationConfig({ url: 'https://h/in?api_key=hunter2&site=3', headers: { 'X-Api-Key': 'k-77' } }));
    assert.equal(d.describe, 'POST https://h/in?api_key=***&site=3');
    void d.close();
  });
});

describe('InfluxDB destination config', () => {
  test('v1 and v2 settings, each required field named', () => {
    const v1 = parseInfluxDestinationConfig({ url: 'http://127.0.0.1:8086', database: 'plant', username: 'gw', password: 'pw1' });
    assert.equal(v1.version, 'v1');
    assert.equal(v1.maxBatch, 1000);
    assert.equal(v1.valueFields, 'by-type');
    const v2 = parseInfluxDestinationConfig({ url: 'http://127.0.0.1:8086', version: 'v2', org: 'acme', bucket: 'b', token: 'tkn' });
    assert.equal(v2.token, 'tkn');
    configError(() => parseInfluxDestinationConfig({ url: 'http://h:8086' }), 'influxdb', 'database');
    configError(() => parseInfluxDestinationConfig({ url: 'http://h:8086', version: 'v2', org: 'o', bucket: 'b' }), 'influxdb', 'token');
    configError(() => parseInfluxDestinationConfig({ url: 'http://h:8086', version: 'v2', bucket: 'b', token: 't' }), 'influxdb', 'org');
    configError(() => parseInfluxDestinationConfig({ url: 'http://h:8086', version: 'v3', database: 'x' }), 'influxdb', 'version');
    configError(() => parseInfluxDestinationConfig({ url: 'http://h:8086/write?db=x', database: 'x' }), 'influxdb', 'url', /without a query/);
    configError(() => parseInfluxDestinationConfig({ url: 'http://u:secretpw@h:8086', database: 'x' }), 'influxdb', 'url');
    configError(() => parseInfluxDestinationConfig({ url: 'http://h:8086', database: 'x', password: 'p' }), 'influxdb', 'username');
    configError(() => parseInfluxDestinationConfig({ url: 'http://h:8086', database: 'x', valueFields: 'all' }), 'influxdb', 'valueFields');
    configError(() => parseInfluxDestinationConfig({ url: 'http://h:8086', database: 'x', nonTagMessages: 'drop' }), 'influxdb', 'nonTagMessages');
  });

  test('describe names server, database or bucket, never credentials', () => {
    const d1 = new InfluxDestination(parseInfluxDestinationConfig({ url: 'http://127.0.0.1:8086/', database: 'plant', username: 'gw', password: 'pw-secret' }));
    assert.equal(d1.describe, 'influxdb v1 http://127.0.0.1:8086 db=plant');
    const d2 = new InfluxDestination(parseInfluxDestinationConfig({ url: 'https://influx.example:8086', version: 'v2', org: 'acme', bucket: 'edge', token: 'tok-secret' }));
    assert.equal(d2.describe, 'influxdb v2 https://influx.example:8086 org=acme bucket=edge');
    void d1.close();
    void d2.close();
  });
});

describe('PostgreSQL destination config', () => {
  test('url or fields; fields win; the password from credentials', () => {
    const o = parsePostgresDestinationConfig({ url: 'postgres://gw:urlpw@db.local:5433/plant?sslmode=require', table: 'telemetry.readings' });
    assert.deepEqual([o.host, o.port, o.database, o.user, o.password, o.ssl], ['db.local', 5433, 'plant', 'gw', 'urlpw', true]);
    assert.deepEqual(o.table, { schema: 'telemetry', name: 'readings' });
    const f = parsePostgresDestinationConfig({ url: 'postgres://gw@db.local/plant', port: '6543', password: 'credpw', table: 'readings', createTable: 'true' });
    assert.deepEqual([f.port, f.password, f.createTable, f.table.schema], [6543, 'credpw', true, undefined]);
    const d = new PostgresDestination(f);
    assert.equal(d.describe, 'postgres://gw@db.local:6543/plant table readings');
    assert.doesNotMatch(d.describe, /credpw/);
  });

  test('table names are validated identifiers', () => {
    configError(() => parsePostgresDestinationConfig({ database: 'd', user: 'u' }), 'postgres', 'table', /required/);
    for (const bad of ['readings; DROP TABLE x', 'a.b.c', '"quoted"', '1st', 'x'.repeat(64), 'sch.', 'has space']) {
      configError(() => parsePostgresDestinationConfig({ database: 'd', user: 'u', table: bad }), 'postgres', 'table');
    }
    assert.deepEqual(parsePostgresDestinationConfig({ database: 'd', user: 'u', table: 'Plant_1$x' }).table, { name: 'Plant_1$x' });
  });

  test('each bad field is named, without the password', () => {
    configError(() => parsePostgresDestinationConfig({ table: 't', user: 'u' }), 'postgres', 'database');
    configError(() => parsePostgresDestinationConfig({ table: 't', database: 'd' }), 'postgres', 'user');
    configError(() => parsePostgresDestinationConfig({ url: 'mysql://u@h/d', table: 't' }), 'postgres', 'url', /"mysql:"/);
    configError(() => parsePostgresDestinationConfig({ url: 'postgres://u@h/d?application_name=x', table: 't' }), 'postgres', 'url', /application_name/);
    configError(() => parsePostgresDestinationConfig({ url: 'postgres://u@h/d', table: 't', port: 70000 }), 'postgres', 'port');
    const err = configError(() => parsePostgresDestinationConfig({ url: 'postgres://u:pw-leak@[h/d', table: 't' }), 'postgres', 'url');
    assert.doesNotMatch(err.message, /pw-leak/);
  });

  test('SQLSTATE classes map to retry (connection, setup) or per-message rejection (data)', () => {
    assert.equal(pgErrorKind(Object.assign(new Error('x'), { code: 'ECONNREFUSED' })), 'connection');
    assert.equal(pgErrorKind(new Error('Connection terminated unexpectedly')), 'connection');
    assert.equal(pgErrorKind({ code: '57P01' }), 'connection');
    assert.equal(pgErrorKind({ code: '08006' }), 'connection');
    assert.equal(pgErrorKind({ code: '22021' }), 'data');
    assert.equal(pgErrorKind({ code: '23514' }), 'data');
    assert.equal(pgErrorKind({ code: '28P01' }), 'setup');
    assert.equal(pgErrorKind({ code: '42P01' }), 'setup');
  });
});

describe('redaction', () => {
  test('plain, URL-encoded and base64 forms of a secret are masked', () => {
    const text = `a p@ss/1 b ${encodeURIComponent('p@ss/1')} c ${Buffer.from('p@ss/1').toString('base64')}`;
    assert.equal(redactSecrets(text, ['p@ss/1', undefined]), 'a *** b *** c ***');
    assert.equal(redactUrl(new URL('http://u:p@h/x?token=abc&a=1'), { user: 'mask' }), 'http://***:***@h/x?token=***&a=1');
  });
});
