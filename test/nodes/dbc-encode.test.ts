// dbc-encode: { signal: value } -> the frame can-in emits, checked by decoding it back.
import { test, describe, before, after, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { helper, nodeModule } from '../helpers/nodered';
import { waitFor } from '../helpers/process';
import { MOTOHAWK, assertSignals, clearCollected, collectorModule, dbcPath, errorsOf, lastStatus, received } from '../helpers/can-nodes';
import { parseDbc } from '../../lib/can/dbc';
import { DbcCodec } from '../../lib/can/codec';

const VEHICLE = dbcPath('cantools', 'vehicle.dbc');
const modules = () => [nodeModule('dbc-encode'), collectorModule];

describe('dbc-encode', () => {
  before(async () => {
    await helper.startServer();
  });
  after(async () => {
    await helper.stopServer();
  });
  afterEach(async () => {
    await helper.unload();
    clearCollected();
  });

  const flow = (props: Record<string, unknown>) => [
    { id: 'enc', type: 'edgegw-dbc-encode', dbcSource: 'file', dbcFile: MOTOHAWK, message: '', wires: [['sink']], ...props },
    { id: 'sink', type: 'test-collect' },
  ];

  test('encodes the configured message or the one msg.topic names', async () => {
    const codec = new DbcCodec(parseDbc(readFileSync(MOTOHAWK)).db);
    await helper.load(modules(), flow({}));
    const enc = helper.getNode('enc');
    assert.deepEqual({ ...lastStatus(enc), text: undefined }, { fill: 'green', shape: 'dot', text: undefined });
    assert.match(lastStatus(enc)?.text ?? '', /^dbc-encode\.status\.ready\(messages=[1-9]\d*, signals=[1-9]\d*\)$/);
    enc.receive({ topic: 'ExampleMessage', payload: { Temperature: 244.44, AverageRadius: 0.7, Enable: 'Disabled' } });
    enc.receive({ topic: '0x1F0', payload: { Temperature: 266, AverageRadius: 5, Enable: 1 } });
    enc.receive({ topic: 496, payload: { Temperature: 250, AverageRadius: 0, Enable: 0 } });
    await waitFor('3 frames', () => received('sink').length === 3);
    const [a, b, c] = received('sink');
    assert.equal(a.topic, '0x1F0');
    assert.deepEqual(a.can, { id: 496, extended: false, message: 'ExampleMessage' });
    const p = a.payload as { id: number; extended: boolean; fd: boolean; rtr: boolean; data: Buffer; ts: number };
    assert.deepEqual([p.id, p.extended, p.fd, p.rtr, p.data.length], [496, false, false, false, 8]);
    assert.ok(Math.abs(p.ts - Date.now() / 1000) < 60);
    assertSignals(codec.decode(p.id, false, p.data)!.signals, { Temperature: 244.44, AverageRadius: 0.7, Enable: 0 }, 'by name');
    assertSignals(codec.decode(496, false, (b.payload as { data: Buffer }).data)!.signals, { Temperature: 266, AverageRadius: 5, Enable: 1 }, 'by hex id');
    assertSignals(codec.decode(496, false, (c.payload as { data: Buffer }).data)!.signals, { Temperature: 250, AverageRadius: 0, Enable: 0 }, 'by number id');
  });

  test('extended and multiplexed messages from a large DBC', async () => {
    const db = parseDbc(readFileSync(VEHICLE)).db;
    const codec = new DbcCodec(db);
    const ext = db.messages.find((m) => m.extended && m.signals.length > 2 && !m.signals.some((s) => s.multiplexer || s.multiplexerValues))!;
    await helper.load(modules(), flow({ dbcFile: VEHICLE, message: ext.name }));
    const values: Record<string, number> = {};
    for (const s of ext.signals) values[s.name] = s.offset + s.factor * 1;
    helper.getNode('enc').receive({ payload: values });
    await waitFor('frame', () => received('sink').length === 1);
    const p = received('sink')[0].payload as { id: number; extended: boolean; data: Buffer };
    assert.equal(p.id, ext.id);
    assert.equal(p.extended, true);
    assertSignals(codec.decode(p.id, true, p.data)!.signals, values, ext.name);
  });

  test('errors name the message and signal; a bad configuration shows in the status', async () => {
    await helper.load(modules(), flow({}));
    const enc = helper.getNode('enc');
    enc.receive({ payload: { Temperature: 250 } });
    enc.receive({ topic: 'NoSuchMessage', payload: {} });
    enc.receive({ topic: 'ExampleMessage', payload: 42 });
    enc.receive({ topic: 'ExampleMessage', payload: { Enable: 'Maybe' } });
    await waitFor('4 errors', () => errorsOf(enc).length >= 4);
    const errs = errorsOf(enc).join('\n');
    assert.match(errs, /no CAN message to encode: configure one, or set msg\.topic/);
    assert.match(errs, /the database has no message "NoSuchMessage"/);
    assert.match(errs, /msg\.payload must be an object \{ signal: value \}, got number/);
    assert.match(errs, /cannot encode ExampleMessage\.Enable: "Maybe" is not a number nor one of its labels/);
    assert.equal(received('sink').length, 0);
    await helper.unload();

    await helper.load(modules(), flow({ message: 'Nope' }));
    assert.equal(lastStatus(helper.getNode('enc'))?.text, 'dbc-encode.status.badConfig');
    assert.ok(errorsOf(helper.getNode('enc')).some((e) => /message: the DBC .*motohawk\.dbc\) has no message "Nope"/.test(e)));
    await helper.unload();

    await helper.load(modules(), flow({ dbcSource: 'text', dbcText: 'VERSION ""\nBU_: A\nBO_ 1 M: 8 A\n SG_ S : 0|8@1+ (1,0) [0|1] "" A B C D\nBO_ x' }));
    assert.match(lastStatus(helper.getNode('enc'))?.text ?? '', /^dbc-encode\.status\.dbcError\(line=5, column=\d+\)$/);
  });
});
