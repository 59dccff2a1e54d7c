// The watchdog node in a real Node-RED: pass-through, alarms and recoveries, bad quality as
// silence, the hardware device (a plain file and a missing path in its place) and systemd's
// notify socket (owned by the test through python3).
import { test, describe, before, after, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { helper, nodeModule } from '../helpers/nodered';
import { needPeers } from '../helpers/peers';
import { waitFor } from '../helpers/process';
import { clearCollected, collectorModule, errorsOf, lastStatus, received } from '../helpers/can-nodes';
import { startNotifySocket, NOTIFY_PEERS } from '../helpers/notify-socket';
import { healthRegistry } from '../../lib/health/registry';
import { metricsRegistry } from '../../lib/metrics/registry';
import { keepaliveVotes, KEEPALIVE_BYTE, MAGIC_CLOSE } from '../../lib/watchdog';

const modules = () => [nodeModule('watchdog'), collectorModule];
const tag = (device: string, name: string, quality: string) => ({ topic: `${device}/${name}`, payload: 1, tag: { device, name, value: 1, quality, ts: Date.now() } });
const events = (id: string) => received(id).map((m) => `${(m.payload as { state: string }).state} ${m.topic}`);

function flow(props: Record<string, unknown>) {
  return [
    { id: 'tab', type: 'tab', label: 'wd' },
    { id: 'wd', z: 'tab', type: 'edgegw-watchdog', wires: [['pass'], ['alarms']], ...props },
    { id: 'pass', z: 'tab', type: 'test-collect' },
    { id: 'alarms', z: 'tab', type: 'test-collect' },
  ];
}

describe('watchdog node', () => {
  let dir: string;
  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'edgegw-wdnode-'));
    await helper.startServer();
  });
  after(async () => {
    await helper.stopServer();
    rmSync(dir, { recursive: true, force: true });
  });
  afterEach(async () => {
    await helper.unload();
    clearCollected();
  });

  test('passes messages through; a listed key that never speaks and a learned key that stops raise alarms; data recovers them', async () => {
    await helper.load(modules(), flow({ keyBy: 'topic', keys: 'plant/never\nplant/slow 0.6s', learn: true, timeout: 0.3 }));
    const wd = helper.getNode('wd');
    wd.receive({ topic: 'plant/chatty', payload: 42, extra: { a: 1 } });
    await waitFor('pass-through', () => received('pass').length === 1);
    assert.deepEqual({ topic: received('pass')[0].topic, payload: received('pass')[0].payload, extra: received('pass')[0].extra }, { topic: 'plant/chatty', payload: 42, extra: { a: 1 } });
    await waitFor('three alarms', () => received('alarms').length >= 3, 20_000);
    assert.deepEqual(events('alarms').sort(), ['silent plant/chatty', 'silent plant/never', 'silent plant/slow']);
    const never = received('alarms').find((m) => m.topic === 'plant/never')!.payload as Record<string, unknown>;
    assert.equal(never.lastSeen, null);
    assert.equal(never.timeoutMs, 300);
    assert.ok((never.silentForMs as number) >= 300);
    const slow = received('alarms').find((m) => m.topic === 'plant/slow')!.payload as Record<string, unknown>;
    assert.equal(slow.timeoutMs, 600, 'the per-key timeout of the list');
    assert.equal(lastStatus(wd)?.fill, 'red');
    assert.equal(
      healthRegistry()
        .list()
        .find((e) => e.id === 'wd')?.state,
      'degraded',
    );
    assert.match(await metricsRegistry().metrics(), /edgegw_watchdog_silent_keys\{node="wd"\} 3/);

    wd.receive({ topic: 'plant/never', payload: 1 });
    await waitFor('recovery', () => events('alarms').includes('recovered plant/never'));
    const rec = received('alarms').find((m) => (m.payload as { state: string }).state === 'recovered')!.payload as Record<string, unknown>;
    assert.ok((rec.silentForMs as number) >= 300);
    assert.equal(received('pass').length, 2);
  });

  test('per device over scans, bad or stale quality counted as silence', async () => {
    await helper.load(modules(), flow({ keyBy: 'device', keys: 'plc1\nplc2', learn: false, timeout: 0.4, badIsSilence: true }));
    const wd = helper.getNode('wd');
    const scan = (q1: string, q2: string) => ({
      topic: 'scan',
      payload: {},
      tags: [
        { device: 'plc1', name: 'a', value: 1, quality: q1, ts: 0 },
        { device: 'plc2', name: 'a', value: 1, quality: q2, ts: 0 },
      ],
    });
    // plc2 answers only bad values: it is silent for the watchdog; plc1 keeps beating
    const beat = setInterval(() => wd.receive(scan('good', 'bad')), 50);
    try {
      await waitFor('plc2 silent', () => events('alarms').includes('silent plc2'), 20_000);
      assert.ok(!events('alarms').includes('silent plc1'), events('alarms').join());
      wd.receive(tag('plc2', 'x', 'stale'));
      wd.receive(tag('plc2', 'x', 'good'));
      await waitFor('plc2 recovered', () => events('alarms').includes('recovered plc2'));
    } finally {
      clearInterval(beat);
    }
    assert.deepEqual(errorsOf(wd), []);
  });

  test('hardware device: writes while healthy, none while a key is silent, magic V on a clean stop', async () => {
    const dev = join(dir, 'watchdog-dev');
    writeFileSync(dev, '');
    await helper.load(modules(), flow({ keyBy: 'topic', keys: 'heart', learn: false, timeout: 0.4, hardware: true, devicePath: dev, keepalive: 0.05 }));
    const wd = helper.getNode('wd');
    const beat = setInterval(() => wd.receive({ topic: 'heart', payload: 1 }), 50);
    let stopped = false;
    try {
      await waitFor('keepalive writes', () => readFileSync(dev, 'utf8').length >= 5, 20_000);
      clearInterval(beat);
      stopped = true;
      await waitFor('silence detected', () => events('alarms').includes('silent heart'), 20_000);
      const atAlarm = readFileSync(dev, 'utf8');
      // many keepalive periods pass: not one more byte while the key is silent
      await new Promise((r) => setTimeout(r, 600));
      assert.equal(readFileSync(dev, 'utf8'), atAlarm, 'no write while a key is silent');
      wd.receive({ topic: 'heart', payload: 1 });
      await waitFor('writes resume after the recovery', () => readFileSync(dev, 'utf8').length > atAlarm.length);
    } finally {
      if (!stopped) clearInterval(beat);
    }
    assert.deepEqual([...new Set(readFileSync(dev, 'utf8'))], [KEEPALIVE_BYTE]);
    await helper.unload();
    const written = readFileSync(dev, 'utf8');
    assert.equal(written[written.length - 1], MAGIC_CLOSE, 'the magic close character ends a clean stop');
    assert.equal(keepaliveVotes().size(), 0);
  });

  test('a device that cannot be opened is a clear status, not a crash; messages still pass', async () => {
    const missing = join(dir, 'no-such-watchdog');
    await helper.load(modules(), flow({ keys: 'k', learn: false, timeout: 5, hardware: true, devicePath: missing, keepalive: 0.05 }));
    const wd = helper.getNode('wd');
    await waitFor('device error status', () => /deviceError/.test(lastStatus(wd)?.text ?? ''));
    assert.equal(lastStatus(wd)?.fill, 'red');
    assert.ok(
      errorsOf(wd).some((e) => e.includes(missing) && /no such device/.test(e)),
      errorsOf(wd).join('\n'),
    );
    // the error is logged once, not on every keepalive
    await new Promise((r) => setTimeout(r, 300));
    assert.equal(errorsOf(wd).filter((e) => e.includes(missing)).length, 1);
    wd.receive({ topic: 'k', payload: 1 });
    await waitFor('pass-through', () => received('pass').length === 1);
    assert.match(
      JSON.stringify(
        healthRegistry()
          .list()
          .find((e) => e.id === 'wd')?.detail,
      ),
      /no such device/,
    );
  });

  test('systemd: WATCHDOG=1 to the notify socket while healthy, none while silent', needPeers(NOTIFY_PEERS.python3(), NOTIFY_PEERS.systemdNotify()), async () => {
    const sock = await startNotifySocket();
    const saved = process.env.NOTIFY_SOCKET;
    process.env.NOTIFY_SOCKET = sock.path;
    try {
      await helper.load(modules(), flow({ keys: 'heart', learn: false, timeout: 0.8, systemd: true, keepalive: 0.1 }));
      const wd = helper.getNode('wd');
      const beat = setInterval(() => wd.receive({ topic: 'heart', payload: 1 }), 50);
      try {
        await sock.waitFor((m) => m.length >= 3);
      } finally {
        clearInterval(beat);
      }
      assert.deepEqual([...new Set(sock.messages)], ['WATCHDOG=1']);
      await waitFor('silence detected', () => events('alarms').includes('silent heart'), 20_000);
      // a send spawned just before the alarm may still land; after that, nothing
      await new Promise((r) => setTimeout(r, 300));
      const atAlarm = sock.messages.length;
      await new Promise((r) => setTimeout(r, 800));
      assert.equal(sock.messages.length, atAlarm, 'no WATCHDOG=1 while a key is silent');
      wd.receive({ topic: 'heart', payload: 1 });
      await sock.waitFor((m) => m.length > atAlarm);
      assert.deepEqual(errorsOf(wd), []);
    } finally {
      if (saved === undefined) delete process.env.NOTIFY_SOCKET;
      else process.env.NOTIFY_SOCKET = saved;
      await helper.unload();
      await sock.close();
    }
  });

  test('systemd: a keepalive of 0.05 s spawns systemd-notify at most once a second', needPeers(NOTIFY_PEERS.python3(), NOTIFY_PEERS.systemdNotify()), async () => {
    const sock = await startNotifySocket();
    const saved = { socket: process.env.NOTIFY_SOCKET, usec: process.env.WATCHDOG_USEC };
    process.env.NOTIFY_SOCKET = sock.path;
    delete process.env.WATCHDOG_USEC;
    try {
      await helper.load(modules(), flow({ keys: 'heart', learn: false, timeout: 5, systemd: true, keepalive: 0.05 }));
      const wd = helper.getNode('wd');
      const beat = setInterval(() => wd.receive({ topic: 'heart', payload: 1 }), 50);
      try {
        await sock.waitFor((m) => m.length >= 1);
        const first = Date.now();
        await new Promise((r) => setTimeout(r, 2500));
        const sent = sock.messages.length;
        // 0 s, 1 s, 2 s (and one in flight at most): not one per 0.05 s tick
        assert.ok(sent >= 2 && sent <= 4, `${sent} WATCHDOG=1 in ${Date.now() - first} ms`);
      } finally {
        clearInterval(beat);
      }
      assert.deepEqual(errorsOf(wd), []);
    } finally {
      if (saved.socket === undefined) delete process.env.NOTIFY_SOCKET;
      else process.env.NOTIFY_SOCKET = saved.socket;
      if (saved.usec !== undefined) process.env.WATCHDOG_USEC = saved.usec;
      await helper.unload();
      await sock.close();
    }
  });

  test('one silent watchdog holds the keepalive of another', async () => {
    const dev = join(dir, 'watchdog-two');
    writeFileSync(dev, '');
    await helper.load(modules(), [
      { id: 'tab', type: 'tab', label: 'wd' },
      { id: 'wdA', z: 'tab', type: 'edgegw-watchdog', keys: 'a', learn: false, timeout: 0.3, hardware: true, devicePath: dev, keepalive: 0.05, wires: [[], ['alarms']] },
      { id: 'wdB', z: 'tab', type: 'edgegw-watchdog', keys: 'b', learn: false, timeout: 0.3, systemd: true, keepalive: 0.05, wires: [[], ['alarms']] },
      { id: 'alarms', z: 'tab', type: 'test-collect' },
    ]);
    const beatA = setInterval(() => helper.getNode('wdA').receive({ topic: 'a', payload: 1 }), 50);
    try {
      await waitFor('b silent', () => events('alarms').includes('silent b'), 20_000);
      await new Promise((r) => setTimeout(r, 100));
      const atAlarm = readFileSync(dev, 'utf8').length;
      await new Promise((r) => setTimeout(r, 500));
      assert.equal(readFileSync(dev, 'utf8').length, atAlarm, 'B is silent: A must not feed the device');
      assert.ok(!events('alarms').includes('silent a'));
    } finally {
      clearInterval(beatA);
    }
  });

  test('a bad configuration names the field and line, and the node still passes messages', async () => {
    await helper.load(modules(), flow({ keys: 'a\nb\na 5s', learn: false, timeout: 1 }));
    const wd = helper.getNode('wd');
    assert.equal(lastStatus(wd)?.text, 'watchdog.status.badConfig');
    assert.ok(
      errorsOf(wd).some((e) => /keys line 3: "a" is listed twice \(first on line 1\)/.test(e)),
      errorsOf(wd).join('\n'),
    );
    wd.receive({ topic: 'a', payload: 1 });
    await waitFor('pass-through', () => received('pass').length === 1);
    await helper.unload();
    await helper.load(modules(), flow({ keys: '', learn: false }));
    assert.ok(errorsOf(helper.getNode('wd')).some((e) => /keys: no key to supervise/.test(e)));
    await helper.unload();
    await helper.load(modules(), flow({ learn: true, timeout: 'soon' }));
    assert.ok(errorsOf(helper.getNode('wd')).some((e) => /timeout: must be a number of seconds/.test(e)));
  });
});
