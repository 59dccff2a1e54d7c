import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import {
  formatAddress,
  parseAddress,
  parseTagTable,
  parseTagTableCsv,
  parseTagTableJson,
  readTagTableCsv,
  readTagTableJson,
  serializeTagTableCsv,
  serializeTagTableJson,
  TagConfigError,
  TagTableError,
  NOTATIONS,
} from '../../../lib/modbus/tag-table';
import { listTemplates, loadTemplate, templateNames, TemplateNotFoundError } from '../../../lib/modbus/templates';
import type { TagDef } from '../../../lib/modbus/types';

const HEADER = 'name,area,address,type,order,scale,offset,unit,access,group';

function firstError(csv: string, opts = {}): TagConfigError {
  const r = readTagTableCsv(csv, opts);
  assert.ok(r.errors.length > 0, 'expected an error');
  return r.errors[0];
}

describe('tag table CSV', () => {
  test('parses a table; empty cells take defaults; quotes, CRLF, BOM and comments work', () => {
    const csv =
      '\ufeff' +
      HEADER +
      ',description\r\n' +
      '# a comment line\r\n' +
      'temp,holding,10,int16,,0.1,-40,°C,rw,fast,"Boiler temperature, outlet"\r\n' +
      '\r\n' +
      'run,coil,3,,,,,,rw,,\r\n' +
      '"name ""x""",input,0,float32,CDAB,,,kW,,,"two\nlines"\n';
    const tags = parseTagTableCsv(csv);
    assert.equal(tags.length, 3);
    assert.deepEqual(tags[0], {
      name: 'temp',
      area: 'holding',
      address: 10,
      type: 'int16',
      order: 'ABCD',
      scale: 0.1,
      offset: -40,
      unit: '°C',
      access: 'rw',
      group: 'fast',
      description: 'Boiler temperature, outlet',
    });
    assert.deepEqual(tags[1], { name: 'run', area: 'coil', address: 3, type: 'bool', order: 'ABCD', scale: 1, offset: 0, access: 'rw' });
    assert.equal(tags[2].name, 'name "x"');
    assert.equal(tags[2].order, 'CDAB');
    assert.equal(tags[2].access, 'r');
    assert.equal(tags[2].description, 'two\nlines');
  });

  test('columns may come in any order; deadband is an optional column', () => {
    const tags = parseTagTableCsv('type,address,area,name,deadband\nuint16,5,holding,a,0.5\n');
    assert.deepEqual(tags[0], { name: 'a', area: 'holding', address: 5, type: 'uint16', order: 'ABCD', scale: 1, offset: 0, access: 'r', deadband: 0.5 });
  });

  const cases: Array<[string, string, { line: number; tag?: string; field: string; re: RegExp }]> = [
    ['unknown type', `${HEADER}\na,holding,0,uint16\nb,holding,1,flot32\n`, { line: 3, tag: 'b', field: 'type', re: /'flot32' is not a type/ }],
    ['bad area', `${HEADER}\na,holdings,0,uint16\n`, { line: 2, tag: 'a', field: 'area', re: /'holdings' is not an area/ }],
    ['bad address', `${HEADER}\na,holding,-3,uint16\n`, { line: 2, tag: 'a', field: 'address', re: /not a whole number/ }],
    ['address too high', `${HEADER}\na,holding,65535,uint32\n`, { line: 2, tag: 'a', field: 'address', re: /runs past the last address 65535/ }],
    ['bad order', `${HEADER}\na,holding,0,uint32,ABDC\n`, { line: 2, tag: 'a', field: 'order', re: /'ABDC' is not an order/ }],
    ['bad scale', `${HEADER}\na,holding,0,uint16,,x\n`, { line: 2, tag: 'a', field: 'scale', re: /'x' is not a number/ }],
    ['zero scale', `${HEADER}\na,holding,0,uint16,,0\n`, { line: 2, tag: 'a', field: 'scale', re: /scale 0/ }],
    ['bad access', `${HEADER}\na,holding,0,uint16,,,,,w\n`, { line: 2, tag: 'a', field: 'access', re: /'w' is not an access/ }],
    ['rw on input register', `${HEADER}\na,input,0,uint16,,,,,rw\n`, { line: 2, tag: 'a', field: 'access', re: /read-only/ }],
    ['non-bool coil', `${HEADER}\na,coil,0,uint16\n`, { line: 2, tag: 'a', field: 'type', re: /must be bool/ }],
    ['missing type on register', `${HEADER}\na,holding,0,\n`, { line: 2, tag: 'a', field: 'type', re: /a type is required/ }],
    ['missing name', `${HEADER}\n,holding,0,uint16\n`, { line: 2, field: 'name', re: /needs a name/ }],
    ['bit out of range', `${HEADER}\na,holding,0,bit:16\n`, { line: 2, tag: 'a', field: 'type', re: /'bit:16' is not a type/ }],
    ['duplicate name', `${HEADER}\na,holding,0,uint16\nb,holding,1,uint16\na,holding,2,uint16\n`, { line: 4, tag: 'a', field: 'name', re: /duplicate tag name \(first defined on line 2\)/ }],
    ['unknown column', 'name,area,address,type,colour\na,holding,0,uint16,red\n', { line: 1, field: 'colour', re: /unknown column/ }],
    ['missing column', 'name,area,address\na,holding,0\n', { line: 1, field: 'type', re: /lacks this column/ }],
    ['no header', 'a,holding,0,uint16\n', { line: 1, field: '(header)', re: /first line must be the header/ }],
    ['too many cells', `${HEADER}\na,holding,0,uint16,ABCD,1,0,V,r,fast,extra\n`, { line: 2, tag: 'a', field: '(columns)', re: /11 cells but the header has 10 columns/ }],
    ['unterminated quote', `${HEADER}\na,holding,0,uint16\n"b,holding,1,uint16\n`, { line: 3, field: '(csv)', re: /unterminated quoted field/ }],
  ];
  for (const [what, csv, want] of cases) {
    test(`error names line, tag and field: ${what}`, () => {
      const e = firstError(csv);
      assert.equal(e.line, want.line);
      assert.equal(e.tag, want.tag);
      assert.equal(e.field, want.field);
      assert.match(e.message, want.re);
      assert.match(e.message, new RegExp(`^line ${want.line}, ${want.tag ? `tag '${want.tag}', ` : ''}field '${want.field.replace(/[()]/g, '\\$&')}'`));
    });
  }

  test('all errors are collected; parse throws the first with the count', () => {
    const csv = `${HEADER}\na,holding,0,flot\nb,holdin,1,uint16\nc,holding,2,uint16\n`;
    const r = readTagTableCsv(csv);
    assert.equal(r.errors.length, 2);
    assert.deepEqual(
      r.tags.map((t) => t.name),
      ['c'],
    );
    assert.throws(
      () => parseTagTableCsv(csv),
      (e: Error) => e instanceof TagTableError && e.errors.length === 2 && /line 2, tag 'a', field 'type'.*\(and 1 more error\)/.test(e.message),
    );
  });

  test('names that are properties of every object (__proto__, constructor, prototype) are refused, naming line and field', () => {
    const csv = `${HEADER}\n__proto__,holding,0,uint16\nok,holding,1,uint16\nconstructor,holding,2,uint16\n`;
    const r = readTagTableCsv(csv);
    assert.deepEqual(
      r.tags.map((t) => t.name),
      ['ok'],
    );
    assert.equal(r.errors.length, 2);
    assert.match(r.errors[0].message, /^line 2, tag '__proto__', field 'name': '__proto__' is reserved/);
    assert.match(r.errors[1].message, /^line 4, tag 'constructor', field 'name': 'constructor' is reserved/);
    const json = readTagTableJson('[{"name":"prototype","area":"holding","address":0,"type":"uint16"}]');
    assert.match(json.errors[0].message, /^entry 1, tag 'prototype', field 'name': 'prototype' is reserved/);
    // JSON.parse makes "__proto__" an own key: it must be refused too, not silently lost
    const proto = readTagTableJson('[{"name":"__proto__","area":"holding","address":0,"type":"uint16"}]');
    assert.match(proto.errors[0].message, /field 'name': '__proto__' is reserved/);
  });

  test('poll groups are checked when the device names its groups', () => {
    const e = firstError(`${HEADER}\na,holding,0,uint16,,,,,,slow\n`, { groups: ['fast'] });
    assert.equal(e.field, 'group');
    assert.match(e.message, /line 2, tag 'a', field 'group': no poll group named 'slow' \(the device has 'fast'\)/);
  });

  test('a 500-tag table parses in one pass and round-trips', () => {
    const lines = [HEADER];
    for (let i = 0; i < 500; i++) lines.push(`t${i},${i % 2 ? 'input' : 'holding'},${i * 2},float32,CDAB,0.5,1,V,${i % 2 ? 'r' : 'rw'},g${i % 3}`);
    const tags = parseTagTableCsv(lines.join('\n'));
    assert.equal(tags.length, 500);
    assert.equal(tags[499].address, 998);
    assert.deepEqual(parseTagTableCsv(serializeTagTableCsv(tags)), tags);
  });
});

