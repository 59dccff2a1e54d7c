// Alarm rules and lifecycle, on an injected clock: deadband, on/off delays, cooldown, rate of
// change, states, bad/stale quality, acknowledgement, and the active list across a restart (SQLite).
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseRuleTable, RuleTableError } from '../../../lib/alarm/rules';
import { AlarmEngine, AckError, type AlarmEvent } from '../../../lib/alarm/engine';
import { SqliteActiveListStore } from '../../../lib/alarm/alarm-store';
import type { Quality, TagValue } from '../../../lib/tags/contract';
import { needPeers } from '../../helpers/peers';
import { SQLITE_PEER } from '../../helpers/sqlite-store';

function engineFor(table: string) {
  const clock = { now: 1_000_000 };
  const engine = new AlarmEngine(parseRuleTable(table), { now: () => clock.now });
  const feed = (value: TagValue, quality: Quality = 'good', name = 'temp', device = 'boiler'): AlarmEvent[] => engine.process([{ device, name, value, quality, ts: clock.now }]);
  const at = (ms: number) => {
    clock.now = 1_000_000 + ms;
  };
  return { engine, clock, feed, at };
}

const states = (events: AlarmEvent[]) => events.map((e) => `${e.id}:${e.state}`);

describe('alarm rules', () => {
  test('a CSV table with header, comments and quoting; JSON with the same fields', () => {
    const csv = parseRuleTable('tag,type,limit,deadband,on_delay,off_delay,severity,message\n# boiler\nboiler/temp,hi,90,2,5,1,critical,"Boiler {tag} hot, {value} °C"\nlevel,lolo,5,,,,low\n', 30_000);
    assert.deepEqual(
      csv.map((r) => [r.id, r.limit, r.deadband, r.onDelayMs, r.offDelayMs, r.severity, r.message, r.cooldownMs]),
      [
        ['boiler/temp:hi', 90, 2, 5000, 1000, 'critical', 'Boiler {tag} hot, {value} °C', 30_000],
        ['level:lolo', 5, 0, 0, 0, 'low', '', 30_000],
      ],
    );
    const json = parseRuleTable(
      JSON.stringify(
        [
          { tag: 'pump/state', type: 'eq', limit: 'FAULT', severity: 'high' },
          { tag: 'pump/run', type: 'neq', limit: true, onDelay: 2, cooldown: 60 },
        ],
        null,
        2,
      ),
    );
    assert.deepEqual(
      json.map((r) => [r.id, r.limit, r.onDelayMs, r.cooldownMs]),
      [
        ['pump/state:eq', 'FAULT', 0, 0],
        ['pump/run:neq', true, 2000, 60_000],
      ],
    );
  });

  test('errors name the line and the field', () => {
    const cases: Array<[string, RegExp]> = [
      ['tag,type,limit\nboiler/temp,hi,hot', /^line 2, field limit: "hot" is not a number$/],
      ['boiler/temp,high,90', /^line 1, field type: "high" is not one of hi, hihi, lo, lolo, roc, eq, neq, bad, stale$/],
      ['a,hi,1\n\nb,lo,1,,,,urgent', /^line 3, field severity: "urgent" is not one of low, medium, high, critical$/],
      ['a,hi,1\na,hi,2', /^line 2, field type: a second hi rule for tag "a" \(the first is on line 1\)$/],
      [',hi,1', /^line 1, field tag: missing$/],
      ['a,hi', /^line 1, field limit: missing$/],
      ['a,hi,1,-1', /^line 1, field deadband: -1 is less than 0$/],
      ['a,eq,1,2', /^line 1, field deadband: a eq rule has no deadband$/],
      ['a,stale,0', /^line 1, field limit: 0 is less than 0.001$/],
      ['a,hi,1,0,0,0,low,m,5,extra', /^line 1, field cooldown: 10 columns, at most 9/],
      ['a,hi,1,0,0,0,low,"open', /^line 1, field message: a quoted cell is not closed$/],
      ['[\n  {"tag": "a", "type": "hi", "limit": 1},\n  {"tag": "b", "type": "lo", "limit": 1, "onDelay": "x"}\n]', /^line 3 \(rule 2\), field on_delay: "x" is not a number$/],
      ['[\n  {"tag": "a", "typo": "hi"}\n]', /^line 2 \(rule 1\), field typo: unknown field/],
      ['[\n  {"tag": "a",\n   "type": "hi" "limit": 1}\n]', /^line 3, field json: not valid JSON/],
      ['', /^line 1, field tag: the rule table is empty$/],
    ];
    for (const [table, message] of cases) {
      assert.throws(
        () => parseRuleTable(table),
        (err: Error) => err instanceof RuleTableError && message.test(err.message),
        `${JSON.stringify(table)} -> ${message}`,
      );
    }
  });
});

