// SlcanSource against an emulated SLCAN adapter on a real socat pty pair.
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { needPeers, PEER } from '../../helpers/peers';
import { ptyPair } from '../../helpers/socat';
import { waitFor } from '../../helpers/process';
import { RestartablePtyPair, SlcanPeer, type SlcanPeerOptions } from '../../helpers/slcan-peer';
import { SlcanSource, SlcanProtocolError, SlcanClock, CanSendError, type SlcanOptions } from '../../../lib/can/sources';
import type { CanFrame } from '../../../lib/can/frame';

const peers = () => needPeers(PEER.socat());

interface Rig {
  peer: SlcanPeer;
  source: SlcanSource;
  frames: CanFrame[];
  errors: Error[];
  states: string[];
}

async function withAdapter(opts: Partial<SlcanOptions>, peerOpts: SlcanPeerOptions, fn: (rig: Rig) => Promise<void>): Promise<void> {
  const pty = await ptyPair();
  const peer = await SlcanPeer.open(pty.b, peerOpts);
  const source = new SlcanSource({ path: pty.a, reconnect: false, commandTimeoutMs: 1000, ...opts });
  const rig: Rig = { peer, source, frames: [], errors: [], states: [] };
  source.on('frame', (f) => rig.frames.push(f));
  source.on('error', (e) => rig.errors.push(e));
  source.on('state', (s) => rig.states.push(s));
  try {
    await fn(rig);
  } finally {
    await source.close();
    await peer.close();
    await pty.stop();
  }
}

