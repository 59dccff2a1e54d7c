// Tag table errors in the editor's language: every error lib can produce carries a code the
// modbus-device catalogs translate in en-US and ru (the en-US text reading as lib's English reason),
// and the shipped device templates have a name in both catalogs.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { problemMessage, problemReason, tableRows } from '../../../editor/components/tag-table/table-text';
import { catalogTranslator as translator } from '../../helpers/catalogs';
import { loadTemplate, templateNames } from '../../../lib/modbus/templates';
import { TAG_TABLE_ERROR_CODES, readTagTable, type TagConfigError, type TagTableErrorCode, type TagTableOptions } from '../../../lib/modbus/tag-table';

const root = join(__dirname, '..', '..', '..');
type Catalog = { 'modbus-device': { tagTable: Record<string, string>; template: Record<string, string>; label: Record<string, string> } };
const catalog = (locale: string): Catalog => JSON.parse(readFileSync(join(root, 'nodes', 'modbus-device', 'locales', locale, 'modbus-device.json'), 'utf8')) as Catalog;
const CATALOGS = { 'en-US': catalog('en-US'), ru: catalog('ru') };

const H = 'name,area,address,type,order,scale,offset,unit,access,group,deadband';
/** One bad table per code it produces. */
const BAD: Array<[TagTableErrorCode, string, TagTableOptions?]> = [
  ['nameRequired', `${H}\n,holding,0,uint16`],
  ['nameReserved', `${H}\n__proto__,holding,0,uint16`],
  ['duplicateNameOnLine', `${H}\na,holding,0,uint16\na,holding,1,uint16`],
  ['duplicateNameInEntry', '[{"name":"a","area":"holding","address":0,"type":"uint16"},{"name":"a","area":"holding","address":1,"type":"uint16"}]'],
  ['unknownArea', `${H}\na,holdng,0,uint16`],
  ['areaRequired', `${H}\na,,0,uint16`],
  ['areaRequiredModicon', `${H}\na,,,uint16`, { notation: 'modicon' }],
  ['addressRequired', `${H}\na,holding,,uint16`],
  ['notModiconAddress', `${H}\na,holding,4x,uint16`, { notation: 'modicon' }],
  ['modiconPrefix', `${H}\na,,50001,uint16`, { notation: 'modicon' }],
  ['modiconStartsAtOne', `${H}\na,,40000,uint16`, { notation: 'modicon' }],
  ['notWholeNumber', `${H}\na,holding,-3,uint16`],
  ['outsideOneBased', `${H}\na,holding,0,uint16`, { notation: 'one' }],
  ['outsideZeroBased', `${H}\na,holding,70000,uint16`],
  ['modiconAreaMismatch', `${H}\na,input,40001,uint16`, { notation: 'modicon' }],
  ['pastLastAddress', `${H}\na,holding,65535,uint32`],
  ['typeRequired', `${H}\na,holding,0,`],
  ['unknownType', `${H}\na,holding,0,flot32`],
  ['bitAreaType', `${H}\na,coil,0,uint16`],
  ['unknownOrder', `${H}\na,holding,0,float32,ABDC`],
  ['notANumber', `${H}\na,holding,0,uint16,,x`],
  ['scaleZero', `${H}\na,holding,0,uint16,,0`],
  ['negativeDeadband', `${H}\na,holding,0,uint16,,,,,,,-1`],
  ['unknownAccess', `${H}\na,holding,0,uint16,,,,,w`],
  ['readOnlyInput', `${H}\na,input,0,uint16,,,,,rw`],
  ['readOnlyDiscrete', `${H}\na,discrete,0,,,,,,rw`],
  ['unknownGroup', `${H}\na,holding,0,uint16,,,,,,slow`, { groups: ['fast', 'hourly'] }],
  ['unknownGroupNoGroups', `${H}\na,holding,0,uint16,,,,,,slow`, { groups: [] }],
  ['csvSyntax', `${H}\na,"holding,0,uint16`],
  ['noHeader', 'a,holding,0,uint16'],
  ['unknownColumn', 'name,area,address,type,colour'],
  ['repeatedColumn', 'name,area,address,type,type'],
  ['missingColumn', 'name,area,address'],
  ['extraCells', 'name,area,address,type\na,holding,0,uint16,x'],
  ['invalidJson', '[1,'],
  ['notATagList', '{"tags": 3}'],
  ['entryNotObject', '[1]'],
  ['unknownField', '[{"name":"a","area":"holding","address":0,"type":"uint16","colour":"red"}]'],
];