describe('alarm lifecycle', () => {
  test('hi with deadband: active, acknowledged, cleared; one event per state change', () => {
    const { engine, feed, at } = engineFor('boiler/temp,hi,90,5,0,0,critical,Boiler hot: {value} > {limit}');
    assert.deepEqual(feed(89), []);
    const [ev] = feed(91);
    assert.deepEqual(ev, {
      id: 'boiler/temp:hi',
      tag: 'boiler/temp',
      rule: 'hi',
      severity: 'critical',
      state: 'active',
      value: 91,
      limit: 90,
      message: 'Boiler hot: 91 > 90',
      ts: 1_000_000,
      ackedBy: null,
    });
    assert.deepEqual(feed(88), [], 'inside the deadband: still active');
    at(1000);
    assert.deepEqual(states(engine.acknowledge('boiler/temp:hi', 'alice')), ['boiler/temp:hi:acknowledged']);
    assert.equal(engine.activeList()[0].ackedBy, 'alice');
    assert.deepEqual(engine.acknowledge('all', 'bob'), [], 'already acknowledged');
    const cleared = feed(84);
    assert.deepEqual(states(cleared), ['boiler/temp:hi:cleared']);
    assert.equal(cleared[0].ackedBy, 'alice');
    assert.deepEqual(engine.activeList(), []);
  });

  test('an alarm that clears before acknowledgement stays listed until acknowledged; it can re-alarm', () => {
    const { engine, feed } = engineFor('tank/level,lo,10,1,0,0,high');
    feed(5, 'good', 'level', 'tank');
    assert.deepEqual(states(feed(12, 'good', 'level', 'tank')), ['tank/level:lo:cleared-unacknowledged']);
    assert.deepEqual(
      engine.activeList().map((r) => r.state),
      ['cleared-unacknowledged'],
    );
    assert.deepEqual(states(feed(9, 'good', 'level', 'tank')), ['tank/level:lo:active'], 're-alarm');
    assert.deepEqual(states(feed(20, 'good', 'level', 'tank')), ['tank/level:lo:cleared-unacknowledged']);
    assert.deepEqual(states(engine.acknowledge('all', 'op')), ['tank/level:lo:cleared']);
    assert.deepEqual(engine.activeList(), []);
    assert.throws(
      () => engine.acknowledge('tank/level:lo', 'op'),
      (e: Error) => e instanceof AckError && /no alarm "tank\/level:lo" in the active list \(it is empty\)/.test(e.message),
    );
    assert.throws(() => engine.acknowledge(42, 'op'), /msg\.ack must be an alarm id or "all", got 42/);
  });

  test('a sample finds its rules by device/name and by name alone, the same at every scan', () => {
    const { engine, feed } = engineFor('tag,type,limit\nboiler/temp,hi,90\ntemp,hi,50\nplant/boiler/temp,hi,10\n');
    const trips = (events: AlarmEvent[]) => events.map((e) => `${e.id}@${e.tag}:${e.state}`).sort();
    // [name, device] -> the rules a value of 95 trips; cleared and acknowledged, then again (the
    // second pass answers from what the first remembered)
    const table: Array<[string, string, string[]]> = [
      ['temp', 'boiler', ['boiler/temp:hi@boiler/temp:active', 'temp:hi@boiler/temp:active']],
      ['temp', 'pump', ['temp:hi@pump/temp:active']],
      ['boiler/temp', '', ['boiler/temp:hi@boiler/temp:active']],
      ['boiler/temp', 'plant', ['boiler/temp:hi@plant/boiler/temp:active', 'plant/boiler/temp:hi@plant/boiler/temp:active']],
      ['level', 'boiler', []],
    ];
    for (let pass = 0; pass < 2; pass++) {
      for (const [name, device, expected] of table) {
        assert.deepEqual(trips(feed(95, 'good', name, device)), expected, `${device}/${name}, pass ${pass + 1}`);
        feed(0, 'good', name, device);
        engine.acknowledge('all', 'test');
      }
    }
  });

  test('on-delay and off-delay, on the injected clock', () => {
    const { engine, feed, at } = engineFor('temp,hi,50,0,10,5,medium');
    feed(60);
    at(9_999);
    assert.deepEqual(engine.tick(), []);
    feed(40); // dips before the on-delay: starts over
    at(10_000);
    feed(60);
    at(19_999);
    assert.deepEqual(engine.tick(), []);
    at(20_000);
    assert.deepEqual(states(engine.tick()), ['temp:hi:active']);
    assert.equal(engine.activeList()[0].tag, 'boiler/temp', 'a rule by name reports the device it saw');
    feed(40);
    at(24_000);
    feed(60); // back before the off-delay: stays active, no event
    feed(40);
    at(28_999);
    assert.deepEqual(engine.tick(), []);
    at(29_000);
    assert.deepEqual(states(engine.tick()), ['temp:hi:cleared-unacknowledged']);
  });

  test('cooldown: after a clear the rule waits before raising again, then raises if still true', () => {
    const { engine, feed, at } = engineFor('temp,hihi,100,0,0,0,critical,,30');
    feed(101);
    engine.acknowledge('all', 'op');
    at(1000);
    assert.deepEqual(states(feed(99)), ['temp:hihi:cleared']);
    at(2000);
    assert.deepEqual(feed(105), [], 'within the cooldown');
    at(30_999);
    assert.deepEqual(engine.tick(), []);
    at(31_000);
    assert.deepEqual(states(engine.tick()), ['temp:hihi:active']);
  });

  test('rate of change, equals/not-equals, bad quality, stale by timeout', () => {
    const roc = engineFor('temp,roc,2,0.5,0,0,low');
    roc.feed(10);
    roc.at(1000);
    assert.deepEqual(roc.feed(11), []);
    roc.at(2000);
    const [up] = roc.feed(14);
    assert.deepEqual([up.state, up.value], ['active', 3]);
    roc.at(3000);
    assert.deepEqual(roc.feed(15.6), [], '1.6/s is inside the deadband');
    roc.at(4000);
    assert.deepEqual(states(roc.feed(15.7)), ['temp:roc:cleared-unacknowledged']);

    const st = engineFor('pump/state,eq,FAULT,,,,high\npump/run,neq,true,,,,low');
    assert.deepEqual(
      states(
        st.engine.process([
          { device: 'pump', name: 'state', value: 'FAULT', quality: 'good', ts: 0 },
          { device: 'pump', name: 'run', value: false, quality: 'good', ts: 0 },
        ]),
      ),
      ['pump/state:eq:active', 'pump/run:neq:active'],
    );
    assert.deepEqual(states(st.engine.process([{ device: 'pump', name: 'run', value: true, quality: 'good', ts: 0 }])), ['pump/run:neq:cleared-unacknowledged']);

    const q = engineFor('boiler/temp,bad,,,,,high\nboiler/temp,stale,10,,,,critical\nboiler/temp,hi,90');
    q.feed(95);
    assert.deepEqual(states(q.feed(0, 'bad')), ['boiler/temp:bad:active'], 'a bad sample raises bad, and holds hi as it was');
    assert.deepEqual(
      q.engine.activeList().map((r) => r.id),
      ['boiler/temp:bad', 'boiler/temp:hi'],
    );
    q.at(9_999);
    assert.deepEqual(q.engine.tick(), []);
    q.at(10_000);
    assert.deepEqual(states(q.engine.tick()), ['boiler/temp:stale:active']);
    assert.deepEqual(states(q.feed(50)), ['boiler/temp:bad:cleared-unacknowledged', 'boiler/temp:stale:cleared-unacknowledged', 'boiler/temp:hi:cleared-unacknowledged']);
    assert.equal(q.engine.counts().critical.unacknowledged, 1);
  });
});