describe('address notations', () => {
  test('1-based and Modicon input become 0-based', () => {
    assert.deepEqual(parseAddress('1', 'one'), { address: 0 });
    assert.deepEqual(parseAddress('40001', 'modicon'), { area: 'holding', address: 0 });
    assert.deepEqual(parseAddress('30100', 'modicon'), { area: 'input', address: 99 });
    assert.deepEqual(parseAddress('10001', 'modicon'), { area: 'discrete', address: 0 });
    assert.deepEqual(parseAddress('00017', 'modicon'), { area: 'coil', address: 16 });
    assert.deepEqual(parseAddress('464513', 'modicon'), { area: 'holding', address: 0xfc00 });
    assert.match(parseAddress('0', 'one') as string, /outside 1\.\.65536/);
    assert.match(parseAddress('40000', 'modicon') as string, /start at 1/);
    assert.match(parseAddress('50001', 'modicon') as string, /prefix 5/);
  });

  test('Modicon tables may leave the area out; a contradicting area is an error', () => {
    const tags = parseTagTableCsv('name,address,type\nv,30001,float32\nsp,40010,uint16\n', { notation: 'modicon' });
    assert.deepEqual(
      tags.map((t) => [t.area, t.address]),
      [
        ['input', 0],
        ['holding', 9],
      ],
    );
    const e = firstError(`${HEADER}\nv,input,40001,float32\n`, { notation: 'modicon' });
    assert.equal(e.field, 'address');
    assert.match(e.message, /in the holding area, but the area column says input/);
  });

  test('serialize in every notation and read back the same tags', () => {
    const tags: TagDef[] = [
      { name: 'c', area: 'coil', address: 0, type: 'bool', order: 'ABCD', scale: 1, offset: 0, access: 'rw' },
      { name: 'd', area: 'discrete', address: 9998, type: 'bool', order: 'ABCD', scale: 1, offset: 0, access: 'r' },
      { name: 'h', area: 'holding', address: 0xfc00, type: 'uint32', order: 'DCBA', scale: 2, offset: 1, access: 'rw', unit: 'x, y', group: 'g', deadband: 3 },
      { name: 'i', area: 'input', address: 12345, type: 'string:4', order: 'BADC', scale: 1, offset: 0, access: 'r' },
    ];
    for (const notation of NOTATIONS) {
      assert.deepEqual(parseTagTableCsv(serializeTagTableCsv(tags, { notation }), { notation }), tags, `csv ${notation}`);
      assert.deepEqual(parseTagTableJson(serializeTagTableJson(tags, { notation }), { notation }), tags, `json ${notation}`);
      assert.deepEqual(parseTagTable(serializeTagTableJson(tags, { notation }), { notation }), tags, `auto ${notation}`);
    }
    assert.equal(formatAddress('holding', 0xfc00, 'modicon'), '464513');
    assert.equal(formatAddress('coil', 5, 'modicon'), '00006');
  });
});

