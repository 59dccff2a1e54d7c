// The modbus-device dialog's Check / Import / Export results and its tag table validation in the
// editor's language: the server's check (lib/modbus/poller/table-check.ts) answers in English with
// codes and arguments beside each text, and the dialog (editor/components/tag-table/table-answer.ts,
// table-text.ts) says them through the modbus-device catalog, the English text as fallback.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { checkTagTable, type TagTableProblem } from '../../../lib/modbus/poller/table-check';
import { readTagTable, TagTableError } from '../../../lib/modbus/tag-table';
import { answerErrorText, errorLines, refusalText } from '../../../editor/components/tag-table/table-answer';
import { problemMessage, tableProblem } from '../../../editor/components/tag-table/table-text';
import type { Translate } from '../../../editor/components/translate';
import { catalogTranslator, readCatalog } from '../../helpers/catalogs';

type Catalog = { 'modbus-device': Record<string, Record<string, string>> };
const CATALOGS = { 'en-US': readCatalog<Catalog>('modbus-device', 'en-US'), ru: readCatalog<Catalog>('modbus-device', 'ru') };
const english = catalogTranslator('en-US');
const russian = catalogTranslator('ru');
const untranslated: Translate = (_key, fallback) => fallback;

function onlyError(text: string, more: Partial<Parameters<typeof checkTagTable>[0]> = {}): TagTableProblem {
  const answer = checkTagTable({ text, notation: 'zero', ...more });
  assert.equal(answer.errors.length, 1, JSON.stringify(answer.errors));
  return answer.errors[0];
}

test('a table error of the check keeps its English message and carries its code, arguments and reason', () => {
  const error = onlyError('name,area,address,type\na,holding,0,uint16\nb,holding,1,bit:77\n');
  assert.equal(error.message, "line 3, tag 'b', field 'type': 'bit:77' is not a type (bool, bit:0..15, int16, uint16, int32, uint32, int64, uint64, float32, float64, string:1..125)");
  assert.deepEqual([error.code, error.args, error.line, error.tag, error.field], ['unknownType', { value: 'bit:77' }, 3, 'b', 'type']);
  assert.equal(answerErrorText(error, english), error.message);
  assert.equal(answerErrorText(error, untranslated), error.message);
  assert.equal(answerErrorText(error, russian), "строка 3, тег 'b', поле 'type': 'bit:77' — не тип (bool, bit:0..15, int16, uint16, int32, uint32, int64, uint64, float32, float64, string:1..125)");
  const json = onlyError('[{"name":"j","area":"input","address":1,"type":"uint16","access":"rw"}]');
  assert.equal(answerErrorText(json, english), json.message);
  assert.match(answerErrorText(json, russian), /^запись 1, тег 'j', поле 'access': [а-яё]/i);
});

test('what the planner refuses says so in Russian too', () => {
  const wide = onlyError('name,area,address,type\nlong,holding,0,string:20\n', { maxRegisters: 10 });
  assert.deepEqual([wide.code, wide.args], ['tooWideForRequest', { tag: 'long', width: 20, limit: 10 }]);
  assert.equal(answerErrorText(wide, english), "tag 'long' occupies 20 units, more than the 10 one request may read");
  assert.equal(answerErrorText(wide, english), wide.message);
  assert.equal(answerErrorText(wide, russian), "тег 'long' занимает 20 ед., а один запрос читает не больше 10");
  const limit = onlyError('name,area,address,type\na,holding,0,uint16\n', { maxRegisters: 200 });
  assert.deepEqual([limit.code, limit.args], ['requestLimit', { option: 'maxRegisters', range: '1..125', value: '200' }]);
  assert.equal(answerErrorText(limit, english), limit.message);
  assert.equal(answerErrorText(limit, russian), 'maxRegisters должно быть 1..125, указано 200');
  const other: TagTableProblem = { message: 'maxBits is odd', reason: 'maxBits is odd', field: 'type', code: 'requestLimits', args: { reason: 'maxBits is odd' } };
  assert.equal(answerErrorText(other, english), 'maxBits is odd');
  assert.equal(answerErrorText(other, russian), 'ограничения запроса не подходят: maxBits is odd');
});