describe('active list persistence', () => {
  let dir: string;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'edgegw-alarm-'));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  test('an unacknowledged alarm survives a restart (SQLite) and clears from there', needPeers(SQLITE_PEER()), async () => {
    const file = join(dir, 'alarms.db');
    const table = 'boiler/temp,hi,90,0,0,0,critical\nboiler/temp,hihi,120,0,0,0,critical';
    const first = engineFor(table);
    first.feed(100);
    first.engine.acknowledge('boiler/temp:hi', 'alice');
    first.feed(130);
    const store = new SqliteActiveListStore(file, 'n1');
    await store.save(first.engine.activeList());
    await store.close();

    const second = engineFor(table + '\nother,lo,1');
    const reopened = new SqliteActiveListStore(file, 'n1');
    const dropped = second.engine.restore(await reopened.load());
    await reopened.close();
    assert.deepEqual(dropped, []);
    assert.deepEqual(
      second.engine.activeList().map((r) => [r.id, r.state, r.ackedBy]),
      [
        ['boiler/temp:hi', 'acknowledged', 'alice'],
        ['boiler/temp:hihi', 'active', null],
      ],
    );
    assert.deepEqual(states(second.feed(80)), ['boiler/temp:hi:cleared', 'boiler/temp:hihi:cleared-unacknowledged']);
    const third = engineFor('x,hi,1');
    assert.equal(third.engine.restore(second.engine.activeList()).length, 1, 'a record of a rule that is gone is dropped and returned');
  });
});
