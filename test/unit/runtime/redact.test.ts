import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { redactUrl, redactUrlsInText } from '../../../lib/system/text/redact';
import { jsonLogLine, textLogLine } from '../../../runtime/logging';

describe('redactUrl', () => {
  const cases: Array<[string, string]> = [
    ['mqtt://user:secretpw@broker.local:1883', 'mqtt://user:***@broker.local:1883'],
    ['mqtts://u:p%40ss:w@rd@host:8883/x?y=1', 'mqtts://u:***@host:8883/x?y=1'],
    ['https://ghp_TOKEN123@github.com/org/repo', 'https://***@github.com/org/repo'],
    ['wss://host/mqtt?token=abc&client=7', 'wss://host/mqtt?token=***&client=7'],
    ['postgres://app:pw@db:5432/gw?sslmode=require&password=x', 'postgres://app:***@db:5432/gw?sslmode=require&password=***'],
    ['mqtt://127.0.0.1:1883', 'mqtt://127.0.0.1:1883'],
  ];
  for (const [input, want] of cases) test(input, () => assert.equal(redactUrl(input), want));
  test('undefined stays undefined', () => assert.equal(redactUrl(undefined), undefined));
});

describe('redactUrlsInText', () => {
  test("Node-RED's MQTT node line", () => {
    assert.equal(redactUrlsInText('Connection failed to broker: mqtt://user:secretpw@10.0.0.5:1883'), 'Connection failed to broker: mqtt://user:***@10.0.0.5:1883');
  });
  test('several URLs, mail addresses untouched', () => {
    assert.equal(redactUrlsInText('from "mqtt://a:b@h1" to ws://c:d@h2/p, mail ops@example.com'), 'from "mqtt://a:***@h1" to ws://c:***@h2/p, mail ops@example.com');
  });
  test('text without URLs is returned as is', () => assert.equal(redactUrlsInText('a=b&password=c'), 'a=b&password=c'));
});

describe('log lines are redacted in both formats', () => {
  const m = { level: 30, type: 'mqtt-broker', name: 'plant', id: 'b1', msg: 'Connection failed to broker: mqtt://user:secretpw@broker:1883', timestamp: Date.UTC(2026, 0, 2, 3, 4, 5) };
  test('text', () => {
    const line = textLogLine(m, new Date(2026, 0, 2, 3, 4, 5));
    assert.equal(line, '2 Jan 03:04:05 - [warn] [mqtt-broker:plant] Connection failed to broker: mqtt://user:***@broker:1883');
  });
  test('json', () => {
    const line = JSON.parse(jsonLogLine(m));
    assert.equal(line.msg, 'Connection failed to broker: mqtt://user:***@broker:1883');
    const err = JSON.parse(jsonLogLine({ ...m, msg: new Error('connect ECONNREFUSED mqtt://x:y@h') }));
    assert.ok(!err.msg.includes(':y@'), err.msg);
    const obj = JSON.parse(jsonLogLine({ ...m, msg: { url: 'mqtt://x:y@h' } }));
    assert.deepEqual(obj.msg, { url: 'mqtt://x:***@h' });
  });
});
