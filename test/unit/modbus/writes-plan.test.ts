// TagWriter.plan() without a line: the writer keeps a codec only for the tags it can write (rw in
// a coil or holding area); a read-only tag, one in an area that cannot be written and an unknown
// one are refused as before, the writable ones encoded with their type, order and scale, and a
// table with a type no codec reads still fails when the writer is made.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseTagTableCsv } from '../../../lib/modbus/tag-table';
import { TagWriter, WriteValidationError } from '../../../lib/modbus/writes';
import type { TagDef } from '../../../lib/modbus/types';

const TABLE = `name,area,address,type,order,scale,offset,unit,access
sp,holding,0,int16,,0.1,,°C,rw
limit,holding,1,float32,CDAB,,,,rw
serial,holding,10,uint32,,,,,r
flag,holding,4,bit:3,,,,,rw
pump,coil,0,bool,,,,,rw
alarm,discrete,0,bool,,,,,r
`;

const line = {
  read: () => Promise.reject(new Error('plan() reads nothing')),
  write: () => Promise.reject(new Error('plan() writes nothing')),
};

test('plan(): writable tags encoded, read-only, input-area and unknown tags refused by name', () => {
  // the tag table refuses rw on input registers; a writer given tags by code can still meet one
  const level: TagDef = { name: 'level', area: 'input', address: 3, type: 'uint16', order: 'ABCD', scale: 1, offset: 0, access: 'rw' };
  const tags = parseTagTableCsv(TABLE);
  tags.splice(3, 0, level);
  const w = new TagWriter({ line, unit: 1, device: 'plc', tags });
  assert.deepEqual(
    w.writableTags().map((t) => t.name),
    ['sp', 'limit', 'flag', 'pump'],
  );
  const plan = w.plan({ sp: 21.5, limit: 1.5, pump: true, flag: true });
  assert.deepEqual(
    plan.entries.map((e) => [e.tag.name, e.data]),
    [
      ['sp', [215]],
      ['limit', [0, 0x3fc0]],
      ['pump', [true]],
      ['flag', []],
    ],
  );
  assert.throws(
    () => w.plan({ serial: 1, level: 2, alarm: true, nope: 3, sp: 'x' }),
    (e: Error) => {
      assert.ok(e instanceof WriteValidationError);
      assert.deepEqual(
        e.problems.map((p) => [p.tag, p.reason]),
        [
          ['serial', "read-only (access 'r' in the tag table)"],
          ['level', 'input area cannot be written'],
          ['alarm', "read-only (access 'r' in the tag table)"],
          ['nope', "unknown tag on device 'plc'"],
          ['sp', e.problems[4].reason],
        ],
      );
      assert.match(e.problems[4].reason, /"x"/);
      return true;
    },
  );
});

test('a tag of a type no codec reads fails when the writer is made, read-only or not', () => {
  for (const access of ['r', 'rw'] as const) {
    const tags: TagDef[] = [{ name: 'odd', area: 'holding', address: 0, type: 'uint12' as TagDef['type'], order: 'ABCD', scale: 1, offset: 0, access }];
    assert.throws(() => new TagWriter({ line, unit: 1, device: 'plc', tags }), /tag 'odd': unknown type 'uint12'/);
  }
});
