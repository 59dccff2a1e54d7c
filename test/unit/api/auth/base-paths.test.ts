import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { apiBasePaths, isApiPath, normaliseBasePath, registerApiBasePath } from '../../../../lib/api/auth/base-paths';

describe('API base paths', () => {
  test('a registered path covers itself and what is under it, until it is released', () => {
    assert.equal(isApiPath('/api/tags'), false, 'nothing registered yet');
    const release = registerApiBasePath('api/');
    try {
      assert.deepEqual(apiBasePaths(), ['/api']);
      assert.equal(isApiPath('/api'), true);
      assert.equal(isApiPath('/api/tags/plc1/temp'), true);
      assert.equal(isApiPath('/apix'), false, 'a prefix of a segment is not under the path');
      assert.equal(isApiPath('/twin'), false);
    } finally {
      release();
    }
    assert.equal(isApiPath('/api/tags'), false);
    assert.deepEqual(apiBasePaths(), []);
  });

  test('two registrations of one path hold it until both are released; releasing twice counts once', () => {
    const a = registerApiBasePath('/api');
    const b = registerApiBasePath('/api');
    a();
    a();
    assert.equal(isApiPath('/api/x'), true);
    b();
    assert.equal(isApiPath('/api/x'), false);
  });

  test('dot segments, plain or encoded, are never the API (they must not pass the flows login)', () => {
    const release = registerApiBasePath('/api');
    try {
      for (const p of ['/api/../flows', '/api/%2e%2e/flows', '/api/.%2e/settings', '/api/./x', '/api/%2e%2e%2fflows', '/api/%zz']) assert.equal(isApiPath(p), false, p);
    } finally {
      release();
    }
  });

  test('the root cannot be registered; paths are normalised', () => {
    assert.throws(() => registerApiBasePath('/'), /cannot be mounted at "\/"/);
    assert.equal(normaliseBasePath('//ops//api/'), '/ops/api');
  });
});
