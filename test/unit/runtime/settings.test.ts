import { test, describe, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import yaml from 'js-yaml';
import { hostname } from 'node:os';
import { parseArgs, resolveSettings, checkPorts, checkSecurity, SettingsError, DEFAULTS, helpText, FIELDS, sanitiseGatewayId } from '../../../runtime/settings';

const loadYaml = () => yaml;
const dir = mkdtempSync(join(tmpdir(), 'edgegw-settings-'));

describe('settings layers: defaults < file < environment < flags', () => {
  test('defaults alone', () => {
    const s = resolveSettings(parseArgs(['--user-dir', join(dir, 'empty')]), {}, loadYaml);
    assert.equal(s.port, 1880);
    assert.equal(s.host, '127.0.0.1');
    assert.equal(s.brokerPort, 1883);
    assert.equal(s.broker, true);
    assert.equal(s.logFormat, 'text');
    assert.equal(s.mqttUrl, undefined);
    assert.deepEqual(s.adminUsers, []);
  });

  test('each layer overrides the one before, field by field', () => {
    const file = join(dir, 'layers.yaml');
    writeFileSync(file, 'port: 2000\nbrokerPort: 2001\nlogFormat: json\nhost: 127.0.0.2\n');
    const env = { EDGE_GATEWAY_BROKER_PORT: '3001', EDGE_GATEWAY_HOST: '127.0.0.3' };
    const s = resolveSettings(parseArgs(['--config', file, '--host', '127.0.0.4']), env, loadYaml);
    assert.equal(s.port, 2000, 'file over default');
    assert.equal(s.logFormat, 'json', 'file over default');
    assert.equal(s.brokerPort, 3001, 'env over file');
    assert.equal(s.host, '127.0.0.4', 'flag over env');
    assert.equal(s.configFile, file);
  });

  test('JSON settings file, and EDGE_GATEWAY_CONFIG names it', () => {
    const file = join(dir, 'gw.json');
    writeFileSync(file, JSON.stringify({ port: 2100, broker: false, mqttUrl: 'mqtt://10.0.0.5:1883' }));
    const s = resolveSettings(parseArgs([]), { EDGE_GATEWAY_CONFIG: file }, loadYaml);
    assert.equal(s.port, 2100);
    assert.equal(s.broker, false);
    assert.equal(s.mqttUrl, 'mqtt://10.0.0.5:1883');
  });

  test('<user-dir>/edge-gateway.json is the default settings file', () => {
    const ud = mkdtempSync(join(tmpdir(), 'edgegw-ud-'));
    writeFileSync(join(ud, 'edge-gateway.json'), JSON.stringify({ port: 2200 }));
    const s = resolveSettings(parseArgs(['--user-dir', ud]), {}, loadYaml);
    assert.equal(s.port, 2200);
  });

  test('--no-broker, --safe, --reset-flows, --flag=value forms', () => {
    const a = parseArgs(['--no-broker', '--safe', '--reset-flows', '--port=1999', '--mqtt-url', 'mqtts://broker.local:8883']);
    assert.deepEqual(a.flags, { broker: false, safe: true, resetFlows: true, port: 1999, mqttUrl: 'mqtts://broker.local:8883' });
  });

  test('environment booleans', () => {
    const s = resolveSettings(parseArgs(['--user-dir', join(dir, 'x')]), { EDGE_GATEWAY_BROKER: 'false', EDGE_GATEWAY_SAFE: 'yes' }, loadYaml);
    assert.equal(s.broker, false);
    assert.equal(s.safe, true);
  });
});

describe('bad input is a clear error naming the layer and field', () => {
  test('unknown flag', () => {
    assert.throws(
      () => parseArgs(['--prot', '80']),
      (e: SettingsError) => e instanceof SettingsError && /--prot: unknown flag/.test(e.message),
    );
  });
  test('flag without value', () => {
    assert.throws(() => parseArgs(['--port']), /--port: needs a value/);
  });
  test('bad port in the environment', () => {
    assert.throws(() => resolveSettings(parseArgs([]), { EDGE_GATEWAY_PORT: '70000' }, loadYaml), /environment EDGE_GATEWAY_PORT: port: "70000" is not a port number/);
  });
  test('malformed JSON names line and column', () => {
    const file = join(dir, 'bad.json');
    writeFileSync(file, '{\n  "port": 1880,\n  "host": \n}\n');
    assert.throws(
      () => resolveSettings(parseArgs(['--config', file]), {}, loadYaml),
      (e: Error) => e instanceof SettingsError && e.message.includes(file) && /malformed JSON at line 4, column 1/.test(e.message),
    );
  });
  test('malformed YAML names line and column', () => {
    const file = join(dir, 'bad.yaml');
    writeFileSync(file, 'port: 1880\nhost: [127.0.0.1\n');
    assert.throws(() => resolveSettings(parseArgs(['--config', file]), {}, loadYaml), /malformed YAML at line \d+, column \d+/);
  });
  test('unknown key in the file', () => {
    const file = join(dir, 'unknown.json');
    writeFileSync(file, JSON.stringify({ prot: 1 }));
    assert.throws(() => resolveSettings(parseArgs(['--config', file]), {}, loadYaml), /prot: unknown setting/);
  });
  test('wrong type in the file', () => {
    const file = join(dir, 'type.json');
    writeFileSync(file, JSON.stringify({ logFormat: 'xml' }));
    assert.throws(() => resolveSettings(parseArgs(['--config', file]), {}, loadYaml), /logFormat: "xml" must be "text" or "json"/);
  });
  test('missing config file', () => {
    assert.throws(() => resolveSettings(parseArgs(['--config', join(dir, 'nope.json')]), {}, loadYaml), /does not exist/);
  });
  test('admin user passwords must be bcrypt hashes', () => {
    const file = join(dir, 'users.json');
    writeFileSync(file, JSON.stringify({ adminUsers: [{ username: 'a', password: 'plain' }] }));
    assert.throws(() => resolveSettings(parseArgs(['--config', file]), {}, loadYaml), /adminUsers\[0\]\.password: must be a bcrypt hash/);
  });
  test('bad MQTT URL', () => {
    assert.throws(() => parseArgs(['--mqtt-url', 'http://x']), /unsupported protocol "http:"/);
  });
});

describe('secure by default', () => {
  test('loopback needs no admin user', () => {
    checkSecurity({ ...DEFAULTS, adminUsers: [] });
    checkSecurity({ ...DEFAULTS, host: '::1', adminUsers: [] });
  });
  test('a non-loopback address without an admin user is refused, saying how to add one', () => {
    assert.throws(() => checkSecurity({ ...DEFAULTS, host: '0.0.0.0', adminUsers: [] }), /edge-gateway admin add-user NAME/);
  });
  test('a non-loopback address with an admin user is allowed', () => {
    checkSecurity({ ...DEFAULTS, host: '0.0.0.0', adminUsers: [{ username: 'a', password: '$2b$10$x', permissions: '*' }] });
  });
});

test('--help lists every flag and its environment variable', () => {
  const h = helpText();
  for (const f of FIELDS) {
    if (f.flag) assert.ok(h.includes(f.flag), f.flag);
    if (f.negFlag) assert.ok(h.includes(f.negFlag), f.negFlag);
    if (f.env) assert.ok(h.includes(f.env), f.env);
  }
  assert.ok(h.includes('--config FILE'));
});

describe('brokerMaxPacket: the embedded broker packet size limit', () => {
  test('default 4 MiB; file < environment < flag; bytes or KB/MB', () => {
    assert.equal(resolveSettings(parseArgs(['--user-dir', join(dir, 'empty')]), {}, loadYaml).brokerMaxPacket, 4 * 1024 * 1024);
    const file = join(dir, 'packet.json');
    writeFileSync(file, JSON.stringify({ brokerMaxPacket: 65536 }));
    assert.equal(resolveSettings(parseArgs(['--config', file]), {}, loadYaml).brokerMaxPacket, 65536, 'file, a number');
    writeFileSync(file, JSON.stringify({ brokerMaxPacket: '512KB' }));
    assert.equal(resolveSettings(parseArgs(['--config', file]), {}, loadYaml).brokerMaxPacket, 512 * 1024, 'file, a size text');
    assert.equal(resolveSettings(parseArgs(['--config', file]), { EDGE_GATEWAY_BROKER_MAX_PACKET: '8MB' }, loadYaml).brokerMaxPacket, 8 * 1024 * 1024, 'env over file');
    assert.equal(resolveSettings(parseArgs(['--config', file, '--broker-max-packet', '2 mb']), { EDGE_GATEWAY_BROKER_MAX_PACKET: '8MB' }, loadYaml).brokerMaxPacket, 2 * 1024 * 1024, 'flag over env');
  });
  test('bad sizes name the layer and the field', () => {
    for (const bad of ['0', '100', '1GB', '4 MBs', '-1', '1.5MB', '300MB']) {
      assert.throws(
        () => parseArgs(['--broker-max-packet', bad]),
        (e: SettingsError) => e instanceof SettingsError && e.message.startsWith('command line --broker-max-packet: brokerMaxPacket:') && /between 1KB and 256MB/.test(e.message),
        bad,
      );
    }
    assert.throws(() => resolveSettings(parseArgs([]), { EDGE_GATEWAY_BROKER_MAX_PACKET: 'lots' }, loadYaml), /environment EDGE_GATEWAY_BROKER_MAX_PACKET: brokerMaxPacket: "lots" is not a size/);
  });
  test('--help documents it', () => assert.match(helpText(), /--broker-max-packet SIZE .*EDGE_GATEWAY_BROKER_MAX_PACKET/));
});

describe('gatewayId: the id in edge-gateway/{gatewayId}/... topics', () => {
  test('default: the host name, sanitised to one topic-safe level', () => {
    const s = resolveSettings(parseArgs(['--user-dir', join(dir, 'empty')]), {}, loadYaml);
    assert.equal(s.gatewayId, sanitiseGatewayId(hostname()));
    assert.match(s.gatewayId, /^[a-z0-9][a-z0-9_-]*$/);
  });
  test('sanitising host names', () => {
    assert.equal(sanitiseGatewayId('Plant-GW.local'), 'plant-gw-local');
    assert.equal(sanitiseGatewayId('gw/1+#x y'), 'gw-1-x-y');
    assert.equal(sanitiseGatewayId('...'), 'gateway');
    assert.equal(sanitiseGatewayId('x'.repeat(100)).length, 64);
  });
  test('file < environment < flag', () => {
    const file = join(dir, 'gwid.yaml');
    writeFileSync(file, 'gatewayId: line-3\n');
    assert.equal(resolveSettings(parseArgs(['--config', file]), {}, loadYaml).gatewayId, 'line-3');
    assert.equal(resolveSettings(parseArgs(['--config', file]), { EDGE_GATEWAY_GATEWAY_ID: 'env_gw' }, loadYaml).gatewayId, 'env_gw');
    assert.equal(resolveSettings(parseArgs(['--config', file, '--gateway-id', 'Flag-GW']), { EDGE_GATEWAY_GATEWAY_ID: 'env_gw' }, loadYaml).gatewayId, 'Flag-GW');
  });
  test('an id that is not one topic level is refused, naming the layer', () => {
    for (const bad of ['a/b', 'gw+', '#', 'has space', '-lead', 'x'.repeat(65)]) {
      assert.throws(
        () => parseArgs(['--gateway-id', bad]),
        (e: SettingsError) => e instanceof SettingsError && e.message.startsWith('command line --gateway-id: gatewayId:'),
        bad,
      );
    }
    assert.throws(() => resolveSettings(parseArgs([]), { EDGE_GATEWAY_GATEWAY_ID: 'a/b' }, loadYaml), /environment EDGE_GATEWAY_GATEWAY_ID: gatewayId: "a\/b" is not a gateway id/);
  });
  test('--help documents it', () => assert.match(helpText(), /--gateway-id ID .*EDGE_GATEWAY_GATEWAY_ID/));
});

describe('lang: the language of node status texts', () => {
  const dir = mkdtempSync(join(tmpdir(), 'edgegw-lang-'));
  after(() => rmSync(dir, { recursive: true, force: true }));
  test('unset by default (Node-RED takes LANG); file < environment < flag', () => {
    assert.equal(resolveSettings(parseArgs(['--user-dir', join(dir, 'ud')]), {}, loadYaml).lang, undefined);
    const file = join(dir, 'lang.yaml');
    writeFileSync(file, 'lang: ru\n');
    assert.equal(resolveSettings(parseArgs(['--config', file]), {}, loadYaml).lang, 'ru');
    assert.equal(resolveSettings(parseArgs(['--config', file]), { EDGE_GATEWAY_LANG: 'en-US' }, loadYaml).lang, 'en-US');
    assert.equal(resolveSettings(parseArgs(['--config', file, '--lang', 'ru']), { EDGE_GATEWAY_LANG: 'en-US' }, loadYaml).lang, 'ru');
  });
  test('a language the nodes are not translated into is refused, naming the layer', () => {
    assert.throws(
      () => parseArgs(['--lang', 'de']),
      (e: SettingsError) => e instanceof SettingsError && e.message.startsWith('command line --lang: lang:') && /en-US, ru/.test(e.message),
    );
    assert.throws(() => resolveSettings(parseArgs([]), { EDGE_GATEWAY_LANG: 'ru_RU' }, loadYaml), /environment EDGE_GATEWAY_LANG: lang: "ru_RU" must be one of en-US, ru/);
  });
});

describe('hostile settings (second round): each refused with the field named, values not echoed in full', () => {
  const GOOD_HASH = '$2b$10$' + 'a'.repeat(53);
  const fromFile = (name: string, data: unknown) => {
    const file = join(dir, name);
    writeFileSync(file, typeof data === 'string' ? data : JSON.stringify(data));
    return () => resolveSettings(parseArgs(['--config', file]), {}, loadYaml);
  };
  test('a settings file must give each value its JSON type', () => {
    assert.throws(fromFile('port-list.json', { port: [18806] }), /port: \[18806\] is a list; write a number/);
    assert.throws(fromFile('port-text.json', { port: '18806' }), /port: 18806 is a string; write a number/);
    assert.throws(fromFile('broker-yes.json', { broker: 'yes' }), /broker: yes is a string; write true or false/);
    assert.throws(fromFile('safe-1.yaml', 'safe: 1\n'), /safe: 1 is a number; write true or false/);
    assert.equal(fromFile('ok.yaml', 'port: 18806\nsafe: true\n')().port, 18806);
    // the environment and the flags give text, as before
    assert.equal(resolveSettings(parseArgs(['--port', '18806']), { EDGE_GATEWAY_SAFE: '1' }, loadYaml).safe, true);
  });
  test('a file holding null', () => {
    assert.throws(fromFile('null.json', 'null'), /file: holds null: write an object of settings/);
    assert.throws(fromFile('null.yaml', '~\n'), /file: holds null/);
  });
  test('MQTT URLs without a host or with a line break', () => {
    assert.throws(() => parseArgs(['--mqtt-url', 'mqtt://']), /mqttUrl: "mqtt:\/\/" names no host/);
    assert.throws(() => parseArgs(['--mqtt-url', 'mqtt://bro\nker:1883']), /mqttUrl: holds spaces or control characters/);
    assert.equal(parseArgs(['--mqtt-url', 'mqtt://broker:1883']).flags.mqttUrl, 'mqtt://broker:1883');
  });
  test('admin users: malformed hashes, costs outside 4..15, duplicates, 300,000 of them', () => {
    assert.throws(fromFile('short-hash.json', { adminUsers: [{ username: 'a', password: '$2b$10$short' }] }), /adminUsers\[0\]\.password: must be a bcrypt hash/);
    assert.throws(fromFile('cost31.json', { adminUsers: [{ username: 'a', password: '$2b$31$' + 'a'.repeat(53) }] }), /adminUsers\[0\]\.password: bcrypt cost 31 is outside 4\.\.15.*admin add-user a/);
    assert.throws(
      fromFile('dup.json', {
        adminUsers: [
          { username: 'a', password: GOOD_HASH },
          { username: 'a', password: GOOD_HASH },
        ],
      }),
      /adminUsers\[1\]\.username: "a" is listed twice/,
    );
    const many = (n: number) => Array.from({ length: n }, (_, i) => ({ username: `u${i}`, password: GOOD_HASH }));
    assert.throws(fromFile('1001.json', { adminUsers: many(1001) }), (err: Error) => err instanceof SettingsError && /adminUsers: lists 1001 users; at most 1000/.test(err.message));
    // 300,000 users do not fit in a settings file's 4 MiB: refused before they are parsed
    assert.throws(
      fromFile('300k.json', { adminUsers: many(300_000) }),
      (err: Error) => err instanceof SettingsError && /file: cannot read: is \d+(\.\d)? MiB, larger than the limit of 4 MiB/.test(err.message),
    );
    assert.equal(fromFile('one.json', { adminUsers: [{ username: 'a', password: GOOD_HASH }] })().adminUsers.length, 1);
  });
  test('a 3 MB gateway id is refused without echoing it (a 50 MB one is over the file limit)', () => {
    assert.throws(fromFile('huge-id.json', { gatewayId: 'x'.repeat(50 * 1024 * 1024) }), /larger than the limit of 4 MiB/);
    const err = (() => {
      try {
        fromFile('big-id.json', { gatewayId: 'x'.repeat(3 * 1024 * 1024) })();
      } catch (e) {
        return e as Error;
      }
      return assert.fail('accepted');
    })();
    assert.match(err.message, /gatewayId: "x{60}\.\.\. \(3145728 characters\)" is not a gateway id/);
    assert.ok(err.message.length < 400);
  });
  test('two services on one port: the editor and the broker, the editor and the simulator', () => {
    const s = (flags: string[]) => resolveSettings(parseArgs(flags), {}, loadYaml);
    assert.throws(
      () => checkPorts(s(['--port', '18806', '--broker-port', '18806'])),
      /brokerPort: 18806 is also the port of the editor \(--port\): the embedded MQTT broker \(--broker-port\) needs a port of its own/,
    );
    assert.throws(() => checkPorts(s(['--port', '18806', '--sim-port', '18806', '--broker-port', '18807'])), /simPort: 18806 is also the port of the editor/);
    checkPorts(s(['--port', '18806', '--broker-port', '18806', '--no-broker', '--sim-port', '18808']));
    checkPorts(s(['--port', '0', '--broker-port', '0', '--sim-port', '0']));
  });
});

test('a misspelt flag suggests the flag it most likely meant, and only then', () => {
  assert.throws(() => parseArgs(['--prot', '1']), /--prot: unknown flag; did you mean --port\?/);
  assert.throws(() => parseArgs(['--brokr-port', '1']), /--brokr-port: unknown flag; did you mean --broker-port\?/);
  assert.throws(() => parseArgs(['--confg', 'x']), /did you mean --config\?/);
  assert.throws(
    () => parseArgs(['--frobnicate', '1']),
    (err: Error) => /--frobnicate: unknown flag \(see edge-gateway --help\)/.test(err.message),
  );
});
