import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { HeartbeatSupervisor, parseKeyList, parseDuration, beatsOf, WatchdogConfigError, type KeyEvent, type TimerApi, type SupervisorOptions } from '../../../lib/watchdog';

/** A fake clock with timers, so silence is tested without waiting. */
function fakeTime() {
  let t = 1_000_000;
  let seq = 0;
  const pending = new Map<number, { at: number; fn: () => void }>();
  const timers: TimerApi = {
    setTimeout: (fn, ms) => {
      pending.set(++seq, { at: t + ms, fn });
      return seq;
    },
    clearTimeout: (h) => void pending.delete(h as number),
  };
  return {
    now: () => t,
    timers,
    pending: () => pending.size,
    advance(ms: number) {
      const end = t + ms;
      for (;;) {
        let next: [number, { at: number; fn: () => void }] | undefined;
        for (const e of pending) if (e[1].at <= end && (!next || e[1].at < next[1].at)) next = e;
        if (!next) break;
        pending.delete(next[0]);
        t = next[1].at;
        next[1].fn();
      }
      t = end;
    },
  };
}

function supervised(opts: Omit<SupervisorOptions, 'now' | 'timers'>) {
  const time = fakeTime();
  const sup = new HeartbeatSupervisor({ ...opts, now: time.now, timers: time.timers });
  const events: string[] = [];
  const alarms: KeyEvent[] = [];
  sup.on('silent', (e: KeyEvent) => {
    alarms.push(e);
    events.push(`silent ${e.key} ${e.silentForMs}`);
  });
  sup.on('recovered', (e: KeyEvent) => events.push(`recovered ${e.key} ${e.silentForMs}`));
  sup.start();
  return { sup, time, events, alarms };
}

describe('HeartbeatSupervisor', () => {
  test('a listed key that never speaks is caught; a late heartbeat recovers it', () => {
    const { sup, time, events, alarms } = supervised({ timeoutMs: 1000, keys: [{ key: 'a' }, { key: 'b', timeoutMs: 3000 }], learn: false });
    time.advance(900);
    sup.beat('a');
    time.advance(1000);
    assert.deepEqual(events, ['silent a 1000']);
    assert.equal(alarms[0].lastSeen, 1_000_900);
    time.advance(1100);
    assert.deepEqual(events, ['silent a 1000', 'silent b 3000']);
    assert.equal(alarms[1].lastSeen, null, 'b never spoke');
    assert.equal(sup.healthy(), false);
    assert.deepEqual(sup.silentKeys().sort(), ['a', 'b']);
    const rec = sup.beat('b');
    assert.equal(rec?.silentForMs, 3000);
    assert.deepEqual(sup.silentKeys(), ['a']);
    sup.beat('a');
    assert.equal(sup.healthy(), true);
    assert.deepEqual(events.slice(2), ['recovered b 3000', 'recovered a 2100']);
  });

  test('one timer for all keys, however many', () => {
    const { sup, time } = supervised({ timeoutMs: 1000, learn: true });
    for (let i = 0; i < 5000; i++) sup.beat(`k${i}`);
    assert.equal(time.pending(), 1);
    time.advance(500);
    for (let i = 0; i < 5000; i++) sup.beat(`k${i}`);
    assert.equal(time.pending(), 1);
    time.advance(2000);
    assert.equal(sup.silentKeys().length, 5000);
    assert.equal(time.pending(), 0, 'all silent: nothing to time until one speaks');
    sup.beat('k1');
    assert.equal(time.pending(), 1);
  });

  test('learning off: unknown keys are ignored; learning on: a key is supervised from its first message', () => {
    const off = supervised({ timeoutMs: 100, keys: [{ key: 'a' }], learn: false });
    off.sup.beat('a');
    off.sup.beat('x');
    assert.equal(off.sup.keyCount(), 1);
    assert.equal(off.sup.ignoredKeys, 1);
    const on = supervised({ timeoutMs: 100, learn: true });
    on.sup.beat('x');
    on.time.advance(150);
    assert.deepEqual(on.events, ['silent x 100']);
  });

  test('a bad-quality beat counts as silence but makes a learned key known', () => {
    const { sup, time, events } = supervised({ timeoutMs: 100, learn: true });
    sup.beat('x', false);
    time.advance(60);
    sup.beat('x', false);
    time.advance(60);
    assert.deepEqual(events, ['silent x 100']);
    sup.beat('x', true);
    assert.deepEqual(events, ['silent x 100', 'recovered x 120']);
  });

  test('stop() clears the timer', () => {
    const { sup, time } = supervised({ timeoutMs: 100, keys: [{ key: 'a' }], learn: false });
    assert.equal(time.pending(), 1);
    sup.stop();
    assert.equal(time.pending(), 0);
    sup.beat('a');
    assert.equal(time.pending(), 0);
  });
});

describe('watchdog keys', () => {
  test('key list: one per line, own timeouts, comments; errors name the line', () => {
    assert.deepEqual(parseKeyList('plant/pump1\n# comment\n\n plant/pump2 10s \nline 3 500ms\nkey with space'), [
      { key: 'plant/pump1' },
      { key: 'plant/pump2', timeoutMs: 10_000 },
      { key: 'line 3', timeoutMs: 500 },
      { key: 'key with space' },
    ]);
    assert.throws(
      () => parseKeyList('a\nb\na 5s'),
      (e: unknown) => e instanceof WatchdogConfigError && e.line === 3 && /"a" is listed twice \(first on line 1\)/.test(e.message),
    );
    assert.throws(
      () => parseKeyList('a 0s'),
      (e: unknown) => e instanceof WatchdogConfigError && e.line === 1 && /timeout/.test(e.message),
    );
    assert.equal(parseDuration('2m'), 120_000);
    assert.equal(parseDuration('2'), undefined);
  });

  test('beats by topic, device and tag, for tag messages and scans', () => {
    const tagMsg = { topic: 'plc1/temp', payload: 1, tag: { device: 'plc1', name: 'temp', value: 1, quality: 'bad', ts: 0 } };
    assert.deepEqual(beatsOf(tagMsg, 'topic'), [{ key: 'plc1/temp', good: false }]);
    assert.deepEqual(beatsOf(tagMsg, 'device'), [{ key: 'plc1', good: false }]);
    assert.deepEqual(beatsOf(tagMsg, 'tag'), [{ key: 'plc1/temp', good: false }]);
    const scan = {
      topic: 'plc1',
      payload: {},
      tags: [
        { device: 'plc1', name: 'a', value: 1, quality: 'good', ts: 0 },
        { device: 'plc1', name: 'b', value: null, quality: 'bad', ts: 0 },
        { device: 'plc2', name: 'a', value: null, quality: 'stale', ts: 0 },
      ],
    };
    assert.deepEqual(beatsOf(scan, 'device'), [
      { key: 'plc1', good: true },
      { key: 'plc2', good: false },
    ]);
    assert.deepEqual(
      beatsOf(scan, 'tag').map((b) => `${b.key}:${b.good}`),
      ['plc1/a:true', 'plc1/b:false', 'plc2/a:false'],
    );
    assert.deepEqual(beatsOf({ topic: 'dev9/x', payload: 3 }, 'device'), [{ key: 'dev9', good: true }]);
    assert.deepEqual(beatsOf({ payload: 3 }, 'topic'), []);
  });
});