function errorOf(code: TagTableErrorCode, text: string, opts?: TagTableOptions): TagConfigError {
  const error = readTagTable(text, opts).errors.find((e) => e.code === code);
  assert.ok(error, `no ${code} error for ${JSON.stringify(text)}`);
  return error;
}

test('the bad tables produce every code tag-table has, each its own', () => {
  assert.deepEqual(BAD.map(([code]) => code).sort(), [...TAG_TABLE_ERROR_CODES].sort());
  for (const [code, text, opts] of BAD) errorOf(code, text, opts);
});

test('every code has a catalog entry in en-US and ru, the en-US one reading as lib’s English reason', () => {
  const english = translator('en-US');
  const russian = translator('ru');
  for (const [code, text, opts] of BAD) {
    const error = errorOf(code, text, opts);
    for (const locale of ['en-US', 'ru'] as const) assert.equal(typeof CATALOGS[locale]['modbus-device'].tagTable[code], 'string', `${locale}: tagTable.${code}`);
    assert.equal(problemReason(error, english), error.reason, code);
    const ru = problemReason(error, russian);
    assert.notEqual(ru, error.reason, `${code} is translated`);
    assert.match(ru, /[а-яё]/i, `${code} reads in Russian: ${ru}`);
    // the arguments reach the Russian text
    for (const value of Object.values(error.args)) assert.ok(ru.includes(String(value)), `${code}: ${ru} lacks ${value}`);
  }
});

test('a grid cell shows its error in Russian, and lib’s English when the catalog lacks the code', () => {
  const error = errorOf('unknownArea', `${H}\na,holdng,0,uint16`);
  assert.deepEqual([error.code, error.args], ['unknownArea', { value: 'holdng' }]);
  assert.equal(problemReason(error, translator('ru')), "'holdng' — не область (coil, discrete, holding или input)");
  assert.equal(
    problemReason(error, (_key, fallback) => fallback),
    "'holdng' is not an area (coil, discrete, holding or input)",
  );
});

test('the error that keeps CSV text out of the grid names its line and field in Russian', () => {
  const table = tableRows('name,area,address,type,colour\n', { notation: 'zero' });
  assert.ok('error' in table);
  assert.equal(problemMessage(table.error, translator('en-US')), table.error.message);
  assert.equal(
    problemMessage(table.error, translator('ru')),
    "строка 1, поле 'colour': неизвестный столбец; столбцы: name, area, address, type, order, scale, offset, unit, access, group, deadband, description",
  );
  const syntax = tableRows('name,area,address,type\na,"holding', {});
  assert.ok('error' in syntax);
  assert.match(problemMessage(syntax.error, translator('ru')), /^строка 2, поле '\(csv\)': столбец \d+: /);
});

test('every shipped template has a name in en-US (as the template gives it) and in Russian', () => {
  const ids = templateNames();
  assert.ok(ids.length >= 2);
  for (const id of ids) {
    const template = loadTemplate(id);
    assert.equal(CATALOGS['en-US']['modbus-device'].template[id], `${template.manufacturer} ${template.model}`, id);
    const ru = CATALOGS.ru['modbus-device'].template[id];
    assert.match(ru, /[а-яё]/i, id);
    assert.ok(ru.startsWith(template.manufacturer), id);
  }
  assert.deepEqual(Object.keys(CATALOGS.ru['modbus-device'].template).sort(), ids, 'no name for a template that is not shipped');
});
