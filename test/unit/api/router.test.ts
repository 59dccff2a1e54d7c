// The operator API's request path over real HTTP, with a directory filled the way the nodes fill
// it: a real TagStore with user tags, a real AlarmEngine, a device whose writes fail in each way a
// device write can. Validation errors name the field; the guard's refusals reach the client with
// their headers; body limit, content type and CORS; tags with their age; user-tag writes all or
// nothing, audited under the principal's actor; alarms acknowledged and refused; /health; /audit.
import { describe, test, before, after, beforeEach } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import { apiCall } from '../../helpers/api-client';
import type { AddressInfo } from 'node:net';
import { ApiDirectory, createApiRouter, WriteRefusedError, type ApiDevice } from '../../../lib/api';
import type { ApiGuard, ApiScope } from '../../../lib/api/auth/types';
import { sharedAuditLog } from '../../../lib/audit/audit-log';
import { AlarmEngine } from '../../../lib/alarm/engine';
import { parseRuleTable } from '../../../lib/alarm/rules';
import { healthRegistry } from '../../../lib/health/registry';
import { WriteError, WriteValidationError } from '../../../lib/modbus/writes';
import { TagStore } from '../../../lib/tags/store';
import { parseUserTags } from '../../../lib/tags/store-config';
import { apiTagSource } from '../../../lib/api/tag-source';

/** A guard written for the test: the scopes it grants, or a refusal it gives every request. */
class TestGuard implements ApiGuard {
  scopes: ApiScope[] = ['read', 'write'];
  refusal: Awaited<ReturnType<ApiGuard['check']>> | undefined;
  asked: ApiScope[] = [];
  check(_req: unknown, scope: ApiScope): ReturnType<ApiGuard['check']> {
    this.asked.push(scope);
    if (this.refusal) return Promise.resolve(this.refusal);
    if (!this.scopes.includes(scope)) return Promise.resolve({ ok: false, status: 403, error: `this key lacks the ${scope} scope` });
    return Promise.resolve({ ok: true, principal: { kind: 'key', id: 'k1', actor: 'api:key:operator', scopes: this.scopes } });
  }
  close(): void {
    this.scopes = [];
  }
}