describe('SlcanSource', () => {
  test('opens the channel: closes a stale one, sets bit rate and timestamps, opens', peers(), async () => {
    await withAdapter({ bitrate: 500000 }, {}, async ({ peer, source, states }) => {
      await source.open();
      assert.equal(source.state, 'open');
      assert.deepEqual(peer.commands, ['C', 'S6', 'Z1', 'O']);
      assert.equal(peer.channelOpen, true);
      assert.equal(peer.bitrate, 'S6');
      assert.equal(peer.timestamps, true);
      assert.deepEqual(states, ['opening', 'open']);
      await source.close();
      assert.equal(peer.channelOpen, false, 'close() closes the CAN channel');
      assert.equal(source.state, 'closed');
    });
  });

  test('every SLCAN bit rate maps to its S command; others are refused at construction', peers(), async () => {
    await withAdapter({ bitrate: 125000, timestamps: false, listenOnly: true }, {}, async ({ peer, source }) => {
      await source.open();
      assert.deepEqual(peer.commands, ['C', 'S4', 'Z0', 'L']);
      assert.equal(peer.listenOnly, true);
      await assert.rejects(source.send({ id: 1, extended: false, fd: false, data: Buffer.alloc(0) }), /listen-only/);
    });
    assert.throws(
      () => new SlcanSource({ path: '/dev/null', bitrate: 333333 }),
      (e: unknown) => e instanceof SlcanProtocolError && /333333.*10000, 20000/.test(e.message),
    );
  });

  test('receives standard, extended, remote and CAN FD frames', peers(), async () => {
    await withAdapter({ timestamps: false, iface: 'slcan-test' }, {}, async ({ peer, source, frames }) => {
      await source.open();
      const before = Date.now() / 1000;
      peer.inject({ id: 0x123, extended: false, data: Buffer.from('deadbeef', 'hex') });
      peer.inject({ id: 0x18fef100, extended: true, data: Buffer.from('0102030405060708', 'hex') });
      peer.inject({ id: 0x7ff, extended: false, data: Buffer.alloc(0) });
      peer.inject({ id: 0x321, extended: false, rtr: true, dlc: 6, data: Buffer.alloc(0) });
      peer.inject({ id: 0x1abcdef, extended: true, rtr: true, dlc: 2, data: Buffer.alloc(0) });
      peer.inject({ id: 0x42, extended: false, fd: true, brs: true, data: Buffer.alloc(64, 0x5a) });
      peer.inject({ id: 0x42, extended: true, fd: true, data: Buffer.alloc(12, 0x11) });
      await waitFor('7 frames', () => frames.length === 7);
      assert.deepEqual(
        frames.map((f) => [f.id, f.extended, f.fd, Boolean(f.rtr), f.data.toString('hex')]),
        [
          [0x123, false, false, false, 'deadbeef'],
          [0x18fef100, true, false, false, '0102030405060708'],
          [0x7ff, false, false, false, ''],
          [0x321, false, false, true, ''],
          [0x1abcdef, true, false, true, ''],
          [0x42, false, true, false, '5a'.repeat(64)],
          [0x42, true, true, false, '11'.repeat(12)],
        ],
      );
      assert.equal(frames[3].dlc, 6);
      assert.equal(frames[5].brs, true);
      assert.equal(frames[0].iface, 'slcan-test');
      // without adapter timestamps a frame carries the host's receive time
      assert.ok(frames[0].ts! >= before - 0.001 && frames[0].ts! <= Date.now() / 1000 + 0.001);
      assert.equal(source.stats.frames, 7);
    });
  });

  test('adapter timestamps: milliseconds advance across the 60 s wrap', peers(), async () => {
    await withAdapter({ timestamps: true }, {}, async ({ peer, source, frames }) => {
      await source.open();
      peer.inject({ id: 1, extended: false, data: Buffer.from([1]) }, 59990);
      peer.inject({ id: 2, extended: false, data: Buffer.from([2]) }, 59999);
      peer.inject({ id: 3, extended: false, data: Buffer.from([3]) }, 10);
      peer.inject({ id: 4, extended: false, data: Buffer.from([4]) }, 1010);
      await waitFor('4 frames', () => frames.length === 4);
      const ts = frames.map((f) => f.ts!);
      assert.ok(Math.abs(ts[1] - ts[0] - 0.009) < 1e-6, `9 ms apart: ${ts[1] - ts[0]}`);
      assert.ok(Math.abs(ts[2] - ts[0] - 0.02) < 1e-6, `20 ms apart across the wrap: ${ts[2] - ts[0]}`);
      assert.ok(Math.abs(ts[3] - ts[0] - 1.02) < 1e-6, `1.02 s apart: ${ts[3] - ts[0]}`);
      assert.ok(Math.abs(ts[0] - Date.now() / 1000) < 5, 'anchored to the host clock');
    });
  });

  test('SlcanClock picks the wrap nearest the host time and re-anchors on drift', () => {
    const c = new SlcanClock(2000);
    const t0 = 1_700_000_000_000;
    assert.equal(c.toEpochMs(30000, t0), t0);
    // 90 s of silence: the counter wrapped; the frame at device 0 ms is 30 s after anchor + 60 s
    assert.equal(c.toEpochMs(0, t0 + 90_000), t0 + 90_000);
    assert.equal(c.toEpochMs(500, t0 + 90_510), t0 + 90_500);
    // a device clock 5 s off the host: re-anchored to the host time
    assert.equal(c.toEpochMs(5500, t0 + 100_000 + 5000 + 5000), t0 + 110_000);
  });

  test('sends standard, extended, remote and FD frames and counts them', peers(), async () => {
    for (const transmitReply of ['z', 'cr'] as const) {
      await withAdapter({}, { transmitReply }, async ({ peer, source }) => {
        await source.open();
        await source.send({ id: 0x1f0, extended: false, fd: false, data: Buffer.from('0011223344556677', 'hex') });
        await source.send({ id: 0x18da00f1, extended: true, fd: false, data: Buffer.from([0xaa]) });
        await source.send({ id: 0x7df, extended: false, fd: false, rtr: true, dlc: 8, data: Buffer.alloc(0) });
        await source.send({ id: 0x100, extended: false, fd: true, brs: true, data: Buffer.alloc(20, 7) });
        assert.deepEqual(
          peer.sent.map((f) => [f.id, f.extended, Boolean(f.fd), Boolean(f.rtr), f.data.toString('hex')]),
          [
            [0x1f0, false, false, false, '0011223344556677'],
            [0x18da00f1, true, false, false, 'aa'],
            [0x7df, false, false, true, ''],
            [0x100, false, true, false, '07'.repeat(20)],
          ],
        );
        assert.equal(peer.sent[2].dlc, 8);
        assert.equal(peer.sent[3].brs, true);
        assert.equal(source.stats.sent, 4);
      });
    }
  });

  test('a refused transmit rejects with the adapter error; an unsolicited BEL is counted', peers(), async () => {
    await withAdapter({}, {}, async ({ peer, source, errors }) => {
      await source.open();
      peer.refuse.add('t');
      await assert.rejects(source.send({ id: 0x10, extended: false, fd: false, data: Buffer.from([1]) }), (e: unknown) => e instanceof CanSendError && /t0101.*refused.*BEL/.test(e.message));
      peer.refuse.clear();
      const errorsBefore = source.stats.errors;
      peer.bell();
      await waitFor('bell reported', () => errors.some((e) => /reported an error \(BEL\)/.test(e.message)));
      assert.equal(source.stats.errors, errorsBefore + 1);
      // the source keeps working after both
      await source.send({ id: 0x10, extended: false, fd: false, data: Buffer.from([2]) });
      assert.equal(peer.sent.length, 1);
      // a classic frame longer than 8 bytes is rejected before it reaches the adapter
      await assert.rejects(source.send({ id: 0x10, extended: false, fd: true, data: Buffer.alloc(9) }), /CAN FD data is 9 bytes/);
    });
  });

  test('malformed lines from the adapter are reported and skipped', peers(), async () => {
    await withAdapter({ timestamps: false }, {}, async ({ peer, source, frames, errors }) => {
      await source.open();
      peer.injectRaw('t12\r');
      peer.injectRaw('t1239AA\r');
      peer.inject({ id: 0x55, extended: false, data: Buffer.from([5]) });
      await waitFor('good frame', () => frames.length === 1);
      await waitFor('two errors', () => errors.filter((e) => e instanceof SlcanProtocolError).length === 2);
      assert.equal(frames[0].id, 0x55);
    });
  });

  test('an adapter that refuses to open: open() rejects with the command and the state says why', peers(), async () => {
    await withAdapter({}, {}, async ({ peer, source }) => {
      peer.refuse.add('O');
      await assert.rejects(source.open(), /refused "O" \(BEL\)/);
      assert.equal(source.state, 'failed');
      assert.match(source.stats.detail ?? '', /refused "O"/);
      assert.deepEqual(source.stats.problem, { code: 'adapterRefused' });
    });
  });

  test('a silent adapter times out with a clear message', peers(), async () => {
    await withAdapter({ commandTimeoutMs: 200 }, { mute: true }, async ({ source }) => {
      await assert.rejects(source.open(), /no reply to "S6" within 200 ms/);
    });
  });

  test('an adapter without timestamps still opens, saying frames carry host time', peers(), async () => {
    await withAdapter({ timestamps: true }, { supportsTimestamps: false }, async ({ source, errors }) => {
      await source.open();
      assert.equal(source.state, 'open');
      assert.ok(errors.some((e) => /refused timestamps/.test(e.message)));
    });
  });

  test('status polling: a bus error flag puts the source in bus-off until it clears', peers(), async () => {
    await withAdapter({ statusPollMs: 30 }, {}, async ({ peer, source }) => {
      await source.open();
      peer.statusFlags = 0x80;
      await waitFor('bus-off', () => source.state === 'bus-off');
      assert.equal(source.stats.busOff, 1);
      assert.deepEqual(source.stats.problem, { code: 'busError', args: { flags: '0x80' } });
      peer.statusFlags = 0;
      await waitFor('open again', () => source.state === 'open');
      assert.equal(source.stats.busOff, 1);
      assert.equal(source.stats.problem, undefined, 'an open source has no problem');
    });
  });

  test('a port that cannot be opened is a clear error', async () => {
    const source = new SlcanSource({ path: '/nonexistent/ttyUSB9', reconnect: false });
    const errors: Error[] = [];
    source.on('error', (e) => errors.push(e));
    await assert.rejects(source.open(), /slcan \/nonexistent\/ttyUSB9: cannot open serial port/);
    assert.equal(source.state, 'failed');
    assert.deepEqual(source.stats.problem, { code: 'serialOpen' });
    assert.equal(errors.length, 1);
    await source.close();
  });

  test('reconnects with backoff when the adapter disappears and comes back', peers(), async () => {
    const pair = new RestartablePtyPair();
    await pair.start();
    let peer = await SlcanPeer.open(pair.b);
    const source = new SlcanSource({ path: pair.a, timestamps: false, backoff: { initialMs: 50, maxMs: 200 } });
    const frames: CanFrame[] = [];
    const errors: Error[] = [];
    source.on('frame', (f) => frames.push(f));
    source.on('error', (e) => errors.push(e));
    try {
      await source.open();
      peer.inject({ id: 1, extended: false, data: Buffer.from([1]) });
      await waitFor('first frame', () => frames.length === 1);
      await peer.close();
      await pair.stop();
      await waitFor('reconnecting', () => source.state === 'reconnecting');
      assert.match(source.stats.detail ?? '', /serial port (disappeared|closed)|cannot open serial port/);
      assert.match(source.stats.problem?.code ?? '', /^(disconnected|serialClosed|serialOpen)$/);
      // sending while away fails clearly
      await assert.rejects(source.send({ id: 1, extended: false, fd: false, data: Buffer.alloc(0) }), /cannot send: the channel is reconnecting/);
      await pair.start();
      peer = await SlcanPeer.open(pair.b);
      await waitFor('open again', () => source.state === 'open', 10000);
      assert.equal(peer.channelOpen, true, 'the new session reopened the channel');
      peer.inject({ id: 2, extended: false, data: Buffer.from([2]) });
      await waitFor('second frame', () => frames.length === 2);
      assert.equal(frames[1].id, 2);
      assert.ok(errors.length >= 1);
    } finally {
      await source.close();
      await peer.close();
      await pair.dispose();
    }
  });

  test('close() during a pending open stops everything', peers(), async () => {
    await withAdapter({ commandTimeoutMs: 5000 }, { mute: true }, async ({ source }) => {
      const opening = source.open();
      await new Promise((r) => setTimeout(r, 50));
      const closed = source.close();
      await assert.rejects(opening, /closed/);
      await closed;
      assert.equal(source.state, 'closed');
    });
  });

  test('open() twice shares one attempt', peers(), async () => {
    await withAdapter({}, {}, async ({ source, peer }) => {
      const [a, b] = [source.open(), source.open()];
      await Promise.all([a, b]);
      assert.equal(peer.commands.filter((c) => c === 'O').length, 1);
      const st = once(source, 'state');
      await source.close();
      assert.deepEqual(await st, ['closed', undefined]);
    });
  });
});