test('the Check result lists the first five errors and counts them all in the editor’s language', () => {
  const rows = Array.from({ length: 7 }, (_, i) => `t${i},holdng,${i},uint16`).join('\n');
  const answer = checkTagTable({ text: `name,area,address,type\n${rows}\n`, notation: 'zero' });
  assert.equal(answer.errors.length, 7);
  const lines = errorLines(answer, true, russian).split('\n');
  assert.equal(lines.length, 6);
  assert.equal(lines[0], "строка 2, тег 't0', поле 'area': 'holdng' — не область (coil, discrete, holding или input)");
  assert.equal(lines[5], '(всего ошибок: 7)');
  assert.equal(errorLines(answer, true, english), [...answer.errors.slice(0, 5).map((e) => e.message), '(7 errors)'].join('\n'));
  assert.equal(
    errorLines(answer, false, untranslated),
    answer.errors
      .slice(0, 5)
      .map((e) => e.message)
      .join('\n'),
  );
});

test('the tag table field’s validation message in Russian, and as lib says it in English', () => {
  const cases: Array<[string, { notation?: string; groups?: string[] }]> = [
    ['', {}],
    ['name,area,address,type\n', {}],
    ['name,area,address,type\n,holding,1,uint16\nx,holding,a,uint16\n', {}],
    ['name,area,address,type\n,holding,1,uint16\nx,holding,a,uint16\ny,holdng,2,uint16\n', {}],
    ['name,area,address,type,group\nflow,holding,0,uint16,fast\n', { groups: ['slow'] }],
    ['[{"name":"j","area":"input","address":1,"type":"uint16","access":"rw"}]', {}],
    ['[{', {}],
    ['name,address,type\nt,40001,uint16\n', { notation: 'zero' }],
  ];
  for (const [text, context] of cases) {
    const lib = tableProblem(text, context);
    assert.equal(tableProblem(text, context, english), lib, text);
    assert.equal(tableProblem(text, context, untranslated), lib, text);
    assert.match(tableProblem(text, context, russian) ?? '', /[а-яё]/i, text);
  }
  assert.equal(tableProblem('', {}, russian), 'таблица тегов пуста');
  assert.equal(tableProblem('name,area,address,type\n,holding,1,uint16\nx,holding,a,uint16\n', {}, russian), "строка 2, поле 'name': у тега должно быть имя (и ещё 1 ошибка)");
  assert.match(tableProblem('name,area,address,type\n,holding,1,uint16\nx,holding,a,uint16\ny,holdng,2,uint16\n', {}, russian) ?? '', /\(и ещё ошибок: 2\)$/);
  // a grid cell's error with its tag reads as lib's message, in Russian with the same places
  const [error] = readTagTable('name,area,address,type\nflow,holding,0,flot32\n').errors;
  assert.equal(problemMessage(error, english), new TagTableError([error]).message);
  assert.match(problemMessage(error, russian), /^строка 2, тег 'flow', поле 'type': 'flot32' — /);
});

test('a refused request says why in the editor’s language; a text without a code as it came; no text: the status', () => {
  const notFound = { error: "no device template named 'nope' (known: eastron-sdm120, eastron-sdm630)", code: 'templateNotFound', args: { name: 'nope', known: 'eastron-sdm120, eastron-sdm630' } };
  assert.equal(refusalText(notFound, 'Not Found', english), notFound.error);
  assert.equal(refusalText(notFound, 'Not Found', russian), "нет шаблона устройства 'nope' (есть: eastron-sdm120, eastron-sdm630)");
  const required = { error: 'text (the tag table, CSV or JSON) is required', code: 'textRequired', args: {} };
  assert.equal(refusalText(required, 'Bad Request', english), required.error);
  assert.match(refusalText(required, 'Bad Request', russian), /^нужен текст/);
  assert.equal(refusalText({ error: 'disk full' }, 'Internal Server Error', russian), 'disk full');
  assert.equal(refusalText(undefined, 'Internal Server Error', russian), 'Internal Server Error');
});

test('every check and request code has its text in both catalogs', () => {
  for (const group of ['tableCheck', 'request', 'place']) {
    const en = CATALOGS['en-US']['modbus-device'][group];
    const ru = CATALOGS.ru['modbus-device'][group];
    assert.deepEqual(Object.keys(ru).sort(), Object.keys(en).sort(), group);
    for (const key of Object.keys(en)) if (en[key] !== '__reason__') assert.match(ru[key], /[а-яё]/i, `${group}.${key}`);
  }
  assert.deepEqual(Object.keys(CATALOGS['en-US']['modbus-device'].tableCheck).sort(), ['requestLimit', 'requestLimits', 'tooWideForRequest']);
});
