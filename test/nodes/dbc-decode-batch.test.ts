// dbc-decode's batch output (one scan per input batch) and the lib/can/decoded-scan.ts it rests
// on: a multi-thousand-frame candump log written from the reference frames of a real DBC
// (opendbc vw_mqb.dbc) replayed through can-interface (replay, fast) -> can-in (batches) ->
// dbc-decode (batch), with every tag, every latest value and every frame count checked against
// the reference decodes; plus labels, device, single frames, invalid items, the example flow and
// a redeploy test.
import { test, describe, before, after, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { EventEmitter } from 'node:events';
import { isDeepStrictEqual } from 'node:util';
import { helper, nodeModule } from '../helpers/nodered';
import { waitFor } from '../helpers/process';
import { fixturesMissing } from '../helpers/can-fixtures';
import { MOTOHAWK, assertSignals, clearCollected, collectorModule, dbcPath, errorsOf, expectedFrames, lastStatus, received, repoRoot, type ExpectedFrame } from '../helpers/can-nodes';
import { parseCandumpLine } from '../../lib/can/candump';
import { DbcCodec } from '../../lib/can/codec';
import { parseDbc } from '../../lib/can/dbc';
import { CanScanDecoder, type CanScan, type CanScanFrames } from '../../lib/can/decoded-scan';
import { healthRegistry } from '../../lib/health/registry';
import type { TagSample } from '../../lib/tags/contract';
import type { NodeMessage } from '../../nodes/common/red';

const VW = dbcPath('opendbc', 'vw_mqb.dbc');
const missing = fixturesMissing();
const skipNoFixtures = missing ? { skip: missing } : {};
const REPEAT = 8;
const UNKNOWN_EVERY = 97;
const REMOTE_EVERY = 389;
// 0x7FE is not in vw_mqb.dbc
const UNKNOWN_ID = 0x7fe;
// A value table with an entry for 0 only, to see a label go when the latest value has none.
const LABEL_DBC = 'VERSION ""\nBO_ 256 Gear: 2 X\n SG_ Selected : 0|8@1+ (1,0) [0|9] "" X\n SG_ Speed : 8|8@1+ (0.5,0) [0|127] "km/h" X\nVAL_ 256 Selected 0 "Park" ;\n';

const vwCodec = (): DbcCodec => new DbcCodec(parseDbc(readFileSync(VW), { filename: VW }).db);
const frameOf = (f: ExpectedFrame, ts?: number) => ({ id: f.id, extended: f.extended, fd: false, rtr: false, data: Buffer.from(f.data, 'hex'), ts });
const sumOf = (msgs: NodeMessage[], key: keyof CanScanFrames) => msgs.reduce((n, m) => n + (m.frames as CanScanFrames)[key], 0);

/** Checks a scan's payload against the reference frames it was made of: per message, the latest value of each signal. */
function assertLatest(payload: Record<string, Record<string, unknown>>, frames: ExpectedFrame[], codec: DbcCodec, where: string): void {
  const latest = new Map<string, Record<string, number | string>>();
  for (const f of frames) {
    const name = codec.message(f.id, f.extended)!.name;
    latest.set(name, { ...(latest.get(name) ?? {}), ...f.signals });
  }
  assert.deepEqual(Object.keys(payload).sort(), [...latest.keys()].sort(), `${where}: messages`);
  for (const [name, signals] of latest) assertSignals(payload[name], signals, `${where}.${name}`);
}

/** Checks tags against the reference frames in order: device, names, values, quality, unit, ts. */
function assertTags(tags: TagSample[], frames: Array<{ ref: ExpectedFrame; tsMs: number }>, codec: DbcCodec, device: string | undefined, where: string): void {
  let t = 0;
  frames.forEach(({ ref, tsMs }, k) => {
    const message = codec.message(ref.id, ref.extended)!;
    const names = Object.keys(ref.signals);
    const mine = tags.slice(t, t + names.length);
    t += names.length;
    const got: Record<string, unknown> = {};
    for (const s of mine) {
      assert.equal(s.device, device ?? message.name, `${where} frame ${k}: device`);
      assert.equal(s.quality, 'good');
      assert.equal(s.source, 'can');
      assert.equal(s.ts, tsMs, `${where} frame ${k}: ts`);
      const unit = message.signals.find((g) => g.name === s.name)?.unit;
      assert.equal(s.unit, unit || undefined, `${where} frame ${k}.${s.name}: unit`);
      got[s.name] = s.value;
    }
    assertSignals(got, ref.signals, `${where} frame ${k}`);
  });
  assert.equal(t, tags.length, `${where}: no tags beyond the frames' signals`);
}

describe('CanScanDecoder (lib/can/decoded-scan.ts)', skipNoFixtures, () => {
  test('a batch of every vw_mqb reference frame: every signal in order, latest values, counts', () => {
    const codec = vwCodec();
    const ref = expectedFrames('vw_mqb.dbc');
    const items: unknown[] = [];
    const decodedFrames: Array<{ ref: ExpectedFrame; tsMs: number }> = [];
    ref.forEach((f, i) => {
      const ts = 1700000000 + i / 1000;
      items.push(frameOf(f, ts));
      decodedFrames.push({ ref: f, tsMs: ts * 1000 });
      if (i % 50 === 0) items.push({ id: UNKNOWN_ID, extended: false, data: Buffer.from([i & 0xff]) });
    });
    items.push({ id: ref[0].id, extended: false, rtr: true, dlc: 8, data: Buffer.alloc(0) }, 'garbage', { id: 1, data: 'zz' });
    const { scan, unknown, firstInvalid } = new CanScanDecoder(codec, { device: '', labels: false }).decodeBatch(items, true);
    const unknownCount = Math.ceil(ref.length / 50) + 1;
    assert.deepEqual(scan.frames, { count: items.length, decoded: ref.length, unknown: unknownCount, invalid: 2 });
    assert.equal(unknown.length, unknownCount);
    assert.equal(firstInvalid?.index, items.length - 2);
    assert.match(firstInvalid.error.message, /a CAN frame must be an object/);
    assert.equal(
      scan.tags.length,
      ref.reduce((n, f) => n + Object.keys(f.signals).length, 0),
    );
    assertTags(scan.tags, decodedFrames, codec, undefined, 'lib scan');
    assertLatest(scan.payload, ref, codec, 'lib scan');
    // units per message present, copies of the DBC's
    const withUnit = codec.db.messages.find((m) => scan.payload[m.name] && m.signals.some((s) => s.unit))!;
    for (const s of withUnit.signals) if (s.unit) assert.equal(scan.units[withUnit.name][s.name], s.unit);
    assert.equal(scan.labels, undefined);
  });

  test('a multiplexed message merges its pages; a short frame keeps the earlier values of what it lacks', () => {
    const codec = vwCodec();
    const vin = expectedFrames('vw_mqb.dbc').filter((f) => codec.message(f.id, f.extended)?.name === 'VIN_01');
    const pages = new Map<number, ExpectedFrame>();
    for (const f of vin) pages.set(f.signals.VIN_01_MUX as number, f);
    assert.ok(pages.size >= 2, `VIN_01 pages in the reference: ${[...pages.keys()].join(',')}`);
    const frames = [...pages.values()];
    const scan = new CanScanDecoder(codec, { device: 'car', labels: false }).decode(frames.map((f) => frameOf(f, 1)));
    const merged: Record<string, number | string> = {};
    for (const f of frames) Object.assign(merged, f.signals);
    assertSignals(scan.payload.VIN_01, merged, 'merged pages');
    assert.ok(scan.tags.every((t) => t.device === 'car'));

    const moto = new DbcCodec(parseDbc(readFileSync(MOTOHAWK)).db);
    const [a] = expectedFrames('motohawk.dbc');
    // 1 byte: only the 1-bit Enable and the 6-bit AverageRadius fit (both in byte 0, Motorola)
    const short = new CanScanDecoder(moto, { device: '', labels: false }).decode([frameOf(a, 1), { ...frameOf(a, 2), data: Buffer.from([0]) }]);
    assert.equal(short.payload.ExampleMessage.Temperature, a.signals.Temperature, 'kept from the full frame');
    assert.equal(short.payload.ExampleMessage.Enable, 0, 'from the short frame');
    assert.deepEqual(
      short.tags
        .slice(3)
        .map((t) => t.name)
        .sort(),
      ['AverageRadius', 'Enable'],
      'the short frame has the signals that fit',
    );
  });

  test('labels follow the latest value; an empty batch is an empty scan', () => {
    const codec = new DbcCodec(parseDbc(LABEL_DBC).db);
    const decoder = new CanScanDecoder(codec, { device: '', labels: true });
    const f = (sel: number, speed: number, ts: number) => ({ id: 256, extended: false, data: Buffer.from([sel, speed]), ts });
    const parked = decoder.decode([f(3, 10, 1), f(0, 0, 2)]);
    assert.deepEqual(parked.labels, { Gear: { Selected: 'Park' } });
    assert.deepEqual(parked.payload, { Gear: { Selected: 0, Speed: 0 } });
    assert.deepEqual(parked.units, { Gear: { Speed: 'km/h' } });
    const driving = decoder.decode([f(0, 0, 1), f(3, 20, 2)]);
    assert.deepEqual(driving.labels, { Gear: {} }, 'the label of an older value does not stay');
    assert.deepEqual(driving.payload, { Gear: { Selected: 3, Speed: 10 } });
    assert.deepEqual(
      driving.tags.map((t) => [t.name, t.value, t.ts]),
      [
        ['Selected', 0, 1000],
        ['Speed', 0, 1000],
        ['Selected', 3, 2000],
        ['Speed', 10, 2000],
      ],
    );
    const empty: CanScan = decoder.decode([]);
    assert.deepEqual(empty, { payload: {}, tags: [], units: {}, labels: {}, frames: { count: 0, decoded: 0, unknown: 0, invalid: 0 } });
  });
});

describe('dbc-decode batch output', skipNoFixtures, () => {
  let dir: string;
  let log: string;
  let reference: ExpectedFrame[];
  /** the known frames of the log in order, with their time in ms as the log gives it */
  const played: Array<{ ref: ExpectedFrame; tsMs: number }> = [];
  let unknownCount = 0;
  let remoteCount = 0;
  const modules = () => [nodeModule('can-interface'), nodeModule('can-in'), nodeModule('dbc-decode'), collectorModule];

  before(async () => {
    if (missing) return;
    dir = mkdtempSync(join(tmpdir(), 'edgegw-dbcbatch-'));
    reference = expectedFrames('vw_mqb.dbc');
    const lines: string[] = [];
    let us = 1700000000_000000;
    const line = (token: string) => {
      us += 500;
      const text = `(${(us / 1e6).toFixed(6)}) can0 ${token}`;
      lines.push(text);
      return parseCandumpLine(text, lines.length)!;
    };
    for (let r = 0; r < REPEAT; r++) {
      reference.forEach((f, i) => {
        const k = r * reference.length + i;
        const id = f.extended ? f.id.toString(16).toUpperCase().padStart(8, '0') : f.id.toString(16).toUpperCase().padStart(3, '0');
        const frame = line(`${id}#${f.data.toUpperCase()}`);
        played.push({ ref: f, tsMs: frame.ts! * 1000 });
        if (k % UNKNOWN_EVERY === 0) {
          line(`${UNKNOWN_ID.toString(16).toUpperCase()}#${Buffer.from([r, i & 0xff]).toString('hex')}`);
          unknownCount++;
        }
        if (k % REMOTE_EVERY === 5) {
          // a remote frame of a known id: no data to decode, counted as unknown
          line(`${id}#R`);
          remoteCount++;
        }
      });
    }
    log = join(dir, 'vw.log');
    writeFileSync(log, lines.join('\n') + '\n');
    await helper.startServer();
  });
  after(async () => {
    if (missing) return;
    await helper.stopServer();
    rmSync(dir, { recursive: true, force: true });
  });
  afterEach(async () => {
    await helper.unload();
    clearCollected();
  });

  const pipeline = (decProps: Record<string, unknown> = {}, batchMs = 5) => [
    { id: 'tab', type: 'tab', label: 'batch' },
    { id: 'bus', type: 'edgegw-can-interface', name: 'replay', kind: 'replay', file: log, pace: 'fast', loop: false, replayTimestamps: 'recorded' },
    { id: 'in', z: 'tab', type: 'edgegw-can-in', name: 'vw', interface: 'bus', filters: '', batchMs, wires: [['dec']] },
    {
      id: 'dec',
      z: 'tab',
      type: 'edgegw-dbc-decode',
      dbcSource: 'file',
      dbcFile: VW,
      output: 'batch',
      labels: false,
      device: '',
      unknown: 'pass',
      outputs: 2,
      wires: [['sink'], ['unknown']],
      ...decProps,
    },
    { id: 'sink', z: 'tab', type: 'test-collect' },
    { id: 'unknown', z: 'tab', type: 'test-collect' },
  ];

  test('a replayed multi-thousand-frame log: exact counts, every tag and every latest value as the reference', async () => {
    await helper.load(modules(), pipeline());
    const total = reference.length * REPEAT;
    const unknownAll = unknownCount + remoteCount;
    assert.ok(total > 5000, `${total} frames`);
    await waitFor('replay ended', () => /ended/.test(lastStatus(helper.getNode('in'))?.text ?? ''), 120000, 50);
    await waitFor('every frame in a scan', () => sumOf(received('sink'), 'count') >= total + unknownAll, 30000, 50);
    await new Promise((r) => setTimeout(r, 50));
    const scans = received('sink');
    assert.equal(sumOf(scans, 'decoded'), total);
    assert.equal(sumOf(scans, 'unknown'), unknownAll);
    assert.equal(sumOf(scans, 'invalid'), 0);
    assert.equal(sumOf(scans, 'count'), total + unknownAll);
    assert.ok(scans.length < total / 10, `frames travel in batches: ${scans.length} scans for ${total} frames`);
    assert.equal(
      received('unknown').reduce((n, m) => n + (m.payload as unknown[]).length, 0),
      unknownAll,
      'output 2 has every unknown and remote frame',
    );
    assert.ok(
      received('unknown')
        .flatMap((m) => m.payload as Array<{ id: number; rtr: boolean }>)
        .every((f) => f.id === UNKNOWN_ID || f.rtr),
    );

    const codec = vwCodec();
    const allTags = scans.flatMap((m) => m.tags as TagSample[]);
    assert.equal(
      allTags.length,
      played.reduce((n, p) => n + Object.keys(p.ref.signals).length, 0),
      'one tag per decoded signal',
    );
    assertTags(allTags, played, codec, undefined, 'pipeline');
    // Each scan holds the next frames.decoded known frames of the log, in order.
    let at = 0;
    scans.forEach((m, b) => {
      const n = (m.frames as CanScanFrames).decoded;
      assert.equal(m.topic, 'replay', 'the topic can-in gave the batch: its interface name');
      assertLatest(
        m.payload as Record<string, Record<string, unknown>>,
        played.slice(at, at + n).map((p) => p.ref),
        codec,
        `scan ${b}`,
      );
      at += n;
    });
    assert.equal(at, total);
  });

  test('per-message mode over the same log sends one message per frame, with the same values', async () => {
    await helper.load(modules(), pipeline({ output: 'message' }));
    const total = reference.length * REPEAT;
    await waitFor('replay ended', () => /ended/.test(lastStatus(helper.getNode('in'))?.text ?? ''), 120000, 50);
    await waitFor('every frame decoded', () => received('sink').length >= total, 30000, 50);
    await new Promise((r) => setTimeout(r, 50));
    assert.equal(received('sink').length, total);
    const tags = received('sink').flatMap((m) => m.tags as TagSample[]);
    assertTags(tags, played, vwCodec(), undefined, 'per message');
  });

  test('device, labels, single frames, all-unknown batches and invalid items', async () => {
    await helper.load(modules(), [
      { id: 'dec', type: 'edgegw-dbc-decode', dbcSource: 'text', dbcText: LABEL_DBC, output: 'batch', labels: true, device: 'gearbox', unknown: 'pass', outputs: 2, wires: [['sink'], ['unknown']] },
      { id: 'sink', type: 'test-collect' },
      { id: 'unknown', type: 'test-collect' },
    ]);
    const dec = helper.getNode('dec');
    assert.match(lastStatus(dec)?.text ?? '', /^dbc-decode\.status\.ready\(messages=[1-9]\d*, signals=[1-9]\d*\)$/);
    // a batch with an unknown frame and two invalid items between the good ones
    dec.receive({
      topic: 'bus',
      payload: [{ id: 256, extended: false, data: Buffer.from([0, 4]), ts: 10 }, { id: 5, data: [1] }, 'nope', { id: 256, data: [300, 1] }, { id: 256, data: '0308', ts: 11 }],
    });
    await waitFor('scan', () => received('sink').length === 1 && received('unknown').length === 1);
    await waitFor('batch error', () => errorsOf(dec).some((e) => /msg\.payload\[2\] is not a CAN frame: a CAN frame must be an object.*\(and 1 more invalid frames in this batch\)/.test(e)));
    const [scan] = received('sink');
    assert.equal(scan.topic, 'gearbox');
    assert.deepEqual(scan.payload, { Gear: { Selected: 3, Speed: 4 } });
    assert.deepEqual(scan.labels, { Gear: {} });
    assert.deepEqual(scan.units, { Gear: { Speed: 'km/h' } });
    assert.deepEqual(scan.frames, { count: 5, decoded: 2, unknown: 1, invalid: 2 });
    assert.deepEqual(
      (scan.tags as TagSample[]).map((t) => `${t.device}/${t.name}=${String(t.value)}@${t.ts}`),
      ['gearbox/Selected=0@10000', 'gearbox/Speed=2@10000', 'gearbox/Selected=3@11000', 'gearbox/Speed=4@11000'],
    );
    assert.deepEqual(
      (received('unknown')[0].payload as Array<{ id: number }>).map((f) => f.id),
      [5],
    );
    assert.equal(received('unknown')[0].topic, 'bus');

    // a single frame is a batch of one and keeps the input message's other properties
    dec.receive({ payload: { id: 256, data: [0, 1] }, keep: 'me' });
    await waitFor('single', () => received('sink').length === 2);
    const single = received('sink')[1];
    assert.equal(single.keep, 'me');
    assert.deepEqual(single.payload, { Gear: { Selected: 0, Speed: 0.5 } });
    assert.deepEqual(single.labels, { Gear: { Selected: 'Park' } });
    assert.deepEqual(single.frames, { count: 1, decoded: 1, unknown: 0, invalid: 0 });

    // a lone unknown frame goes to output 2 only; a batch of unknown frames still gives its (empty) scan
    dec.receive({ payload: { id: 7, data: [] }, topic: 'lone' });
    dec.receive({
      payload: [
        { id: 7, data: [] },
        { id: 8, data: [] },
      ],
      topic: 'both',
    });
    await waitFor('unknown', () => received('unknown').length === 3 && received('sink').length === 3);
    assert.equal(received('unknown')[1].topic, 'lone');
    assert.equal((received('unknown')[2].payload as unknown[]).length, 2);
    const empty = received('sink')[2];
    assert.deepEqual([empty.payload, empty.tags, empty.frames], [{}, [], { count: 2, decoded: 0, unknown: 2, invalid: 0 }]);

    // nothing but invalid items: an error and no scan
    dec.receive({ payload: [1, 2] });
    await waitFor('all invalid', () => errorsOf(dec).some((e) => /msg\.payload\[0\] is not a CAN frame.*\(and 1 more/.test(e)));
    await new Promise((r) => setTimeout(r, 20));
    assert.equal(received('sink').length, 3);
  });

  test('unknown frames dropped: one output, counted in msg.frames', async () => {
    await helper.load(modules(), [
      { id: 'dec', type: 'edgegw-dbc-decode', dbcSource: 'file', dbcFile: MOTOHAWK, output: 'batch', unknown: 'drop', outputs: 1, wires: [['sink']] },
      { id: 'sink', type: 'test-collect' },
    ]);
    const ref = expectedFrames('motohawk.dbc');
    helper.getNode('dec').receive({ payload: ref.flatMap((f) => [frameOf(f, 5), { id: 0x100, extended: false, data: Buffer.alloc(1) }]) });
    await waitFor('scan', () => received('sink').length === 1);
    const scan = received('sink')[0];
    assert.deepEqual(scan.frames, { count: ref.length * 2, decoded: ref.length, unknown: ref.length, invalid: 0 });
    assert.equal((scan.tags as TagSample[]).length, ref.length * 3);
    assertSignals((scan.payload as Record<string, Record<string, unknown>>).ExampleMessage, ref[ref.length - 1].signals, 'latest');
  });

  test('the example flow decodes its batch into one scan', async () => {
    const core = (file: string) => require(join(repoRoot, 'node_modules', '@node-red', 'nodes', 'core', 'common', file));
    const flow = JSON.parse(readFileSync(join(repoRoot, 'examples', 'dbc-decode.json'), 'utf8')) as Array<Record<string, unknown>>;
    const idOf = (type: string, name: string) => String(flow.find((n) => n.type === type && n.name === name)!.id);
    await helper.load([nodeModule('dbc-decode'), core('20-inject.js'), core('21-debug.js'), core('90-comment.js')], flow);
    const scans: NodeMessage[] = [];
    helper.getNode(idOf('debug', 'scans')).on('input', (m: NodeMessage) => scans.push(m));
    helper.getNode(idOf('inject', 'a batch of frames')).receive({});
    await waitFor('scan', () => scans.length === 1);
    assert.equal((scans[0].frames as CanScanFrames).decoded, 3);
    assert.equal((scans[0].frames as CanScanFrames).unknown, 1);
    assert.equal((scans[0].tags as TagSample[]).length, 9);
    assert.deepEqual(Object.keys(scans[0].payload as object), ['ExampleMessage']);
  });

  test('50 redeploys of a batch pipeline leave no timers, handles, listeners or health entries', async () => {
    const small = join(dir, 'small.log');
    writeFileSync(
      small,
      reference
        .slice(0, 40)
        .map((f, i) => `(${(1 + i / 100).toFixed(6)}) can0 ${f.extended ? f.id.toString(16).padStart(8, '0') : f.id.toString(16).padStart(3, '0')}#${f.data}`)
        .join('\n') + '\n',
    );
    const events = (helper as unknown as { _events: EventEmitter })._events;
    const flow = pipeline({}, 2).map((n) => (n.id === 'bus' ? { ...n, file: small } : n));
    const resources = () => {
      const counts: Record<string, number> = {};
      for (const r of process.getActiveResourcesInfo()) if (!r.startsWith('FSReq')) counts[r] = (counts[r] ?? 0) + 1;
      return counts;
    };
    const cycle = async (i: number) => {
      await helper.load(modules(), flow);
      await waitFor(`deploy ${i}: scans`, () => sumOf(received('sink'), 'decoded') === 40);
      await helper.unload();
      clearCollected();
    };
    await cycle(0);
    await new Promise((r) => setTimeout(r, 50));
    const before = { resources: resources(), listeners: events.listenerCount('flows:started'), health: healthRegistry().list().length };
    for (let i = 1; i <= 50; i++) await cycle(i);
    const snapshot = () => ({ resources: resources(), listeners: events.listenerCount('flows:started'), health: healthRegistry().list().length });
    // handles of the last undeploy close asynchronously (slowly on a loaded machine): wait for
    // the real condition, bounded, then assert on the state as it is
    await waitFor('resources back to the baseline', () => isDeepStrictEqual(snapshot(), before), 30_000).catch(() => undefined);
    const after = snapshot();
    assert.deepEqual(after, before);
    assert.equal(before.health, 0);
  });
});
