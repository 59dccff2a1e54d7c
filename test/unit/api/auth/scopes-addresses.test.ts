import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { grants, impliedScopes, scopesOfClaims } from '../../../../lib/api/auth/scopes';
import { isLoopbackAddress, normaliseAddress } from '../../../../lib/api/auth/addresses';

describe('API scopes', () => {
  test('admin implies all, write implies read, read never grants write', () => {
    assert.equal(grants(['admin'], 'write'), true);
    assert.equal(grants(['admin'], 'read'), true);
    assert.equal(grants(['write'], 'read'), true);
    assert.equal(grants(['read'], 'write'), false);
    assert.equal(grants(['write'], 'admin'), false);
    assert.equal(grants([], 'read'), false);
    assert.deepEqual(impliedScopes('write'), ['read', 'write']);
  });

  test('a JWT grants from "scope" (space-separated) or "scopes" (array), ignoring foreign values', () => {
    assert.deepEqual(scopesOfClaims({ scope: 'openid write profile' }), ['read', 'write']);
    assert.deepEqual(scopesOfClaims({ scopes: ['read', 42, 'email'] }), ['read']);
    assert.deepEqual(scopesOfClaims({ scopes: ['admin'] }), ['read', 'write', 'admin']);
    assert.deepEqual(scopesOfClaims({}), []);
  });
});

describe('caller addresses', () => {
  test('loopback is 127/8, ::1 and IPv4-mapped 127/8', () => {
    for (const a of ['127.0.0.1', '127.8.9.10', '::1', '::ffff:127.0.0.1']) assert.equal(isLoopbackAddress(a), true, a);
    for (const a of ['10.0.0.1', '::ffff:10.0.0.1', '128.0.0.1', 'fe80::1', undefined, '1127.0.0.1']) assert.equal(isLoopbackAddress(a), false, String(a));
  });

  test('IPv4-mapped addresses are spelt as IPv4', () => {
    assert.equal(normaliseAddress('::ffff:192.168.1.5'), '192.168.1.5');
    assert.equal(normaliseAddress('2001:db8::1'), '2001:db8::1');
    assert.equal(normaliseAddress(undefined), 'unknown');
  });
});
