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
    peer = await startTypedPeer({ transport: 'tcp', units: { 1: { holding: 100, coil: 100 }, 2: { holding: [[0, 4], [50, 1]] } } });
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
    assert.deepEqual(w.requestFromMessage({ topic: 'sp', payload: 21.5 }), { sp: 21.5 });
    assert.deepEqual(w.requestFromMessage({ topic: 'plc/sp', payload: 21.5 }), { sp: 21.5 });
    assert.deepEqual(w.requestFromMessage({ topic: 'ignored', payload: { sp: 1, mode: 2 } }), { sp: 1, mode: 2 });
    assert.throws(() => w.requestFromMessage({ payload: 5 }), /set msg\.topic to a tag name/);
    assert.throws(() => w.requestFromMessage({ topic: 'x', payload: {} }), /names no tag to write/);
  });

  test('validation: every problem is named and nothing is written', async () => {
    await peer.set(1, 'holding', 0, [111, 0, 0, 222]);
    const audit = new AuditLog();
    const w = new TagWriter({ line, unit: 1, device: 'plc', tags, audit });
    await assert.rejects(
      w.write({ sp: 20, mode: 70000, serial: 5, nope: 1, pump: 'on', limit: '3' }, 'test'),
      (e: Error) => {
        assert.ok(e instanceof WriteValidationError);
        assert.deepEqual(e.problems.map((p) => p.tag), ['mode', 'serial', 'nope', 'pump', 'limit']);
        assert.match(e.message, /^nothing written, 5 problems: /);
        assert.match(e.message, /tag 'mode': value 70000 out of range for uint16 \(0\.\.65535\)/);
        assert.match(e.message, /tag 'serial': read-only/);
        assert.match(e.message, /tag 'nope': unknown tag on device 'plc'/);
        assert.match(e.message, /tag 'pump': expected a boolean/);
        assert.match(e.message, /tag 'limit': expected a number for float32, got a string/);
        return true;
      },
    );
    assert.throws(() => w.plan({ sp: 3276.8 }), /tag 'sp': value 3276\.8 out of range for int16 \(-32768\.\.32767\) after inverse scaling \(raw 32768\)/);
    assert.deepEqual(await peer.get(1, 'holding', 0, 4), [111, 0, 0, 222], 'sp was valid but nothing was written');
    assert.equal(audit.recent().length, 0);
  });

  test('encodes with scale and order; contiguous tags go out in one request', async () => {
    const audit = new AuditLog({ file: join(dir, 'audit.jsonl') });
    const w = new TagWriter({ line, unit: 1, device: 'plc', tags, audit, oldValue: (t) => (t === 'sp' ? 11.1 : undefined) });
    const res = await w.write({ mode: 3, sp: -12.5, limit: 1.5, far: 9, pump: true, fan: true, valve: true }, 'flow:f1/node:n1');
    assert.deepEqual(res.tags.sort(), ['fan', 'far', 'limit', 'mode', 'pump', 'sp', 'valve']);
    // holding 0..3 (sp, limit, mode) one FC16; holding 50 one FC6; coils 0..1 one FC15; coil 5 one FC5
    assert.equal(res.requests, 4);
    assert.deepEqual(await peer.get(1, 'holding', 0, 4), [0xff83, 0x0000, 0x3fc0, 3]);
    assert.equal((await peer.decode(1, 'holding', 1, 'float32', 'CDAB')).value, 1.5);
    assert.deepEqual(await peer.get(1, 'holding', 50, 1), [9]);
    assert.deepEqual(await peer.get(1, 'coil', 0, 6), [true, true, false, false, false, true]);
    const sp = res.audit.find((r) => r.tag === 'sp')!;
    assert.deepEqual({ actor: sp.actor, device: sp.device, old: sp.old, new: sp.new, ok: sp.ok }, { actor: 'flow:f1/node:n1', device: 'plc', old: 11.1, new: -12.5, ok: true });
    const lines = readFileSync(join(dir, 'audit.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
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
    assert.deepEqual(audit.recent().map((r) => [r.tag, r.ok]), [['sp', true], ['hole', false], ['far', false]]);
    assert.match(audit.recent()[1].error!, /illegal data address/);
  });
});
