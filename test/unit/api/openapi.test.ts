// The operator API's OpenAPI document: it passes Redocly's linter with its recommended rules, and
// the router serves exactly what it describes (walked both ways); a handler without an operation,
// or an operation without a handler, stops the router from being built.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ApiDirectory, createApiRouter, openApiDocument } from '../../../lib/api';
import { ApiRouter } from '../../../lib/api/router';
import { apiHandlers } from '../../../lib/api/routes';
import type { ApiGuard } from '../../../lib/api/auth/types';

const openGuard: ApiGuard = {
  check: () => Promise.resolve({ ok: true, principal: { kind: 'loopback', id: 'loopback', actor: 'api:test', scopes: ['read', 'write'] } }),
  close: () => undefined,
};

test('the document passes the Redocly linter (recommended rules) with no problem at all', async () => {
  const { createConfig, lintFromString } = await import('@redocly/openapi-core');
  const config = await createConfig({ extends: ['recommended'] });
  const problems = await lintFromString({ source: JSON.stringify(openApiDocument('/api')), absoluteRef: 'openapi.json', config });
  assert.deepEqual(
    problems.map((p) => `${p.severity} ${p.ruleId}: ${p.message} at ${p.location[0]?.pointer ?? ''}`),
    [],
  );
  // the linter does look: a document without its info is refused
  const broken = await lintFromString({ source: JSON.stringify({ ...openApiDocument('/api'), info: {} }), absoluteRef: 'openapi.json', config });
  assert.ok(broken.some((p) => p.severity === 'error'));
});

test('every operation of the document is served, and every served route is in the document', () => {
  const doc = openApiDocument('/api');
  const router = createApiRouter({ guard: openGuard, directory: new ApiDirectory() });
  const described = Object.entries(doc.paths as Record<string, Record<string, { operationId: string; 'x-scope': string }>>)
    .flatMap(([path, item]) => Object.entries(item).map(([method, op]) => `${method.toUpperCase()} ${path} ${op.operationId}`))
    .sort();
  const served = router
    .served()
    .map((r) => `${r.method} ${r.path} ${r.operationId}`)
    .sort();
  assert.deepEqual(served, described);
  assert.ok(served.length >= 12, `${served.length} routes`);
  // every operation names the scope the guard is asked for: GET read, the rest write
  for (const item of Object.values(doc.paths as Record<string, Record<string, { 'x-scope': string }>>)) {
    for (const [method, op] of Object.entries(item)) assert.equal(op['x-scope'], method === 'get' ? 'read' : 'write', `${method} scope`);
  }
});

test('a handler without an operation, or an operation without a handler, is refused at build', () => {
  const document = openApiDocument('/api');
  const handlers = apiHandlers({ directory: new ApiDirectory(), document });
  const streams = { streamEvents: () => Promise.resolve() };
  assert.throws(
    () => new ApiRouter({ document, handlers: { ...handlers, deleteEverything: () => ({}) }, streams, guard: openGuard }),
    /handlers without an operation in the document: deleteEverything/,
  );
  const { getTag: _dropped, ...fewer } = handlers;
  assert.throws(() => new ApiRouter({ document, handlers: fewer, streams, guard: openGuard }), /operation getTag \(GET \/tags\/\{device\}\/\{tag\}\) has no handler/);
  // the stream is an operation like the others: without its handler the router is not built
  assert.throws(() => new ApiRouter({ document, handlers, guard: openGuard }), /operation streamEvents \(GET \/stream\) has no handler/);
});

test('the document names the base path it is served under', () => {
  assert.deepEqual((openApiDocument('/plant/api').servers as Array<{ url: string }>)[0].url, '/plant/api');
});
