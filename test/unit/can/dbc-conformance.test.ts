// Conformance on real files: cantools' and opendbc's DBC corpora, and the frames a widely used
// independent decoder produced for them (test/fixtures/dbc/expected). Our decoding must match it.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, test } from 'node:test';
import { DbcCodec } from '../../../lib/can/codec';
import { DbcSyntaxError, parseDbc } from '../../../lib/can/dbc';
import { DBC_CORPORA, dbcFiles, fixturePath, fixturesMissing, readReferenceFrames, readSummary, sameValue } from '../../helpers/can-fixtures';

const missing = fixturesMissing();

function parseFile(file: string) {
  return parseDbc(readFileSync(file), { filename: path.basename(file) });
}

describe('DBC corpora', { skip: missing ?? undefined }, () => {
  test('every .dbc of cantools and opendbc parses, or is rejected with a DbcSyntaxError', (t) => {
    let parsed = 0;
    const rejected: string[] = [];
    for (const corpus of DBC_CORPORA) {
      const files = dbcFiles(corpus);
      assert.ok(files.length > 0, `no .dbc files in ${corpus}`);
      for (const file of files) {
        try {
          const { db, warnings } = parseFile(file);
          assert.ok(Array.isArray(db.messages));
          for (const w of warnings) {
            assert.ok(Number.isInteger(w.line) && w.line >= 1, `${file}: warning without a line: ${w.message}`);
            assert.ok(w.message.length > 0);
          }
          parsed++;
        } catch (err) {
          assert.ok(err instanceof DbcSyntaxError, `${file}: threw ${String(err)}, not a DbcSyntaxError`);
          assert.ok(err.line >= 1 && err.column >= 1, `${file}: error without a place: ${err.message}`);
          assert.doesNotMatch(err.message, /internal parser error/, `${file}: ${err.message}`);
          rejected.push(err.message);
        }
      }
    }
    t.diagnostic(`parsed ${parsed} files, rejected ${rejected.length}${rejected.length ? `: ${rejected.join('; ')}` : ''}`);
  });

  test('every file the reference decoder read ("ok" in SUMMARY.tsv) parses', () => {
    const ok = readSummary().filter((r) => r.status === 'ok');
    assert.ok(ok.length > 100);
    for (const row of ok) {
      const { db } = parseFile(fixturePath(row.file));
      const frames = readReferenceFrames(row.file);
      assert.equal(frames.length, Number(row.detail), `${row.file}: frame count in SUMMARY.tsv`);
      if (frames.length > 0) assert.ok(db.messages.length > 0, `${row.file}: no messages`);
    }
  });

  test('the files the reference decoder refused parse, or fail with an error naming the line', (t) => {
    const refused = readSummary().filter((r) => r.status === 'unparsed');
    assert.ok(refused.length > 0);
    for (const row of refused) {
      try {
        const { db, warnings } = parseFile(fixturePath(row.file));
        t.diagnostic(`${row.file}: parsed, ${db.messages.length} messages, ${warnings.length} warnings${warnings[0] ? ` (first: line ${warnings[0].line}: ${warnings[0].message})` : ''}`);
      } catch (err) {
        assert.ok(err instanceof DbcSyntaxError, `${row.file}: threw ${String(err)}`);
        assert.match(err.message, new RegExp(`^${row.file.replace(/\./g, '\\.')}:\\d+:\\d+: `));
        t.diagnostic(`${row.file}: rejected: ${err.message}`);
      }
    }
  });

  test('decoding every reference frame gives the same signals and values (100%)', (t) => {
    let frames = 0;
    let framesMatching = 0;
    let values = 0;
    const failures: string[] = [];
    for (const row of readSummary()) {
      if (row.status !== 'ok') continue;
      const codec = new DbcCodec(parseFile(fixturePath(row.file)).db);
      for (const ref of readReferenceFrames(row.file)) {
        frames++;
        const decoded = codec.decode(ref.id, ref.extended, Buffer.from(ref.data, 'hex'));
        const problems: string[] = [];
        if (!decoded) {
          problems.push('message not found');
        } else {
          const ours = decoded.signals;
          for (const [name, refValue] of Object.entries(ref.signals)) {
            values++;
            if (!Object.prototype.hasOwnProperty.call(ours, name)) problems.push(`missing ${name}`);
            else if (!sameValue(ours[name], refValue)) problems.push(`${name}: ${String(ours[name])} != ${refValue}`);
          }
          for (const name of Object.keys(ours)) if (!(name in ref.signals)) problems.push(`extra ${name}`);
        }
        if (problems.length === 0) framesMatching++;
        else if (failures.length < 20) failures.push(`${row.file} id ${ref.id} data ${ref.data}: ${problems.slice(0, 3).join(', ')}`);
      }
    }
    const share = (100 * framesMatching) / frames;
    t.diagnostic(`reference frames matching: ${framesMatching}/${frames} = ${share.toFixed(3)}% (${values} signal values)`);
    assert.ok(frames > 20000, `only ${frames} reference frames`);
    assert.deepEqual(failures, []);
    assert.equal(framesMatching, frames);
  });
});
