// Messages to nodes that only read them are shared instead of deep-copied (nodes/common/
// share-read-only.ts): the rules on plain send events, then in a real Node-RED 4.1, where what each
// node received is checked by identity after Node-RED's own copying (its preDeliver hook).
import { test, describe, before, after, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import { helper, nodeModule } from '../helpers/nodered';
import { waitFor } from '../helpers/process';
import { nodeReadsOnly, shareReadOnly, type SendEventLike, type WiresOf } from '../../nodes/common/share-read-only';
import type { TagSample } from '../../lib/tags/contract';

describe('shareReadOnly: which send events share their message', () => {
  const types: Record<string, string> = { calc: 'edgegw-tag-calc', sf: 'edgegw-store-forward', st: 'edgegw-stats', fn: 'function', dbg: 'debug', hist: 'edgegw-historian' };
  const events = (msg: unknown, ...ids: string[]): SendEventLike[] => ids.map((id, i) => ({ msg, destination: { id }, cloneMessage: i > 0 }));
  const run = (ev: SendEventLike[]) => {
    const copies: unknown[] = [];
    const saved = shareReadOnly(
      ev,
      (id) => types[id],
      (m) => {
        const c = structuredClone(m);
        copies.push(c);
        return c;
      },
    );
    return { saved, copies };
  };

  test('every destination reads only: one message for all, no copy', () => {
    const msg = { payload: 1 };
    const ev = events(msg, 'calc', 'sf', 'st');
    const { saved, copies } = run(ev);
    assert.equal(saved, 2);
    assert.equal(copies.length, 0);
    for (const e of ev) {
      assert.equal(e.msg, msg);
      assert.equal(e.cloneMessage, false);
    }
  });

  test('the historian reads a scan only, and shares it; a query or playback it answers with the message itself gets its own', () => {
    const scan = { topic: 'boiler', tags: [] };
    const stored = events(scan, 'calc', 'hist', 'st');
    assert.equal(run(stored).saved, 2);
    for (const e of stored) assert.deepEqual([e.msg, e.cloneMessage], [scan, false]);
    for (const asked of [{ query: { tag: 'boiler/t' } }, { playback: { speed: 1 } }]) {
      const ev = events(asked, 'calc', 'hist', 'st');
      const { saved, copies } = run(ev);
      assert.equal(saved, 1);
      const [calc, hist, st] = ev;
      assert.deepEqual([hist.msg, hist.cloneMessage], [asked, false], 'the historian gets the message as the only other node');
      assert.equal(calc.msg, copies[0]);
      assert.equal(st.msg, copies[0]);
    }
  });

  test('mixed: the other nodes as Node-RED serves them, the readers one copy among them', () => {
    const msg = { payload: 1 };
    const ev = events(msg, 'calc', 'fn', 'sf', 'dbg', 'st');
    const { saved, copies } = run(ev);
    assert.equal(saved, 2);
    assert.equal(copies.length, 1);
    const [calc, fn, sf, dbg, st] = ev;
    assert.equal(fn.msg, msg);
    assert.equal(fn.cloneMessage, false, 'the first other node gets the message itself');
    assert.equal(dbg.msg, msg);
    assert.equal(dbg.cloneMessage, true, 'the next other node gets its own copy from Node-RED');
    for (const e of [calc, sf, st]) {
      assert.equal(e.msg, copies[0]);
      assert.equal(e.cloneMessage, false);
    }
  });

  test('left as Node-RED does it: one destination, one reader among others, different messages, unknown nodes', () => {
    const msg = { payload: 1 };
    for (const ev of [events(msg, 'calc'), events(msg, 'calc', 'fn'), events(msg, 'fn', 'dbg'), events(msg, 'nobody', 'calc')]) {
      const before = ev.map((e) => ({ ...e }));
      assert.equal(run(ev).saved, 0);
      assert.deepEqual(ev, before);
    }
    // two messages, each to one reader (two outputs of a node): nothing shared between them
    const a = { payload: 'a' };
    const b = { payload: 'b' };
    const ev = [...events(a, 'calc'), ...events(b, 'sf')];
    assert.equal(run(ev).saved, 0);
    assert.equal(ev[0].msg, a);
    assert.equal(ev[1].msg, b);
  });
});

describe('nodeReadsOnly: nodes that pass a message on read only when what they feed does', () => {
  const types: Record<string, string> = {
    calc: 'edgegw-tag-calc',
    st: 'edgegw-stats',
    fn: 'function',
    inReaders: 'link in',
    inMixed: 'link in',
    inEmpty: 'link in',
    inLoop: 'link in',
    inChain: 'link in',
    inDeep1: 'link in',
    inDeep2: 'link in',
    inDeep3: 'link in',
    inDeep4: 'link in',
    inDeep5: 'link in',
    dog: 'edgegw-watchdog',
    dogFn: 'edgegw-watchdog',
    out: 'link out',
  };
  const wires: Record<string, string[][]> = {
    inReaders: [['calc', 'st']],
    inMixed: [['calc', 'fn']],
    inEmpty: [[]],
    inLoop: [['calc', 'inLoop']],
    inChain: [['inReaders', 'dog']],
    dog: [[], ['fn']],
    dogFn: [['fn'], []],
    out: [['inReaders']],
    inDeep1: [['inDeep2']],
    inDeep2: [['inDeep3']],
    inDeep3: [['inDeep4']],
    inDeep4: [['inDeep5']],
    inDeep5: [['calc']],
  };
  const typeOf = (id: string) => types[id];
  const wiresOf: WiresOf = (id) => wires[id];
  const scan = { topic: 'meter1', tags: [] };

  test('a link in, and the watchdog on its first output, read only when every node they feed does', () => {
    const table: Array<[string, boolean]> = [
      ['inReaders', true],
      ['inEmpty', true],
      ['inChain', true],
      ['dog', true],
      ['inMixed', false],
      ['dogFn', false],
      ['out', false],
      ['inLoop', false],
      ['inDeep1', false],
      ['inDeep2', true],
      ['fn', false],
      ['calc', true],
    ];
    for (const [id, reads] of table) assert.equal(nodeReadsOnly(id, scan, typeOf, wiresOf), reads, id);
    assert.equal(nodeReadsOnly('inReaders', scan, typeOf), false, 'without the wires a link in is taken for a node that changes the message');
  });

  test('a message to three link ins, one feeding a function: that one gets it, the others share one copy', () => {
    const msg = { payload: 1 };
    const ev: SendEventLike[] = ['inReaders', 'inMixed', 'inChain'].map((id, i) => ({ msg, destination: { id }, cloneMessage: i > 0 }));
    const copies: unknown[] = [];
    const saved = shareReadOnly(ev, typeOf, (m) => (copies.push(structuredClone(m)), copies[copies.length - 1]), wiresOf);
    assert.equal(saved, 1);
    assert.equal(copies.length, 1);
    assert.deepEqual(
      ev.map((e) => [e.msg === msg ? 'sent' : e.msg === copies[0] ? 'copy' : 'other', e.cloneMessage]),
      [
        ['copy', false],
        ['sent', false],
        ['copy', false],
      ],
    );
  });
});

describe('shareReadOnly in Node-RED 4.1', () => {
  type Red = { hooks: { add(id: string, fn: (e: never) => void): void; remove(id: string): void }; nodes: { createNode(n: unknown, d: unknown): void; registerType(t: string, f: unknown): void } };
  let red: Red | undefined;
  const delivered: Array<{ to: string; msg: unknown }> = [];
  // a source that sends what it is given; a node that changes what it gets (a function node would)
  function testNodes(RED: Red) {
    red = RED;
    function Source(this: { on(e: string, f: (m: unknown) => void): void; send(m: unknown): void }, def: unknown) {
      RED.nodes.createNode(this, def);
      this.on('input', (m: unknown) => this.send((m as { out: unknown }).out));
    }
    function Mutate(this: { on(e: string, f: (m: { payload: Record<string, unknown>; tags: TagSample[] }) => void): void }, def: unknown) {
      RED.nodes.createNode(this, def);
      this.on('input', (m) => {
        m.payload.voltage = -1;
        m.tags[0].value = -1;
      });
    }
    RED.nodes.registerType('test-source', Source);
    RED.nodes.registerType('test-mutate', Mutate);
  }

  before(async () => {
    await helper.startServer();
  });
  after(async () => {
    await helper.stopServer();
  });
  afterEach(async () => {
    red?.hooks.remove('preDeliver.shareTest');
    delivered.length = 0;
    await helper.unload();
  });

  const scan = () => {
    const values = { voltage: 230, current: 10 };
    const tags: TagSample[] = Object.entries(values).map(([name, value]) => ({ device: 'meter1', name, value, quality: 'good', ts: Date.now() }));
    return { topic: 'meter1', payload: values, tags };
  };
  const calc = (id: string, wires: string[][] = [[]]) => ({
    id,
    type: 'edgegw-tag-calc',
    z: 't1',
    name: `calc ${id}`,
    definitions: 'p = meter1.voltage * meter1.current',
    trigger: 'input',
    output: 'scan',
    missing: 'uncertain',
    store: '',
    wires,
  });
  // the test helper's RED has no hooks (a full runtime's has): Node-RED's flows use @node-red/util's
  const withHooks = (mod: (RED: Red) => void) => (RED: Red) => {
    RED.hooks ??= (require('@node-red/util') as { hooks: Red['hooks'] }).hooks;
    return mod(RED);
  };
  const linkNodes = require('@node-red/nodes/core/common/60-link.js') as (RED: Red) => void;
  const load = async (targets: string[], extra: Array<Record<string, unknown>>) => {
    await helper.load(
      [withHooks(nodeModule('tag-calc') as (RED: Red) => void), testNodes, linkNodes],
      [{ id: 't1', type: 'tab', label: 'share' }, { id: 'src', type: 'test-source', z: 't1', wires: [targets] }, ...extra],
    );
    red!.hooks.add('preDeliver.shareTest', (e: { destination: { id: string }; msg: unknown }) => {
      delivered.push({ to: e.destination.id, msg: e.msg });
    });
  };
  const messageTo = (id: string) => delivered.find((d) => d.to === id)?.msg;
  // two calcs, each feeding a node that changes their result, beside a node that changes the scan
  const calcsBesideAChange = (): Array<Record<string, unknown>> => [
    calc('c1', [['r1']]),
    calc('c2', [['r2']]),
    { id: 'mut', type: 'test-mutate', z: 't1', wires: [] },
    { id: 'r1', type: 'test-mutate', z: 't1', wires: [] },
    { id: 'r2', type: 'test-mutate', z: 't1', wires: [] },
  ];
  const assertCopyUntouched = (shared: unknown) => {
    assert.deepEqual((shared as { payload: unknown }).payload, { voltage: 230, current: 10 }, 'the copy did not see the change');
    // both calcs computed from the values sent, not from the changed ones
    for (const r of ['r1', 'r2']) assert.equal((messageTo(r) as { payload: { p: number } }).payload.p, 2300);
  };

  test('a scan wired to two tag-calc nodes reaches both as the one message sent', async () => {
    await load(['c1', 'c2'], [calc('c1'), calc('c2')]);
    const out = scan();
    helper.getNode('src').receive({ out });
    await waitFor('both delivered', () => delivered.length === 2);
    assert.equal(messageTo('c1'), out);
    assert.equal(messageTo('c2'), out);
  });

  test('with a node that changes it beside them: that node gets the message, the calcs one untouched copy', async () => {
    await load(['c1', 'mut', 'c2'], calcsBesideAChange());
    const out = scan();
    helper.getNode('src').receive({ out });
    await waitFor(
      'three delivered, two results',
      () => delivered.filter((d) => ['c1', 'c2', 'mut'].includes(d.to)).length === 3 && delivered.filter((d) => d.to === 'r1' || d.to === 'r2').length === 2,
    );
    assert.equal(messageTo('mut'), out);
    const shared = messageTo('c1');
    assert.notEqual(shared, out);
    assert.equal(messageTo('c2'), shared);
    assertCopyUntouched(shared);
    assert.equal(out.payload.voltage, -1, 'the changing node changed its own message');
  });

  test('through link ins: a link in feeding only readers shares one copy with the others like it, the changing node gets the message', async () => {
    await load(
      ['l1', 'mut', 'l2'],
      [{ id: 'l1', type: 'link in', z: 't1', name: 'to c1', links: [], wires: [['c1']] }, { id: 'l2', type: 'link in', z: 't1', name: 'to c2', links: [], wires: [['c2']] }, ...calcsBesideAChange()],
    );
    const out = scan();
    helper.getNode('src').receive({ out });
    await waitFor('the calcs fed through the link ins, two results', () => delivered.filter((d) => d.to === 'r1' || d.to === 'r2').length === 2);
    assert.equal(messageTo('mut'), out);
    const shared = messageTo('l1');
    assert.notEqual(shared, out);
    for (const id of ['l2', 'c1', 'c2']) assert.equal(messageTo(id), shared, id);
    assertCopyUntouched(shared);
  });
});
