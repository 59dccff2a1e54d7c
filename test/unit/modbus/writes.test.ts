// TagWriter against pymodbus over TCP: validation before anything is written, encoding with the
// tag's type/order/scale, contiguous tags merged into one request, failures named, audit.
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AuditLog } from '../../../lib/audit/audit-log';
import { createModbusLine } from '../../../lib/modbus/line/line';
import type { ModbusLine } from '../../../lib/modbus/line/types';
import { parseTagTableCsv } from '../../../lib/modbus/tag-table';
import { TagWriter, WriteError, WriteValidationError } from '../../../lib/modbus/writes';
import { TagWriteQueue } from '../../../lib/modbus/write-queue';
import { ModbusQueueFullError } from '../../../lib/modbus/errors';
import { metricsRegistry } from '../../../lib/metrics/registry';
import { needPeers, PEER } from '../../helpers/peers';
import { startTypedPeer, type TypedPeer } from '../../helpers/modbus-typed-peer';

const TABLE = `name,area,address,type,order,scale,offset,unit,access
sp,holding,0,int16,,0.1,,°C,rw
limit,holding,1,float32,CDAB,,,,rw
mode,holding,3,uint16,,,,,rw
serial,holding,10,uint32,,,,,r
far,holding,50,uint16,,,,,rw
pump,coil,0,bool,,,,,rw
fan,coil,1,bool,,,,,rw
valve,coil,5,bool,,,,,rw
hole,holding,4,uint16,,,,,rw
`;

