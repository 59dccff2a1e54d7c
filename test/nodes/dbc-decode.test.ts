// dbc-decode: DBC from a file or pasted text, errors with line:column in status and editor check,
// unknown frames, batches and invalid input.
import { test, describe, before, after, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { helper, nodeModule } from '../helpers/nodered';
import { waitFor } from '../helpers/process';
import { healthRegistry } from '../../lib/health/registry';
import { MOTOHAWK, assertSignals, clearCollected, collectorModule, errorsOf, expectedFrames, lastStatus, received } from '../helpers/can-nodes';

const MOTOHAWK_TEXT = readFileSync(MOTOHAWK, 'utf8');
// A syntax error on line 3, column 22: the offset's closing parenthesis is missing.
const BAD_DBC = 'VERSION ""\nBO_ 12 Foo: 8 X\n SG_ A : 0|8@1+ (1,0 [0|1] "" X\n';
const modules = () => [nodeModule('dbc-decode'), collectorModule];

describe('dbc-decode', () => {
  let dir: string;
  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'edgegw-dbc-'));
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

  const decoder = (props: Record<string, unknown>, outputs = 1) => [
    {
      id: 'dec',
      type: 'edgegw-dbc-decode',
      dbcSource: 'file',
      dbcFile: MOTOHAWK,
      output: 'message',
      labels: false,
      device: '',
      unknown: 'drop',
      outputs,
      wires: outputs === 2 ? [['sink'], ['unknown']] : [['sink']],
      ...props,
    },
    { id: 'sink', type: 'test-collect' },
    { id: 'unknown', type: 'test-collect' },
  ];

  test('values as a person reads them: scaling precision and float32, or the exact decode when asked', async () => {
    const file = join(dir, 'readable.dbc');
    writeFileSync(
      file,
      [
        'VERSION ""',
        'BU_: X',
        'BO_ 256 Temps: 8 X',
        ' SG_ ReturnTemp : 0|16@1+ (0.1,0) [0|6553.5] "degC" X',
        ' SG_ Current : 16|16@1+ (0.01,0) [0|655.35] "A" X',
        'BO_ 257 Flow: 4 X',
        ' SG_ Rate : 0|32@1- (1,0) [0|0] "l/h" X',
        'SIG_VALTYPE_ 257 Rate : 1;',
        '',
      ].join('\n'),
    );
    const frame = () => {
      const temps = Buffer.alloc(8);
      temps.writeUInt16LE(518, 0);
      temps.writeUInt16LE(301, 2);
      const flow = Buffer.alloc(4);
      flow.writeFloatLE(24.1, 0);
      return [
        { id: 256, extended: false, data: temps },
        { id: 257, extended: false, data: flow },
      ];
    };
    for (const exact of [false, true]) {
      await helper.load(modules(), decoder({ dbcFile: file, exact, output: 'batch' }));
      helper.getNode('dec').receive({ payload: frame() });
      const msg = (await waitFor('scan', () => received('sink')[0])) as { payload: Record<string, Record<string, number>>; tags: Array<{ name: string; value: number }> };
      const want = exact ? { ReturnTemp: 518 * 0.1, Current: 301 * 0.01, Rate: Math.fround(24.1) } : { ReturnTemp: 51.8, Current: 3.01, Rate: 24.1 };
      assert.deepEqual({ ...msg.payload.Temps, ...msg.payload.Flow }, want, `exact=${exact}`);
      assert.deepEqual(Object.fromEntries(msg.tags.map((t) => [t.name, t.value])), want, `exact=${exact}: tag samples`);
      await helper.unload();
      clearCollected();
    }
    await helper.load(modules(), decoder({ dbcFile: file, output: 'signal' }));
    helper.getNode('dec').receive({ payload: frame()[0] });
    await waitFor('signals', () => received('sink').length >= 2);
    assert.deepEqual(
      received('sink').map((m) => m.payload),
      [51.8, 3.01],
    );
  });

  test('a bad DBC file shows line:column in the status and names the place in the log', async () => {
    const file = join(dir, 'bad.dbc');
    writeFileSync(file, BAD_DBC);
    await helper.load(modules(), decoder({ dbcFile: file }));
    const dec = helper.getNode('dec');
    assert.deepEqual(lastStatus(dec), { fill: 'red', shape: 'ring', text: 'dbc-decode.status.dbcError(line=3, column=22)' });
    assert.ok(
      errorsOf(dec).some((e) => e.includes(`invalid DBC at ${file}:3:22: expected ")"`)),
      errorsOf(dec).join('\n'),
    );
    const health = healthRegistry()
      .list()
      .find((e) => e.id === 'dec')!;
    assert.equal(health.state, 'down');
    assert.match(String(health.detail?.error), /:3:22:/);
    dec.receive({ payload: { id: 496, data: Buffer.alloc(8) } });
    await waitFor('input refused with the DBC error', () => errorsOf(dec).filter((e) => e.includes(':3:22:')).length >= 2);
    assert.equal(received('sink').length, 0);
  });

  test('a bad pasted DBC shows line:column too; a missing file says so', async () => {
    await helper.load(modules(), decoder({ dbcSource: 'text', dbcText: BAD_DBC }));
    assert.equal(lastStatus(helper.getNode('dec'))?.text, 'dbc-decode.status.dbcError(line=3, column=22)');
    assert.ok(errorsOf(helper.getNode('dec')).some((e) => e.includes('invalid DBC at pasted DBC:3:22')));
    await helper.unload();
    await helper.load(modules(), decoder({ dbcFile: join(dir, 'nope.dbc') }));
    assert.deepEqual(lastStatus(helper.getNode('dec')), { fill: 'red', shape: 'ring', text: 'dbc-decode.status.noDbc' });
    assert.ok(errorsOf(helper.getNode('dec')).some((e) => /dbcFile: cannot read .*nope\.dbc: file not found/.test(e)));
  });

  test('POST /edgegw/dbc/check answers the editor with counts or the error location', async () => {
    await helper.load(modules(), decoder({}));
    const ok = await helper.request().post('/edgegw/dbc/check').send({ dbcSource: 'text', dbcText: MOTOHAWK_TEXT }).expect(200);
    assert.equal(ok.body.ok, true);
    assert.equal(ok.body.messages, 1);
    assert.equal(ok.body.signals, 3);
    const bad = await helper.request().post('/edgegw/dbc/check').send({ dbcSource: 'text', dbcText: BAD_DBC }).expect(200);
    assert.equal(bad.body.ok, false);
    assert.equal(bad.body.error.line, 3);
    assert.equal(bad.body.error.column, 22);
    assert.match(bad.body.error.message, /expected "\)"/);
    const file = await helper.request().post('/edgegw/dbc/check').send({ dbcSource: 'file', dbcFile: MOTOHAWK }).expect(200);
    assert.equal(file.body.ok, true);
    const missing = await helper
      .request()
      .post('/edgegw/dbc/check')
      .send({ dbcSource: 'file', dbcFile: join(dir, 'none.dbc') })
      .expect(200);
    assert.equal(missing.body.ok, false);
    assert.match(missing.body.error.message, /file not found/);
    assert.equal(missing.body.error.line, undefined);
  });

  test('pasted DBC decodes; unknown frames go to output 2 when passed on', async () => {
    await helper.load(modules(), decoder({ dbcSource: 'text', dbcText: MOTOHAWK_TEXT, dbcFile: '', unknown: 'pass', device: 'engine' }, 2));
    const dec = helper.getNode('dec');
    assert.deepEqual({ ...lastStatus(dec), text: undefined }, { fill: 'green', shape: 'dot', text: undefined });
    assert.match(lastStatus(dec)?.text ?? '', /^dbc-decode\.status\.ready\(messages=[1-9]\d*, signals=[1-9]\d*\)$/);
    const ref = expectedFrames('motohawk.dbc');
    dec.receive({ payload: { id: ref[0].id, extended: false, data: ref[0].data }, keep: 'me' });
    dec.receive({ payload: { id: 0x100, extended: false, data: [1, 2] }, topic: 'x' });
    dec.receive({ payload: { id: 496, extended: false, rtr: true, dlc: 8, data: Buffer.alloc(0) }, topic: 'remote' });
    // a batch as can-in sends it, with unknown frames in between
    dec.receive({
      topic: 'bus',
      payload: ref.flatMap((f) => [
        { id: f.id, extended: false, fd: false, data: Buffer.from(f.data, 'hex'), ts: 1000.5 },
        { id: 0x7ff, extended: false, data: Buffer.alloc(0) },
      ]),
    });
    await waitFor('decoded', () => received('sink').length === 1 + ref.length);
    await waitFor('unknown', () => received('unknown').length === 3);
    const sink = received('sink');
    assertSignals(sink[0].payload as Record<string, unknown>, ref[0].signals, 'single frame (hex data)');
    assert.equal(sink[0].keep, 'me', 'a single frame keeps the input message properties');
    ref.forEach((f, i) => assertSignals(sink[i + 1].payload as Record<string, unknown>, f.signals, `batch frame ${i}`));
    assert.equal((sink[1].tags as Array<{ device: string; ts: number }>)[0].device, 'engine');
    assert.equal((sink[1].tags as Array<{ device: string; ts: number }>)[0].ts, 1000500, 'tag ts is the frame ts in ms');
    const [single, remote, batch] = received('unknown');
    assert.equal(single.topic, 'x');
    assert.equal(remote.topic, 'remote', 'a remote frame has no data to decode');
    assert.deepEqual((single.payload as { data: number[] }).data, [1, 2]);
    assert.equal(batch.topic, 'bus');
    assert.equal((batch.payload as unknown[]).length, ref.length);
  });

  test('invalid frames fail the message; in a batch the valid ones still go out', async () => {
    await helper.load(modules(), decoder({}));
    const dec = helper.getNode('dec');
    dec.receive({ payload: 'not a frame' });
    await waitFor('error', () => errorsOf(dec).some((e) => /msg\.payload is not a CAN frame: a CAN frame must be an object/.test(e)));
    const ok = expectedFrames('motohawk.dbc')[1];
    dec.receive({
      payload: [
        { id: 496, data: 'zz' },
        { id: ok.id, extended: false, data: Buffer.from(ok.data, 'hex') },
        { id: 496, data: [300] },
      ],
    });
    await waitFor('batch error', () => errorsOf(dec).some((e) => /msg\.payload\[0\] is not a CAN frame: data "zz" is not a hex string.*\(and 1 more invalid frames in this batch\)/.test(e)));
    await waitFor('valid frame decoded', () => received('sink').length === 1);
    assertSignals(received('sink')[0].payload as Record<string, unknown>, ok.signals, 'valid frame of the batch');
  });

  test('an unknown output mode is a configuration error', async () => {
    await helper.load(modules(), decoder({ output: 'sideways' }));
    assert.equal(lastStatus(helper.getNode('dec'))?.text, 'dbc-decode.status.badConfig');
    assert.ok(errorsOf(helper.getNode('dec')).some((e) => /output: "sideways" is not "message", "signal" or "batch"/.test(e)));
  });
});
