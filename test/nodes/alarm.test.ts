// alarm node: events on output 1, acknowledgement by message, the active list on output 2,
// /metrics by severity, /health degraded while a critical alarm is unacknowledged, the active
// list across a stop and start (SQLite), and rule table errors named at deploy.
import { test, describe, before, after, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { helper, nodeModule } from '../helpers/nodered';
import { waitFor } from '../helpers/process';
import { needPeers } from '../helpers/peers';
import { SQLITE_PEER } from '../helpers/sqlite-store';
import { clearCollected, collectorModule, errorsOf, lastStatus, received } from '../helpers/can-nodes';
import { healthRegistry } from '../../lib/health/registry';
import { metricsRegistry } from '../../lib/metrics/registry';
import { MemoryActiveListStore } from '../../lib/alarm/alarm-store';
import type { AlarmEvent, AlarmRecord } from '../../lib/alarm/engine';
import { sharedAuditLog } from '../../lib/audit/audit-log';

const modules = () => [nodeModule('alarm'), collectorModule];
const RULES = 'tag,type,limit,deadband,on_delay,off_delay,severity,message\noven/temp,hi,80,2,0,0,critical,Oven hot: {value}\noven/temp,lo,10,,0.3,,low\n';

const events = () => received('events').map((m) => m.payload as AlarmEvent);

async function metricLine(name: string, labels: string): Promise<string | undefined> {
  return (await metricsRegistry().metrics()).split('\n').find((l) => l.startsWith(`${name}{${labels}}`));
}

describe('alarm node', () => {
  let dir: string;
  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'edgegw-alarmnode-'));
    await helper.startServer();
  });
  after(async () => {
    await helper.stopServer();
    rmSync(dir, { recursive: true, force: true });
  });
  afterEach(async () => {
    await helper.unload();
    clearCollected();
    MemoryActiveListStore.forget('al');
  });

  const flow = (props: Record<string, unknown>) => [
    { id: 'al', type: 'edgegw-alarm', rulesSource: 'editor', rules: RULES, persist: 'memory', wires: [['events'], ['list']], ...props },
    { id: 'events', type: 'test-collect' },
    { id: 'list', type: 'test-collect' },
  ];

  test('raise, list, acknowledge, clear: events, metrics and health follow', async () => {
    const started = Date.now();
    await helper.load(modules(), flow({}));
    const al = helper.getNode('al');
    await waitFor('ready', () => /^alarm\.status\.listed\(count=0, /.test(lastStatus(al)?.text ?? ''));
    al.receive({ topic: 'oven/temp', payload: 85 });
    await waitFor('active event', () => events().length === 1);
    assert.deepEqual(
      { ...events()[0], ts: 0 },
      { id: 'oven/temp:hi', tag: 'oven/temp', rule: 'hi', severity: 'critical', state: 'active', value: 85, limit: 80, message: 'Oven hot: 85', ts: 0, ackedBy: null },
    );
    assert.equal(received('events')[0].topic, 'alarm/oven/temp:hi');
    assert.equal(
      healthRegistry()
        .list()
        .find((e) => e.id === 'al')?.state,
      'degraded',
    );
    assert.equal(await metricLine('edgegw_alarms_active', 'node="al",severity="critical"'), 'edgegw_alarms_active{node="al",severity="critical"} 1');

    al.receive({ list: true });
    await waitFor('list', () => received('list').length === 1);
    const list = received('list')[0].payload as AlarmRecord[];
    assert.deepEqual(
      list.map((r) => [r.id, r.state]),
      [['oven/temp:hi', 'active']],
    );

    al.receive({ ack: 'oven/temp:hi', ackedBy: 'alice' });
    await waitFor('acknowledged', () => events().length === 2);
    assert.deepEqual([events()[1].state, events()[1].ackedBy], ['acknowledged', 'alice']);
    assert.equal(
      healthRegistry()
        .list()
        .find((e) => e.id === 'al')?.state,
      'ok',
      'acknowledged: no longer degraded',
    );
    assert.equal(await metricLine('edgegw_alarms_unacknowledged', 'node="al",severity="critical"'), 'edgegw_alarms_unacknowledged{node="al",severity="critical"} 0');

    al.receive({ topic: 'oven/temp', payload: 79 });
    al.receive({ topic: 'oven/temp', payload: 77 });
    await waitFor('cleared', () => events().length === 3);
    assert.equal(events()[2].state, 'cleared');
    assert.equal(await metricLine('edgegw_alarms_active', 'node="al",severity="critical"'), 'edgegw_alarms_active{node="al",severity="critical"} 0');

    al.receive({ ack: 'nope' });
    await waitFor('ack error', () => errorsOf(al).some((e) => /^msg\.ack: no alarm "nope" in the active list/.test(e)));

    // the gateway's audit log has both: the acknowledgement, and the refused one with its reason
    const acks = sharedAuditLog()
      .recent()
      .filter((r) => r.kind === 'alarm-ack' && r.ts >= started);
    assert.deepEqual(
      acks.map((r) => [r.actor, r.device, r.tag, r.old, r.new, r.ok]),
      [
        ['alice', 'oven', 'oven/temp:hi', 'active', 'acknowledged', true],
        ['unknown', '', 'nope', null, null, false],
      ],
    );
    assert.match(acks[1].error ?? '', /no alarm "nope" in the active list/);
  });

  test('an on-delay runs on the node timer; a scan is evaluated tag by tag', async () => {
    await helper.load(modules(), flow({}));
    const al = helper.getNode('al');
    await waitFor('ready', () => /^alarm\.status\.listed/.test(lastStatus(al)?.text ?? ''));
    al.receive({ topic: 'oven', payload: { temp: 5 }, tags: [{ device: 'oven', name: 'temp', value: 5, quality: 'good', ts: Date.now() }] });
    assert.equal(events().length, 0, 'not before the on-delay');
    await waitFor('lo after its on-delay', () => events().length === 1);
    assert.deepEqual([events()[0].id, events()[0].state, events()[0].severity], ['oven/temp:lo', 'active', 'low']);
  });

  test('the active list survives a stop and start (SQLite)', needPeers(SQLITE_PEER()), async () => {
    const props = { persist: 'sqlite', dbFile: join(dir, 'alarms.db') };
    await helper.load(modules(), flow(props));
    let al = helper.getNode('al');
    await waitFor('ready', () => /^alarm\.status\.listed/.test(lastStatus(al)?.text ?? ''));
    al.receive({ topic: 'oven/temp', payload: 95 });
    await waitFor('active', () => events().length === 1);
    await helper.unload();
    clearCollected();
    await helper.load(modules(), flow(props));
    al = helper.getNode('al');
    await waitFor('restored', () => lastStatus(al)?.text === 'alarm.status.listed(count=1, unacked=1)');
    assert.equal(
      healthRegistry()
        .list()
        .find((e) => e.id === 'al')?.state,
      'degraded',
      'still unacknowledged after the restart',
    );
    al.receive({ ack: 'all', ackedBy: 'night shift' });
    await waitFor('acknowledged', () => events().length === 1);
    assert.deepEqual([events()[0].state, events()[0].ackedBy, events()[0].value], ['acknowledged', 'night shift', 95]);
  });

  test('rule table errors name the line and field, from the editor and from a file', async () => {
    await helper.load(modules(), flow({ rules: 'tag,type,limit\noven/temp,hi,80\noven/temp,hihi,lots\n' }));
    const al = helper.getNode('al');
    assert.equal(lastStatus(al)?.text, 'alarm.status.badConfig');
    assert.ok(errorsOf(al).includes('rules: line 3, field limit: "lots" is not a number'), errorsOf(al).join('\n'));
    al.receive({ topic: 'oven/temp', payload: 1 });
    await waitFor('input refused', () => errorsOf(al).length >= 2);
    await helper.unload();

    const file = join(dir, 'rules.json');
    writeFileSync(file, '[\n  {"tag": "a", "type": "hi", "limit": 1},\n  {"tag": "b", "type": "lo", "limit": 1, "severity": "urgent"}\n]\n');
    await helper.load(modules(), flow({ rulesSource: 'file', rulesFile: file }));
    assert.ok(
      errorsOf(helper.getNode('al')).some((e) => e === `rulesFile ${file}: line 3 (rule 2), field severity: "urgent" is not one of low, medium, high, critical`),
      errorsOf(helper.getNode('al')).join('\n'),
    );
    await helper.unload();
    await helper.load(modules(), flow({ rulesSource: 'file', rulesFile: join(dir, 'missing.csv') }));
    assert.ok(errorsOf(helper.getNode('al')).some((e) => /^rulesFile: cannot read .*missing\.csv: file not found \(ENOENT\)/.test(e)));
  });

  test('a field its declaration refuses is named, as the editor names it', async () => {
    await helper.load(modules(), flow({ cooldownSec: '-5' }));
    assert.ok(errorsOf(helper.getNode('al')).includes('cooldownSec: must be a number >= 0 s, got -5'), errorsOf(helper.getNode('al')).join('\n'));
    await helper.unload();
    await helper.load(modules(), flow({ rulesSource: 'file', rulesFile: '  ' }));
    assert.ok(errorsOf(helper.getNode('al')).includes('rulesFile: is required'), errorsOf(helper.getNode('al')).join('\n'));
    await helper.unload();
    await helper.load(modules(), flow({ healthOn: 'sometimes' }));
    assert.ok(errorsOf(helper.getNode('al')).includes('healthOn: must be one of critical-unacknowledged, critical-active, never, got "sometimes"'), errorsOf(helper.getNode('al')).join('\n'));
  });
});
