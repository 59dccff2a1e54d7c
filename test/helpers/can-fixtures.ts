// The DBC fixtures of test/fixtures/dbc (cantools and opendbc corpora, MIT): paths, the
// reference frames of expected/*.jsonl, and the value comparison the conformance tests use.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { missingPeer } from './peers';

export const DBC_FIXTURES = path.join(__dirname, '..', 'fixtures', 'dbc');
export const DBC_CORPORA = ['cantools', 'opendbc'] as const;

/**
 * Skip reason when the fixtures are absent (throws under CI=true). They are part of the
 * repository, so this only triggers in a partial checkout (e.g. a sparse or shallow export).
 */
export function fixturesMissing(): string | null {
  return missingPeer('DBC fixtures at test/fixtures/dbc', existsSync(path.join(DBC_FIXTURES, 'expected', 'SUMMARY.tsv')), 'a full checkout of the repository (git checkout -- test/fixtures)');
}

export function dbcFiles(corpus: string): string[] {
  const dir = path.join(DBC_FIXTURES, corpus);
  return readdirSync(dir)
    .filter((f) => f.endsWith('.dbc'))
    .sort()
    .map((f) => path.join(dir, f));
}

export interface SummaryRow {
  file: string;
  status: 'ok' | 'unparsed';
  detail: string;
}

export function readSummary(): SummaryRow[] {
  return readFileSync(path.join(DBC_FIXTURES, 'expected', 'SUMMARY.tsv'), 'utf8')
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => {
      const [file, status, detail] = l.split('\t');
      return { file, status: status as SummaryRow['status'], detail };
    });
}

/** Path of a fixture file by its base name (the corpora do not share names). */
export function fixturePath(file: string): string {
  for (const corpus of DBC_CORPORA) {
    const p = path.join(DBC_FIXTURES, corpus, file);
    if (existsSync(p)) return p;
  }
  throw new Error(`fixture ${file} not found under ${DBC_FIXTURES}`);
}

export interface ReferenceFrame {
  id: number;
  extended: boolean;
  data: string;
  signals: Record<string, number | string>;
}

export function readReferenceFrames(file: string): ReferenceFrame[] {
  const p = path.join(DBC_FIXTURES, 'expected', `${file}.jsonl`);
  if (!existsSync(p)) return [];
  return readFileSync(p, 'utf8')
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => JSON.parse(l) as ReferenceFrame);
}

/** The corpus each reference file belongs to. */
export function corpusOf(file: string): string {
  return path.basename(path.dirname(fixturePath(file)));
}

/**
 * Whether our value matches the reference value: equal, or within a relative 1e-9 for floats.
 * The reference writes what JSON cannot hold (NaN, Infinity, integers beyond 2^53) as strings.
 */
export function sameValue(ours: number | bigint | string, ref: number | string, relTol = 1e-9): boolean {
  if (typeof ref === 'string') {
    if (/^[-+]?\d+$/.test(ref)) {
      if (typeof ours === 'string') return false;
      if (typeof ours === 'number' && !Number.isInteger(ours)) return false;
      return BigInt(ours) === BigInt(ref);
    }
    const r = Number(ref);
    if (typeof ours !== 'number') return false;
    return Number.isNaN(r) ? Number.isNaN(ours) : ours === r;
  }
  if (typeof ours === 'string') return false;
  const a = Number(ours);
  if (a === ref) return true;
  return Math.abs(a - ref) <= relTol * Math.max(Math.abs(a), Math.abs(ref));
}