describe('tag table JSON', () => {
  test('array or {tags}, errors name the entry, tag and field', () => {
    assert.equal(parseTagTableJson({ tags: [{ name: 'a', area: 'holding', address: 1, type: 'int32' }] })[0].address, 1);
    const r = readTagTableJson('[{"name":"a","area":"holding","address":1,"type":"int32","colour":"red"},{"name":"b","area":"input","address":"x","type":"uint16"}]');
    assert.equal(r.errors.length, 2);
    assert.equal(r.errors[0].entry, 1);
    assert.match(r.errors[0].message, /^entry 1, tag 'a', field 'colour': unknown field/);
    assert.match(r.errors[1].message, /^entry 2, tag 'b', field 'address': 'x' is not a whole number/);
    assert.match(readTagTableJson('{"tags": 3}').errors[0].message, /expected an array of tags/);
    assert.match(readTagTableJson('[1,').errors[0].message, /not valid JSON/);
  });
});

describe('device templates', () => {
  test('ship at least two real devices, each citing its source', () => {
    const list = listTemplates();
    assert.ok(list.length >= 2);
    for (const t of list) {
      assert.match(t.source, /Modbus Protocol/);
      assert.ok(t.tags > 10, `${t.name} has tags`);
    }
    assert.deepEqual(templateNames().slice(0, 2), ['eastron-sdm120', 'eastron-sdm630']);
  });

  test('SDM630: published addresses become 0-based input/holding registers, float32 ABCD', () => {
    const t = loadTemplate('eastron-sdm630');
    const byName = new Map(t.tags.map((x) => [x.name, x]));
    const expect: Array<[string, string, number]> = [
      ['l1_voltage', 'input', 0x0000],
      ['l3_current', 'input', 0x000a],
      ['total_power', 'input', 0x0034],
      ['frequency', 'input', 0x0046],
      ['import_energy', 'input', 0x0048],
      ['l1_l2_voltage', 'input', 0x00c8],
      ['neutral_current', 'input', 0x00e0],
      ['total_energy', 'input', 0x0156],
      ['l3_total_reactive_energy', 'input', 0x017c],
      ['system_type', 'holding', 0x000a],
      ['serial_number', 'holding', 0xfc00],
    ];
    for (const [name, area, address] of expect) {
      const tag = byName.get(name);
      assert.ok(tag, name);
      assert.equal(tag.area, area, name);
      assert.equal(tag.address, address, name);
    }
    assert.ok(t.tags.filter((x) => x.type === 'float32').every((x) => x.order === 'ABCD'));
    assert.deepEqual(
      t.groups.map((g) => g.name),
      ['fast', 'energy', 'config'],
    );
    assert.ok(t.tags.every((x) => t.groups.some((g) => g.name === x.group)));
  });

  test('unknown or unsafe template names are refused', () => {
    assert.throws(() => loadTemplate('../package'), TemplateNotFoundError);
    assert.throws(() => loadTemplate('nope'), /no device template named 'nope' \(known: eastron-sdm120, eastron-sdm630/);
  });
});