describe('TagWriter', needPeers(PEER.pymodbus()), () => {
  let peer: TypedPeer;
  let line: ModbusLine;
  let dir: string;
  before(async () => {
    peer = await startTypedPeer({
      transport: 'tcp',
      units: {
        1: { holding: 100, coil: 100 },
        2: {
          holding: [
            [0, 4],
            [50, 1],
          ],
        },
      },
    });
    line = createModbusLine({ transport: { kind: 'tcp', host: '127.0.0.1', port: peer.port! }, timeoutMs: 1000 });
    dir = mkdtempSync(join(tmpdir(), 'edgegw-writes-'));
  });
  after(async () => {
    await line?.close();
    await peer?.stop();
    rmSync(dir, { recursive: true, force: true });
  });
  const tags = parseTagTableCsv(TABLE);

  test('messages: topic + payload, payload object, "<device>/<tag>" topics; bad shapes are named', () => {
    const w = new TagWriter({ line, unit: 1, device: 'plc', tags });
    assert.deepEqual(w.requestFromMessage({ topic: 'sp', payload: 21.5 }), new Map([['sp', 21.5]]));
    assert.deepEqual(w.requestFromMessage({ topic: 'plc/sp', payload: 21.5 }), new Map([['sp', 21.5]]));
    assert.deepEqual(
      w.requestFromMessage({ topic: 'ignored', payload: { sp: 1, mode: 2 } }),
      new Map<string, unknown>([
        ['sp', 1],
        ['mode', 2],
      ]),
    );
    // a key that is an Object property stays data: it is an unknown tag, not a lost key
    const proto = w.requestFromMessage({ payload: JSON.parse('{"__proto__": 5}') });
    assert.deepEqual([...proto.keys()], ['__proto__']);
    assert.throws(() => w.plan(proto), /tag '__proto__': unknown tag on device 'plc'/);
    const many = Object.fromEntries(Array.from({ length: 50 }, (_, i) => [`k${i}`, i]));
    assert.throws(() => w.requestFromMessage({ payload: many }), /the payload object has 50 keys; device 'plc' has 9 tags/);
    assert.throws(() => w.requestFromMessage({ payload: 5 }), /set msg\.topic to a tag name/);
    assert.throws(() => w.requestFromMessage({ topic: 'x', payload: {} }), /names no tag to write/);
  });

  test('validation: every problem is named and nothing is written', async () => {
    await peer.set(1, 'holding', 0, [111, 0, 0, 222]);
    const audit = new AuditLog();
    const w = new TagWriter({ line, unit: 1, device: 'plc', tags, audit });
    await assert.rejects(w.write({ sp: 20, mode: 70000, serial: 5, nope: 1, pump: 'on', limit: '0x3' }, 'test'), (e: Error) => {
      assert.ok(e instanceof WriteValidationError);
      assert.deepEqual(
        e.problems.map((p) => p.tag),
        ['mode', 'serial', 'nope', 'pump', 'limit'],
      );
      assert.match(e.message, /^nothing written, 5 problems: /);
      assert.match(e.message, /tag 'mode': value 70000 out of range for uint16 \(0\.\.65535\)/);
      assert.match(e.message, /tag 'serial': read-only/);
      assert.match(e.message, /tag 'nope': unknown tag on device 'plc'/);
      assert.match(e.message, /tag 'pump': expected a boolean/);
      assert.match(e.message, /tag 'limit': "0x3" is not a decimal number/);
      return true;
    });
    assert.throws(() => w.plan({ sp: 3276.8 }), /tag 'sp': value 3276\.8 out of range for int16 \(-32768\.\.32767\) after inverse scaling \(raw 32768\)/);
    assert.deepEqual(await peer.get(1, 'holding', 0, 4), [111, 0, 0, 222], 'sp was valid but nothing was written');
    assert.equal(audit.recent().length, 0);
  });

  test('encodes with scale and order; contiguous tags go out in one request', async () => {
    const audit = new AuditLog({ file: join(dir, 'audit.jsonl') });
    const w = new TagWriter({ line, unit: 1, device: 'plc', tags, audit, oldValue: (t) => (t === 'sp' ? 11.1 : undefined) });
    const res = await w.write({ mode: 3, sp: -12.5, limit: 1.5, far: 9, pump: true, fan: true, valve: true }, 'flow:f1/node:n1');
    assert.deepEqual(res.tags.sort(), ['fan', 'far', 'limit', 'mode', 'pump', 'sp', 'valve']);
    // holding 0..3 (sp, limit, mode) one FC16; holding 50 one FC6; coils 0..1 one FC15; coil 5 one
    // FC5: each read just before it is written (the audit's old values)
    assert.equal(res.requests, 8);
    assert.equal(res.writeRequests, 4);
    assert.deepEqual(await peer.get(1, 'holding', 0, 4), [0xff83, 0x0000, 0x3fc0, 3]);
    assert.equal((await peer.decode(1, 'holding', 1, 'float32', 'CDAB')).value, 1.5);
    assert.deepEqual(await peer.get(1, 'holding', 50, 1), [9]);
    assert.deepEqual(await peer.get(1, 'coil', 0, 6), [true, true, false, false, false, true]);
    const sp = res.audit.find((r) => r.tag === 'sp')!;
    assert.deepEqual(
      { actor: sp.actor, device: sp.device, old: sp.old, oldSource: sp.oldSource, new: sp.new, ok: sp.ok },
      { actor: 'flow:f1/node:n1', device: 'plc', old: 11.1, oldSource: 'read', new: -12.5, ok: true },
    );
    const lines = readFileSync(join(dir, 'audit.jsonl'), 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    assert.equal(lines.length, 7);
    assert.ok(lines.every((l) => l.ok === true && l.device === 'plc' && typeof l.ts === 'number'));
  });

  test('tags sharing a register in one request are refused', () => {
    const overlapping = parseTagTableCsv('name,area,address,type,access\nwide,holding,0,uint32,rw\nnarrow,holding,1,uint16,rw\nb0,holding,5,bit:0,rw\nb1,holding,5,bit:1,rw\n');
    const w = new TagWriter({ line, unit: 1, device: 'plc', tags: overlapping });
    assert.throws(() => w.plan({ wide: 1, narrow: 2 }), /tag 'narrow': shares holding 1 with tag 'wide'/);
    assert.equal(w.plan({ b0: true, b1: false }).blocks.length, 1, 'bits of one register are one read-modify-write');
  });

  test('a failing request names its tags, what was written and what was not', async () => {
    const audit = new AuditLog();
    const w = new TagWriter({ line, unit: 2, device: 'meter', tags, audit });
    await assert.rejects(w.write({ sp: 1, hole: 5, far: 7 }, 'cli:test'), (e: Error) => {
      assert.ok(e instanceof WriteError);
      assert.match(e.message, /^write of 'hole' \(unit 2 holding 4\.\.4\) failed: Modbus exception 2 \(illegal data address\)/);
      assert.match(e.message, /already written: 'sp'/);
      assert.match(e.message, /not written: 'far'/);
      return true;
    });
    assert.deepEqual(
      audit.recent().map((r) => [r.tag, r.ok]),
      [
        ['sp', true],
        ['hole', false],
        ['far', false],
      ],
    );
    assert.match(audit.recent()[1].error!, /illegal data address/);
  });

  test('the audit records what the device holds after encoding, and the value read just before the write', async () => {
    const table = parseTagTableCsv(
      'name,area,address,type,order,scale,offset,unit,access\nsp,holding,20,int16,,0.1,,,rw\ntiny,holding,22,float32,,,,,rw\npump,coil,10,bool,,,,,rw\nwo,holding,30,uint16,,,,,rw\n',
    );
    await peer.set(1, 'holding', 20, [100]);
    const audit = new AuditLog();
    const w = new TagWriter({ line, unit: 1, device: 'plc', tags: table, audit, oldValue: () => 'stale cache' });
    const res = await w.write({ sp: 21.55, tiny: 1e-300, pump: 1 }, 'test');
    const by = new Map(res.audit.map((r) => [r.tag, r]));
    assert.deepEqual([by.get('sp')!.old, by.get('sp')!.new, by.get('sp')!.requested], [10, 21.6, 21.55]);
    assert.deepEqual([by.get('tiny')!.new, by.get('tiny')!.requested], [0, 1e-300]);
    assert.deepEqual([by.get('pump')!.new, by.get('pump')!.requested], [true, 1]);
    assert.ok(res.audit.every((r) => r.oldSource === 'read' && r.outcome === 'written'));
    // back to back: each write's old is the previous write's new, never a cached value
    const a = w.write({ sp: 1 }, 'a');
    const b = w.write({ sp: 2 }, 'b');
    const [ra, rb] = await Promise.all([a, b]);
    assert.equal(ra.audit[0].old, 21.6);
    assert.equal(rb.audit[0].old, 1);
    assert.equal(rb.audit[0].new, 2);
  });

  test('a burst of commands: queued writes of a tag collapse to the latest, every command gets an outcome', async () => {
    const audit = new AuditLog({ ringSize: 5000 });
    const w = new TagWriter({ line, unit: 1, device: 'plc', tags, audit });
    const q = new TagWriteQueue(w, { device: 'plc', audit });
    const before = line.state().units[1]?.requests ?? 0;
    const outcomes = await Promise.all(Array.from({ length: 2000 }, (_, i) => q.submit(new Map([['sp', Math.round(i) / 10]]), `cmd${i}`)));
    const written = outcomes.filter((o) => o.outcome === 'written');
    const superseded = outcomes.filter((o) => o.outcome === 'superseded');
    assert.equal(written.length + superseded.length, 2000);
    assert.ok(written.length >= 2 && written.length <= 3, `the first goes out at once, the latest after it: ${written.length} written`);
    assert.equal(outcomes[1999].outcome, 'written', 'the last command is always written');
    assert.deepEqual(await peer.get(1, 'holding', 0, 1), [1999]);
    const sent = (line.state().units[1]?.requests ?? 0) - before;
    assert.ok(sent <= 6, `at most a read and a write per written command, got ${sent} requests`);
    assert.equal(audit.recent().filter((r) => r.outcome === 'superseded').length, superseded.length);
    // a multi-tag command keeps the tags nobody replaced
    const first = q.submit(new Map<string, unknown>([['sp', 1]]), 'x');
    const partial = q.submit(
      new Map<string, unknown>([
        ['sp', 2],
        ['mode', 7],
      ]),
      'y',
    );
    const later = q.submit(new Map<string, unknown>([['sp', 3]]), 'z');
    const [o1, o2, o3] = await Promise.all([first, partial, later]);
    assert.equal(o1.outcome, 'written');
    assert.ok(o2.outcome === 'written' && o2.superseded.join() === 'sp' && o2.result.tags.join() === 'mode');
    assert.equal(o3.outcome, 'written');
    const regs = await peer.get(1, 'holding', 0, 4);
    assert.deepEqual([regs[0], regs[3]], [30, 7]);
    assert.throws(() => q.submit(new Map([['serial', 1]]), 'r'), WriteValidationError);
  });

  test('a full request queue is its own error kind, not a connection error', async () => {
    const small = createModbusLine({ name: 'queue-full-test', transport: { kind: 'tcp', host: '127.0.0.1', port: peer.port! }, timeoutMs: 1000, maxQueuedPerUnit: 2, maxInFlight: 1 });
    try {
      const results = await Promise.allSettled(Array.from({ length: 10 }, () => small.read(1, 'holding', 0, 1)));
      const refused = results.filter((r) => r.status === 'rejected').map((r) => r.reason as Error);
      assert.ok(refused.length >= 5);
      assert.ok(refused.every((e) => e instanceof ModbusQueueFullError && /request queue of unit 1 is full \(2\)/.test(e.message)));
      const metric = await metricsRegistry().getSingleMetric('edgegw_modbus_errors_total')!.get();
      const kinds = metric.values.filter((v) => v.labels.line === 'queue-full-test').map((v) => [v.labels.kind, v.value]);
      assert.deepEqual(kinds, [['queue_full', refused.length]]);
    } finally {
      await small.close();
    }
  });
});
