import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { isSecretKey, redactSecrets, redactUrl, redactUrlsInText } from '../../../lib/system/text/redact';

describe('isSecretKey: one list for query parameters, headers and settings', () => {
  const secret = [
    // passwords
    'password',
    'passwd',
    'pwd',
    'pass',
    'passphrase',
    'p',
    'db_password',
    'X-Password',
    // tokens and keys
    'token',
    'access_token',
    'bearerToken',
    'X-Auth-Token',
    'X-Vault-Token',
    'authtoken',
    'apikey',
    'api_key',
    'X-Api-Key',
    'XApiKey',
    'Ocp-Apim-Subscription-Key',
    'key',
    'privateKey',
    // other credentials
    'secret',
    'client_secret',
    'Authorization',
    'Proxy-Authorization',
    'auth',
    'Cookie',
    'Set-Cookie',
    'sig',
    'signature',
    'X-Hub-Signature',
    'credentials',
  ];
  for (const name of secret) test(`${name} is secret`, () => assert.equal(isSecretKey(name), true));
  const plain = ['user', 'username', 'u', 'client', 'sslmode', 'keepalive', 'Content-Type', 'X-Edgegw-Seq', 'db', 'bucket', 'org', 'site', 'y', 'passive', 'author'];
  for (const name of plain) test(`${name} is not secret`, () => assert.equal(isSecretKey(name), false));
});

describe('redactUrl: URL credentials', () => {
  test('the password is masked and the user kept by default; a bare userinfo is a token', () => {
    assert.equal(redactUrl('mqtt://plant:pw@h:1883'), 'mqtt://plant:***@h:1883');
    assert.equal(redactUrl('https://ghp_abc@github.com/x'), 'https://***@github.com/x');
    assert.equal(redactUrl('mqtts://u:p%40ss:w@rd@host:8883/x'), 'mqtts://u:***@host:8883/x');
  });

  test("user: 'mask' hides the user name too; URL objects are taken as well", () => {
    assert.equal(redactUrl(new URL('http://plant:pw@h/in'), { user: 'mask' }), 'http://***:***@h/in');
    assert.equal(redactUrl(new URL('http://plant:pw@h/in')), 'http://plant:***@h/in');
  });

  test('secret query values are masked whatever the key kind; others and empty values are kept', () => {
    assert.equal(
      redactUrl('https://h/w?db=x&u=me&p=pw&token=t&api_key=k&X-Api-Key=k2&sig=s&client_secret=c&password=&site=3'),
      'https://h/w?db=x&u=me&p=***&token=***&api_key=***&X-Api-Key=***&sig=***&client_secret=***&password=&site=3',
    );
  });

  test('inside a free text every URL is redacted and nothing else touched', () => {
    assert.equal(
      redactUrlsInText('failed: postgres://app:pw@db/gw?password=x and wss://h/m?access_token=t; key=value stays'),
      'failed: postgres://app:***@db/gw?password=*** and wss://h/m?access_token=***; key=value stays',
    );
  });
});

describe('redactSecrets: known secrets in any text', () => {
  test('plain, URL-encoded and base64 forms, short secrets too; undefined and empty ignored', () => {
    const basic = Buffer.from('gw:p@ss w0rd').toString('base64');
    const text = `echo p@ss w0rd ${encodeURIComponent('p@ss w0rd')} Basic ${basic} pin 42`;
    assert.equal(redactSecrets(text, [basic, 'p@ss w0rd', '42', undefined, '']), 'echo *** *** Basic *** pin ***');
  });
});
