// What a device offers to write (the dashboard's Controls page lists it): exactly the tags its
// writer's plan() accepts, access rw in a writable area, in the tag table's order.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { ModbusLine } from '../../../lib/modbus/line/types';
import { parseTagTableCsv } from '../../../lib/modbus/tag-table';
import { TagWriter, WriteValidationError } from '../../../lib/modbus/writes';

const TABLE = `name,area,address,type,order,scale,offset,unit,access
temp,input,0,int16,,0.1,,degC,r
sp,holding,0,int16,,0.1,,degC,rw
serial,holding,10,uint32,,,,,r
pump,coil,0,bool,,,,,rw
alarm,discrete,0,bool,,,,,r
`;

test('the writable tags are those plan() accepts, in the table order, with type and unit', () => {
  // nothing is sent: only the plan is made, so the line is never used
  const writer = new TagWriter({ line: {} as ModbusLine, unit: 1, device: 'plc', tags: parseTagTableCsv(TABLE) });
  const writable = writer.writableTags();
  assert.deepEqual(writable, [
    { name: 'sp', type: 'int16', unit: 'degC' },
    { name: 'pump', type: 'bool' },
  ]);
  for (const t of writable) assert.doesNotThrow(() => writer.plan({ [t.name]: t.type === 'bool' ? true : 20 }), t.name);
  for (const name of ['temp', 'serial', 'alarm']) assert.throws(() => writer.plan({ [name]: 1 }), WriteValidationError, name);
});
