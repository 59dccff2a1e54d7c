// python3-canmatrix as a second, independent decoder: the same random frames of every message
// of the fixture corpora, decoded by both, must give the same signals and values.
//
// Left out, because canmatrix decodes them differently by design rather than by our error:
// - files with a message id no frame can carry (standard above 0x7FF, extended above
//   0x1FFFFFFF): canmatrix folds such ids onto others and then decodes the wrong message;
// - messages with a signal that does not fit in the message length (canmatrix raises, or
//   reads bits past the end; we leave such signals out);
// - messages with more than one multiplexer switch (canmatrix follows a single switch chain,
//   so it drops independent switches and what they select);
// - messages whose SG_MUL_VAL_ names a switch the SG_ lines do not mark M (canmatrix uses it as
//   a switch; we, like the reference decoder of the conformance test, do not).
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { DbcCodec } from '../../../lib/can/codec';
import { parseDbc, type DbcMessage } from '../../../lib/can/dbc';
import { DBC_CORPORA, dbcFiles, fixturesMissing, sameValue } from '../../helpers/can-fixtures';
import { randomBytes, seededRandom } from '../../helpers/can-random';
import { needPeers, PEER } from '../../helpers/peers';

const FRAMES_PER_MESSAGE = 4;

function idOutOfRange(m: DbcMessage): boolean {
  return m.name !== 'VECTOR__INDEPENDENT_SIG_MSG' && m.id > (m.extended ? 0x1fffffff : 0x7ff);
}

function exclusion(m: DbcMessage, plannedBytes: number): string | null {
  if (plannedBytes > m.length) return 'signal beyond the message length';
  const switches = m.signals.filter((s) => s.multiplexer);
  if (switches.length > 1) return 'several multiplexer switches';
  if (m.signals.some((s) => s.multiplexerSignal !== undefined && !m.signals.find((x) => x.name === s.multiplexerSignal)?.multiplexer)) return 'switch not marked M';
  return null;
}

interface CanmatrixResult {
  file: string;
  error?: string;
  results: Array<{ signals?: Record<string, string>; error?: string }>;
}

function runCanmatrix(jobs: unknown): Promise<CanmatrixResult[]> {
  return new Promise((resolve, reject) => {
    const child = spawn('/usr/bin/python3', [path.join(__dirname, '../../helpers/can-canmatrix.py')], { stdio: ['pipe', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    let err = '';
    child.stdout.on('data', (b: Buffer) => out.push(b));
    child.stderr.on('data', (b: Buffer) => {
      if (err.length < 4000) err += b.toString();
    });
    child.on('error', reject);
    child.on('close', (code) => {
      if (code !== 0) return reject(new Error(`canmatrix helper exited with ${code}: ${err}`));
      resolve(
        Buffer.concat(out)
          .toString('utf8')
          .trim()
          .split('\n')
          .filter(Boolean)
          .map((l) => JSON.parse(l) as CanmatrixResult),
      );
    });
    child.stdin.end(JSON.stringify(jobs));
  });
}

const missing = fixturesMissing();

test('canmatrix decodes the same random frames to the same values', missing ? { skip: missing } : needPeers(PEER.canmatrix()), async (t) => {
  const random = seededRandom(7);
  const jobs: Array<{ file: string; frames: Array<[number, boolean, string]> }> = [];
  const ours: Array<Array<Record<string, number | bigint | string>>> = [];
  const excluded = new Map<string, number>();
  const badIdFiles: string[] = [];
  for (const corpus of DBC_CORPORA) {
    for (const file of dbcFiles(corpus)) {
      const { db } = parseDbc(readFileSync(file));
      if (db.messages.some(idOutOfRange)) {
        badIdFiles.push(path.basename(file));
        continue;
      }
      const codec = new DbcCodec(db);
      const frames: Array<[number, boolean, string]> = [];
      const decoded: Array<Record<string, number | bigint | string>> = [];
      for (const m of db.messages) {
        if (m.length === 0 || m.length > 64 || codec.message(m.id, m.extended) !== m) continue;
        const plan = codec.plan(m.id, m.extended)!;
        const why = exclusion(m, plan.bytesNeeded);
        if (why) {
          excluded.set(why, (excluded.get(why) ?? 0) + 1);
          continue;
        }
        for (let i = 0; i < FRAMES_PER_MESSAGE; i++) {
          const data = randomBytes(random, m.length);
          frames.push([m.id, m.extended, data.toString('hex')]);
          decoded.push(codec.decode(m.id, m.extended, data)!.signals);
        }
      }
      jobs.push({ file, frames });
      ours.push(decoded);
    }
  }

  const results = await runCanmatrix(jobs);
  assert.equal(results.length, jobs.length);
  let compared = 0;
  let values = 0;
  const refused: string[] = [];
  const failures: string[] = [];
  results.forEach((res, i) => {
    const name = path.basename(jobs[i].file);
    if (res.error) {
      refused.push(`${name} (${res.error.slice(0, 80)})`);
      return;
    }
    res.results.forEach((r, j) => {
      const [id, , hex] = jobs[i].frames[j];
      const where = `${name} id ${id} data ${hex}`;
      if (r.error || !r.signals) {
        failures.push(`${where}: canmatrix: ${r.error}`);
        return;
      }
      const o = ours[i][j];
      for (const [signal, text] of Object.entries(r.signals)) {
        values++;
        const ref = /^[-+]?\d+$/.test(text) ? text : Number(text);
        if (!(signal in o)) failures.push(`${where}: we lack ${signal}`);
        else if (!sameValue(o[signal], ref)) failures.push(`${where}: ${signal} ours ${String(o[signal])}, canmatrix ${text}`);
      }
      for (const signal of Object.keys(o)) if (!(signal in r.signals)) failures.push(`${where}: canmatrix lacks ${signal}`);
      compared++;
    });
  });
  t.diagnostic(`compared ${compared} frames (${values} values) over ${jobs.length - refused.length} files; excluded messages: ${[...excluded].map(([k, v]) => `${v} with ${k}`).join(', ') || 'none'}`);
  t.diagnostic(`files left out for ids out of range: ${badIdFiles.join(', ') || 'none'}`);
  if (refused.length) t.diagnostic(`canmatrix refused: ${refused.join('; ')}`);
  assert.deepEqual(failures.slice(0, 20), [], `${failures.length} differences`);
  assert.ok(compared > 10000, `only ${compared} frames compared`);
});
