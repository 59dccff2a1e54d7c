// The flows' login (runtime/http-node-auth.ts) and the API: requests under a registered API base
// path go through untouched (the API's guard decides them), everything else still needs the login.
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { registerApiBasePath } from '../../../../lib/api/auth/base-paths';
import { httpNodeAuth, type HttpRequest, type HttpResponse } from '../../../../runtime/http-node-auth';

function run(path: string, headers: Record<string, string> = {}): { passed: boolean; status?: number } {
  const mw = httpNodeAuth({
    needsPermission: () => (_req, res) => res.status(401).json({ error: 'editor token refused' }),
    authenticate: () => Promise.resolve(null),
    flowsToken: 'flows-token',
  });
  let status: number | undefined;
  let passed = false;
  const res: HttpResponse = {
    status(code) {
      status = code;
      return res;
    },
    set: () => res,
    json: () => undefined,
  };
  const req: HttpRequest = { headers, path, url: path, query: {} };
  mw(req, res, () => (passed = true));
  return { passed, status };
}

describe('the flows login and the API base paths', () => {
  test('under a registered base path: through without a login; elsewhere: 401', () => {
    assert.deepEqual(run('/api/tags'), { passed: false, status: 401 }, 'nothing registered: the login applies');
    const release = registerApiBasePath('/api');
    try {
      assert.deepEqual(run('/api/tags'), { passed: true, status: undefined });
      assert.deepEqual(run('/api/tags', { authorization: 'Bearer egw_x' }), { passed: true, status: undefined }, 'an API key is not shown to the editor login');
      assert.deepEqual(run('/twin'), { passed: false, status: 401 });
      assert.deepEqual(run('/api/../twin'), { passed: false, status: 401 });
      assert.deepEqual(run('/twin', { authorization: 'Bearer flows-token' }), { passed: true, status: undefined }, "the flows' own token still works");
    } finally {
      release();
    }
    assert.deepEqual(run('/api/tags'), { passed: false, status: 401 }, 'released: the login applies again');
  });

  test('a request without an express path is judged by its URL without the query', () => {
    const release = registerApiBasePath('/ops/api');
    try {
      const mw = httpNodeAuth({ needsPermission: () => () => undefined, authenticate: () => Promise.resolve(null), flowsToken: 't' });
      let passed = false;
      const res = { status: () => res, set: () => res, json: () => undefined } as HttpResponse;
      mw({ headers: {}, url: '/ops/api/tags?device=plc1' }, res, () => (passed = true));
      assert.equal(passed, true);
    } finally {
      release();
    }
  });
});