describe('operator API router', () => {
  const guard = new TestGuard();
  const directory = new ApiDirectory();
  const now = 1_800_000_000_000;
  let server: Server;
  let port: number;
  let store: TagStore;
  let engine: AlarmEngine;
  let deviceWrite: ApiDevice['write'];

  before(async () => {
    store = new TagStore({ userTags: parseUserTags('setpoint number 5..30 degC = 21\nenabled boolean = false'), audit: sharedAuditLog(), now: () => now });
    await store.start();
    store.write([
      { device: 'boiler', name: 'flow_temp', value: 71.5, quality: 'good', ts: now - 2500, unit: 'degC' },
      { device: 'boiler', name: 'flow_pressure', value: 1.8, quality: 'good', ts: now - 1000 },
      { device: 'meter', name: 'power', value: 1200, quality: 'stale', ts: now - 60_000 },
    ]);
    directory.register('tagStores', apiTagSource('store1', 'plant', store, 'user'));
    directory.register('devices', {
      id: 'dev1',
      device: 'boiler',
      snapshot: () => ({ status: 'polling', breaker: { state: 'closed' } }),
      write: (values, actor) => deviceWrite(values, actor),
    });
    let clock = now;
    engine = new AlarmEngine(parseRuleTable('tag,type,limit,deadband,on_delay,off_delay,severity\nboiler/flow_temp,hi,70,,,,critical\n'), { now: () => clock });
    engine.process([{ device: 'boiler', name: 'flow_temp', value: 71.5, quality: 'good', ts: clock }]);
    clock += 10;
    directory.register('alarms', { id: 'alarm1', name: 'plant alarms', activeList: () => engine.activeList(), acknowledge: (t, by) => engine.acknowledge(t, by) });
    const router = createApiRouter({ guard, directory, corsOrigins: ['https://hmi.example'], bodyLimit: 1024, now: () => now });
    server = createServer((req, res) => void router.handle(req, res, req.url!.replace(/^\/api/, '') || '/'));
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    port = (server.address() as AddressInfo).port;
  });
  after(async () => {
    await store.close();
    await new Promise<void>((r) => server.close(() => r()));
  });
  beforeEach(() => {
    guard.scopes = ['read', 'write'];
    guard.refusal = undefined;
    guard.asked = [];
  });

  test('GET /tags: every tag with value, quality, unit, ts and age; filtered by device and by prefix', async () => {
    const all = await apiCall(port, 'GET', '/api/tags');
    assert.equal(all.status, 200);
    assert.equal(all.headers['content-type'], 'application/json; charset=utf-8');
    const temp = all.json.find((t: any) => t.name === 'flow_temp');
    assert.deepEqual({ value: temp.value, quality: temp.quality, unit: temp.unit, ts: temp.ts, age: temp.age }, { value: 71.5, quality: 'good', unit: 'degC', ts: now - 2500, age: 2.5 });
    assert.ok(all.json.some((t: any) => t.device === 'user' && t.name === 'setpoint'));
    assert.deepEqual(
      (await apiCall(port, 'GET', '/api/tags?device=boiler')).json.map((t: any) => t.name),
      ['flow_pressure', 'flow_temp'],
    );
    assert.deepEqual(
      (await apiCall(port, 'GET', '/api/tags?prefix=boiler/flow_t')).json.map((t: any) => `${t.device}/${t.name}`),
      ['boiler/flow_temp'],
    );
    assert.deepEqual(guard.asked, ['read', 'read', 'read']);
  });

  test('GET /tags/{device}/{tag}: one tag, 404 naming the tag when unknown', async () => {
    const one = await apiCall(port, 'GET', '/api/tags/meter/power');
    assert.equal(one.status, 200);
    assert.equal(one.json.quality, 'stale');
    assert.equal(one.json.age, 60);
    const none = await apiCall(port, 'GET', '/api/tags/meter/nothing');
    assert.equal(none.status, 404);
    assert.equal(none.json.field, 'path.tag');
    assert.match(none.json.error, /meter\/nothing/);
  });

  test('a request that does not match the document is a 400 naming the field', async () => {
    const cases: Array<[string, string, string | undefined, string, RegExp]> = [
      ['GET', '/api/history?tag=boiler/flow_temp&agg=median', undefined, 'query.agg', /one of min, max, avg, last, count/],
      ['GET', '/api/history?tag=boiler/flow_temp&step=soon', undefined, 'query.step', /integer/],
      ['GET', '/api/history?from=0', undefined, 'query.tag', /required/],
      ['GET', '/api/tags?colour=red', undefined, 'query.colour', /not a known query field/],
      ['GET', '/api/audit?kind=coffee', undefined, 'query.kind', /one of/],
      ['PUT', '/api/tags/user/setpoint', '{"value": 22, "val": 1}', 'body.val', /not a known body field/],
      ['PUT', '/api/tags/user/setpoint', '{"val": 22}', 'body.value', /required/],
      ['PUT', '/api/tags/user/setpoint', '{}', 'body.value', /required/],
      ['PUT', '/api/tags/user/setpoint', '{"value": [1]}', 'body.value', /oneOf|match/],
      ['PUT', '/api/tags/user/setpoint', '{"value": 2', 'body', /not JSON/],
      ['POST', '/api/devices/boiler/write', '{}', 'body', /fewer than 1|NOT have fewer/],
      ['POST', '/api/devices/boiler/write', '[1,2]', 'body', /object/],
    ];
    for (const [method, path, body, field, message] of cases) {
      const r = await apiCall(port, method, path, body);
      assert.equal(r.status, 400, `${method} ${path} ${body ?? ''}: ${r.text}`);
      assert.equal(r.json.field, field, `${method} ${path} ${body ?? ''}: ${r.text}`);
      assert.match(r.json.error, message, `${method} ${path}`);
    }
  });

  test('body limit (413), content type (415), unknown route (404), method not served (405 with Allow)', async () => {
    const big = await apiCall(port, 'POST', '/api/devices/boiler/write', JSON.stringify({ setpoint: 'x'.repeat(2000) }));
    assert.equal(big.status, 413);
    assert.equal(big.json.field, 'body');
    assert.match(big.json.error, /larger than 1024 bytes/);
    const text = await apiCall(port, 'PUT', '/api/tags/user/setpoint', '22', { 'content-type': 'text/plain' });
    assert.equal(text.status, 415);
    const lost = await apiCall(port, 'GET', '/api/nowhere');
    assert.equal(lost.status, 404);
    const del = await apiCall(port, 'DELETE', '/api/tags');
    assert.equal(del.status, 405);
    assert.equal(del.headers.allow, 'GET');
  });

  test('scopes: a read-only principal reads but cannot write; the guard is asked for write on writes and acks', async () => {
    guard.scopes = ['read'];
    assert.equal((await apiCall(port, 'GET', '/api/devices')).status, 200);
    const put = await apiCall(port, 'PUT', '/api/tags/user/setpoint', '{"value": 22}');
    assert.equal(put.status, 403);
    assert.match(put.json.error, /write scope/);
    const ack = await apiCall(port, 'POST', '/api/alarms/all/ack');
    assert.equal(ack.status, 403);
    assert.deepEqual(guard.asked, ['read', 'write', 'write']);
    assert.equal(store.read('user/setpoint')?.value, 21, 'nothing was written');
  });

  test("the guard's refusals reach the client with Retry-After and WWW-Authenticate, before any validation", async () => {
    guard.refusal = { ok: false, status: 429, error: 'too many requests', retryAfter: 2.2 };
    const limited = await apiCall(port, 'GET', '/api/history?agg=median');
    assert.equal(limited.status, 429);
    assert.equal(limited.headers['retry-after'], '3');
    assert.deepEqual(limited.json, { error: 'too many requests' });
    guard.refusal = { ok: false, status: 401, error: 'no credentials', challenge: 'Bearer realm="edge-gateway"' };
    const anon = await apiCall(port, 'GET', '/api/tags');
    assert.equal(anon.status, 401);
    assert.equal(anon.headers['www-authenticate'], 'Bearer realm="edge-gateway"');
  });

  test('CORS: an allowed origin is named back and may preflight; another origin gets no grant', async () => {
    const ok = await apiCall(port, 'GET', '/api/tags', undefined, { origin: 'https://hmi.example' });
    assert.equal(ok.headers['access-control-allow-origin'], 'https://hmi.example');
    const pre = await apiCall(port, 'OPTIONS', '/api/tags/user/setpoint', undefined, { origin: 'https://hmi.example', 'access-control-request-method': 'PUT' });
    assert.equal(pre.status, 204);
    assert.equal(pre.headers['access-control-allow-methods'], 'GET, PUT');
    assert.match(String(pre.headers['access-control-allow-headers']), /Authorization/);
    const other = await apiCall(port, 'GET', '/api/tags', undefined, { origin: 'https://evil.example' });
    assert.equal(other.headers['access-control-allow-origin'], undefined);
    const otherPre = await apiCall(port, 'OPTIONS', '/api/tags', undefined, { origin: 'https://evil.example' });
    assert.equal(otherPre.status, 403);
  });

  test('user tags: written through the store, audited under the API principal; one bad value and nothing is written', async () => {
    const one = await apiCall(port, 'PUT', '/api/tags/user/setpoint', '{"value": 22.5}');
    assert.equal(one.status, 200, one.text);
    assert.deepEqual(one.json.tags[0], { tag: 'setpoint', requested: 22.5, written: 22.5, old: 21, readBack: { value: 22.5, quality: 'good', ts: now } });
    const rec = sharedAuditLog().recent().at(-1)!;
    assert.deepEqual([rec.actor, rec.device, rec.tag, rec.old, rec.new, rec.ok], ['api:key:operator', 'user', 'setpoint', 21, 22.5, true]);
    const bad = await apiCall(port, 'POST', '/api/devices/user/write', '{"enabled": true, "setpoint": 99}');
    assert.equal(bad.status, 422);
    assert.equal(bad.json.field, 'tag.setpoint');
    assert.match(bad.json.error, /setpoint/);
    assert.equal(bad.json.problems[0].tag, 'setpoint');
    assert.equal(store.read('user/enabled')?.value, false, 'the good value of the refused request was not set');
    const refusedRec = sharedAuditLog().recent().at(-1)!;
    assert.deepEqual([refusedRec.tag, refusedRec.ok, refusedRec.actor], ['setpoint', false, 'api:key:operator']);
    const both = await apiCall(port, 'POST', '/api/devices/user/write', '{"enabled": true, "setpoint": 6}');
    assert.equal(both.status, 200);
    assert.deepEqual(
      both.json.tags.map((t: any) => [t.tag, t.written]),
      [
        ['enabled', true],
        ['setpoint', 6],
      ],
    );
  });

  test("device writes: the device's answer, and each failure as the status that fits, naming the tag", async () => {
    deviceWrite = (values, actor) =>
      Promise.resolve({
        device: 'boiler',
        outcome: 'written',
        tags: Object.entries(values).map(([tag, v]) => ({ tag, requested: v, written: v, old: 0, readBack: { value: v, quality: 'good', ts: now } })),
        warnings: [actor],
      });
    const ok = await apiCall(port, 'PUT', '/api/tags/boiler/setpoint', '{"value": 40}');
    assert.equal(ok.status, 200);
    assert.deepEqual(ok.json.warnings, ['api:key:operator'], 'the actor is the principal');
    const answers: Array<[() => Promise<never>, number, string]> = [
      [() => Promise.reject(new WriteValidationError([{ tag: 'power', reason: "read-only (access 'r' in the tag table)" }])), 422, 'tag.power'],
      [() => Promise.reject(new WriteRefusedError('boiler', 'identity not verified yet')), 409, 'path.device'],
      [() => Promise.reject(new WriteError(['b'], ['a'], ['c'], 'unit 1 holding 3', new Error('timeout'))), 502, 'tag.b'],
      [() => Promise.reject(new Error("device 'boiler' is closing; command not written")), 503, 'path.device'],
    ];
    for (const [fail, status, field] of answers) {
      deviceWrite = fail;
      const r = await apiCall(port, 'POST', '/api/devices/boiler/write', '{"power": 1}');
      assert.equal(r.status, status, r.text);
      assert.equal(r.json.field, field);
    }
    deviceWrite = () => Promise.reject(new WriteError(['b'], ['a'], ['c'], 'unit 1 holding 3', new Error('timeout')));
    const wire = await apiCall(port, 'POST', '/api/devices/boiler/write', '{"b": 1}');
    assert.deepEqual([wire.json.written, wire.json.failed, wire.json.notAttempted], [['a'], ['b'], ['c']]);
    deviceWrite = () => Promise.resolve({ device: 'boiler', outcome: 'superseded', tags: [], warnings: [] });
    assert.equal((await apiCall(port, 'POST', '/api/devices/boiler/write', '{"b": 1}')).status, 409);
    const unknown = await apiCall(port, 'POST', '/api/devices/chiller/write', '{"b": 1}');
    assert.equal(unknown.status, 404);
    assert.match(unknown.json.error, /known: boiler/);
  });

  test('GET /devices joins what the device knows with its /health entry', async () => {
    healthRegistry().report('dev1', 'modbus-device', 'degraded', { bad: 1 });
    try {
      const r = await apiCall(port, 'GET', '/api/devices');
      assert.deepEqual(r.json, [{ id: 'dev1', device: 'boiler', status: 'polling', breaker: { state: 'closed' }, health: { state: 'degraded', since: r.json[0].health.since, detail: { bad: 1 } } }]);
    } finally {
      healthRegistry().remove('dev1');
    }
  });

  test('alarms: listed; acknowledged as the principal; an id not listed is a 404 naming it', async () => {
    const list = await apiCall(port, 'GET', '/api/alarms');
    assert.equal(list.json.length, 1);
    const id = list.json[0].id;
    assert.equal(list.json[0].state, 'active');
    const missing = await apiCall(port, 'POST', '/api/alarms/no-such-alarm/ack');
    assert.equal(missing.status, 404);
    assert.equal(missing.json.field, 'path.id');
    assert.match(missing.json.error, /no-such-alarm/);
    const ack = await apiCall(port, 'POST', `/api/alarms/${encodeURIComponent(id)}/ack`);
    assert.equal(ack.status, 200, ack.text);
    assert.deepEqual(
      ack.json.acknowledged.map((e: any) => [e.id, e.state, e.ackedBy]),
      [[id, 'acknowledged', 'api:key:operator']],
    );
    assert.equal((await apiCall(port, 'POST', '/api/alarms/all/ack')).json.acknowledged.length, 0, 'nothing left to acknowledge');
  });

  test('GET /health: the provider the runtime offers (status code from its state), else the nodes alone', async () => {
    const alone = await apiCall(port, 'GET', '/api/health');
    assert.equal(alone.status, 200);
    assert.ok(Array.isArray(alone.json.nodes));
    directory.setHealthProvider(() => ({ statusCode: 503, body: { status: 'down', reasons: ['flows are not running'] } }));
    try {
      const down = await apiCall(port, 'GET', '/api/health');
      assert.equal(down.status, 503);
      assert.deepEqual(down.json, { status: 'down', reasons: ['flows are not running'] });
    } finally {
      directory.setHealthProvider(undefined);
    }
  });

  test('GET /audit: records in the range, of the kind asked; a bad time names its field', async () => {
    const audit = sharedAuditLog();
    audit.record({ ts: now + 1000, kind: 'alarm-ack', actor: 'api:key:operator', device: '', tag: 'x', old: 'active', new: 'acknowledged', ok: true });
    audit.record({ ts: now + 2000, actor: 'flow:x', device: 'boiler', tag: 'y', old: 1, new: 2, ok: true });
    const acks = await apiCall(port, 'GET', `/api/audit?from=${now + 500}&to=${now + 5000}&kind=alarm-ack`);
    assert.equal(acks.status, 200, acks.text);
    assert.deepEqual(
      acks.json.map((r: any) => r.tag),
      ['x'],
    );
    const writes = await apiCall(port, 'GET', `/api/audit?from=${new Date(now + 1500).toISOString()}&to=${now + 2000}&kind=write`);
    assert.deepEqual(
      writes.json.map((r: any) => r.tag),
      ['y'],
    );
    const bad = await apiCall(port, 'GET', '/api/audit?from=yesterday');
    assert.equal(bad.status, 400);
    assert.equal(bad.json.field, 'query.from');
  });

  test('GET /history without a historian is a 404 saying so; GET /openapi.json is the document', async () => {
    const none = await apiCall(port, 'GET', '/api/history?tag=boiler/flow_temp');
    assert.equal(none.status, 404);
    assert.match(none.json.error, /no historian/);
    const doc = await apiCall(port, 'GET', '/api/openapi.json');
    assert.equal(doc.json.openapi, '3.1.0');
  });
});
