// The modbus-device dialog's tag table (editor/components/tag-table/table-text.ts): CSV text and
// the grid's rows are two views of one table, and the dialog's errors are lib's, naming the line
// (or, in the grid, the row), the tag and the field.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { rowProblems, tableProblem, tableRows, tableText, type TableRow } from '../../../editor/components/tag-table/table-text';
import { readTagTableCsv } from '../../../lib/modbus/tag-table';

const TABLE = [
  'name,area,address,type,order,scale,offset,unit,access,group,deadband,description',
  '# pumps',
  'flow,holding,0,float32,CDAB,0.1,0,m3/h,r,fast,0.5,"Flow, outlet"',
  '',
  'running,coil,3,,,,,,rw,,,',
  'label,input,10,string:8,,,,,,,,"says ""hi"""',
  '',
].join('\n');

test('CSV text read into rows writes back as the same table', () => {
  const read = tableRows(TABLE, { notation: 'zero' });
  assert.ok('rows' in read);
  // comment and blank lines are no rows; each row keeps the line it is on
  assert.deepEqual(
    read.rows.map((r) => r.line),
    [3, 5, 6],
  );
  assert.deepEqual(read.rows[0].cells, {
    name: 'flow',
    area: 'holding',
    address: '0',
    type: 'float32',
    order: 'CDAB',
    scale: '0.1',
    offset: '0',
    unit: 'm3/h',
    access: 'r',
    group: 'fast',
    deadband: '0.5',
    description: 'Flow, outlet',
  });
  assert.equal(read.rows[2].cells.description, 'says "hi"');
  const text = tableText(read.rows.map((r) => r.cells));
  assert.equal(text.split('\n')[0], 'name,area,address,type,order,scale,offset,unit,access,group,deadband,description');
  const again = tableRows(text, { notation: 'zero' });
  assert.ok('rows' in again);
  assert.deepEqual(
    again.rows.map((r) => r.cells),
    read.rows.map((r) => r.cells),
  );
  // lib reads the written table as the same tags
  assert.deepEqual(readTagTableCsv(text, { groups: ['fast'] }).tags, readTagTableCsv(TABLE, { groups: ['fast'] }).tags);
});

test('the text of rows has the header columns always, an optional column only when a row uses it', () => {
  const rows: TableRow[] = [{ name: 'a', area: 'holding', address: '1', type: 'uint16' }];
  assert.equal(tableText(rows), 'name,area,address,type,order,scale,offset,unit,access,group\na,holding,1,uint16,,,,,,\n');
  assert.equal(tableText([...rows, { name: 'b', description: 'x' }]).split('\n')[0], 'name,area,address,type,order,scale,offset,unit,access,group,description');
  assert.equal(tableText([]), 'name,area,address,type,order,scale,offset,unit,access,group\n');
});

test('a table whose shape is broken stays out of the grid, with the line and field of the problem', () => {
  const header = tableRows('name,area,address,type,colour\nx,holding,1,uint16,red\n', {});
  assert.ok('error' in header);
  assert.equal(header.error.line, 1);
  assert.equal(header.error.field, 'colour');
  assert.match(header.error.message, /^line 1, field 'colour': unknown column/);
  const quote = tableRows('name,area,address,type\n"x,holding,1,uint16\n', {});
  assert.ok('error' in quote);
  assert.equal(quote.error.line, 2);
  assert.match(quote.error.message, /^line 2, field '\(csv\)': column 1: unterminated quoted field/);
  // bad cells do not keep a row out: the grid marks them
  const cells = tableRows('name,area,address,type\nx,attic,1,uint16\n', {});
  assert.ok('rows' in cells && cells.rows.length === 1);
});

test("the dialog's check of the saved table gives lib's first error, naming line, tag and field", () => {
  assert.equal(tableProblem(TABLE, { notation: 'zero', groups: ['fast'] }), null);
  assert.equal(tableProblem('', {}), 'the tag table is empty');
  assert.equal(tableProblem('name,area,address,type\n', {}), 'the tag table is empty');
  assert.equal(
    tableProblem('name,area,address,type\nt1,holding,1,uint16\nt2,holding,2,float\n', {}),
    "line 3, tag 't2', field 'type': 'float' is not a type (bool, bit:0..15, int16, uint16, int32, uint32, int64, uint64, float32, float64, string:1..125)",
  );
  assert.equal(tableProblem(TABLE, { notation: 'zero', groups: ['slow'] }), "line 3, tag 'flow', field 'group': no poll group named 'fast' (the device has 'slow')");
  // groups not known (a node without them): any group passes; entries that are no names are ignored
  assert.equal(tableProblem(TABLE, { notation: 'zero', groups: null }), null);
  assert.equal(tableProblem(TABLE, { notation: 'zero', groups: ['fast', undefined] }), null);
  // the notation counts: a Modicon address implies its area
  assert.equal(tableProblem('name,address,type\nt,40001,uint16\n', { notation: 'modicon' }), null);
  assert.equal(tableProblem('name,address,type\nt,40001,uint16\n', { notation: 'zero' }), "line 1, field 'area': the header lacks this column");
  // more errors are counted; JSON tables follow the same rules, by entry
  assert.equal(tableProblem('name,area,address,type\n,holding,1,uint16\nx,holding,a,uint16\n', {}), "line 2, field 'name': a tag needs a name (and 1 more error)");
  assert.equal(tableProblem('[{"name":"j","area":"input","address":1,"type":"uint16","access":"rw"}]', {}), "entry 1, tag 'j', field 'access': input registers are read-only: access must be r");
  assert.match(tableProblem('[{', {}) ?? '', /^field '\(json\)': not valid JSON/);
});

test("the grid's rows carry their own errors, by field", () => {
  const rows: TableRow[] = [
    { name: 'a', area: 'holding', address: '1', type: 'uint16' },
    { name: 'b', area: 'attic', address: '2', type: 'uint16', scale: '0' },
    { name: 'a', area: 'holding', address: '3', type: 'uint16' },
    { name: 'c', area: 'holding', address: '4', type: 'uint16', group: 'slow' },
  ];
  const problems = rowProblems(rows, { notation: 'zero', groups: ['default'] });
  assert.equal(problems.length, 4);
  assert.deepEqual(problems[0], []);
  assert.deepEqual(
    problems[1].map((e) => [e.field, e.reason]),
    [
      ['area', "'attic' is not an area (coil, discrete, holding or input)"],
      ['scale', 'scale 0 would make every value equal to the offset (and writes impossible)'],
    ],
  );
  // a duplicate names the table's line of the first (the CSV view's line numbers)
  assert.deepEqual(
    problems[2].map((e) => [e.field, e.reason]),
    [['name', 'duplicate tag name (first defined on line 2)']],
  );
  assert.deepEqual(
    problems[3].map((e) => e.field),
    ['group'],
  );
  assert.deepEqual(rowProblems([], {}), []);
});
