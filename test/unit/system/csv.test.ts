import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { CsvSyntaxError, csvField, csvRow, readCsv, writeCsv } from '../../../lib/system/text/csv';

describe('CSV', () => {
  test('what writeCsv writes, readCsv reads back field for field (quotes, commas, line breaks, edge spaces)', () => {
    const rows = [
      ['name', 'note', 'empty'],
      ['plain', 'a, b', ''],
      ['say "hi"', 'line one\nline two', '"'],
      [' leading', 'trailing ', 'crlf\r\ninside'],
      ['', '', ''],
    ];
    const text = writeCsv(rows);
    assert.deepEqual(
      readCsv(text).map((r) => r.fields),
      // a record of empty fields is not a blank line: it has two commas
      rows,
    );
  });

  test('fields are quoted only when they need it', () => {
    assert.equal(csvField('abc'), 'abc');
    assert.equal(csvField('a,b'), '"a,b"');
    assert.equal(csvField('a"b'), '"a""b"');
    assert.equal(csvField(' a'), '" a"');
    assert.equal(csvField('a\n'), '"a\n"');
    assert.equal(csvRow(['x', 'y z', '1,5']), 'x,y z,"1,5"');
  });

  test('records keep the line they start on; blank lines, a BOM and CRLF are taken in stride', () => {
    const text = '\ufeffa,b\r\n\r\n"multi\nline",c\n\nlast,"x"\n';
    assert.deepEqual(readCsv(text), [
      { line: 1, fields: ['a', 'b'] },
      { line: 3, fields: ['multi\nline', 'c'] },
      { line: 6, fields: ['last', 'x'] },
    ]);
  });

  test('spaces around a quoted field are allowed; an unquoted field keeps its spaces and a quote inside it', () => {
    assert.deepEqual(readCsv('a, "b, c" ,d\n')[0].fields, ['a', 'b, c', 'd']);
    assert.deepEqual(readCsv(' x , 5" pipe\n')[0].fields, [' x ', ' 5" pipe']);
  });

  test('an unterminated quote names the line and column it opened at, the field and the record', () => {
    let err: unknown;
    try {
      readCsv('a,b\nc,d,"open\nmore\n');
    } catch (e) {
      err = e;
    }
    assert.ok(err instanceof CsvSyntaxError);
    assert.deepEqual([err.line, err.column, err.field, err.recordLine, err.problem], [2, 5, 2, 2, 'unterminated-quote']);
    assert.equal(err.message, 'CSV line 2, column 5: unterminated quoted field');
  });

  test('text after a closing quote names where it is', () => {
    let caught: unknown;
    try {
      readCsv('x,y\n"a\nb"c,d\n');
    } catch (err) {
      caught = err;
    }
    assert.ok(caught instanceof CsvSyntaxError);
    assert.deepEqual([caught.line, caught.column, caught.field, caught.recordLine, caught.problem], [3, 3, 0, 2, 'text-after-quote']);
    assert.match(caught.message, /^CSV line 3, column 3: unexpected "c" after a closing quote$/);
  });
});
