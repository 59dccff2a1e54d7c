// Worker of the DBC fuzz test: parses mutated fixture files and reports each outcome, so the
// test thread can stop it and name the iteration if a parse ever hangs.
import { parentPort, workerData } from 'node:worker_threads';
import { DbcCodec, DbcEncodeError } from '../../lib/can/codec';
import { DbcSyntaxError, parseDbc } from '../../lib/can/dbc';
import { randomBytes, seededRandom } from './can-random';

export interface FuzzJob {
  seed: number;
  iterations: number;
  /** Fixture texts (decoded) to mutate. */
  texts: string[];
}

export type FuzzReport =
  | { kind: 'start'; iteration: number }
  | { kind: 'result'; iteration: number; outcome: 'parsed' | 'rejected'; decoded: number }
  | { kind: 'bad'; iteration: number; error: string; input: string }
  | { kind: 'done' };

const TOKENS = [
  '"',
  ';',
  ':',
  '|',
  '@',
  '(',
  ')',
  '[',
  ']',
  ',',
  '-',
  '+',
  '\n',
  ' ',
  '0',
  '9',
  '7',
  '64',
  '65535',
  '1e999',
  '-1',
  '0.5',
  '4294967295',
  '4294967296',
  '2147483648',
  'M',
  'm1',
  'm0M',
  'm',
  'BO_ ',
  ' SG_ ',
  'VAL_ ',
  'CM_ ',
  'BA_ ',
  'BA_DEF_ ',
  'BA_DEF_DEF_ ',
  'SG_MUL_VAL_ ',
  'SIG_VALTYPE_ ',
  'BO_TX_BU_ ',
  'SIG_GROUP_ ',
  'VAL_TABLE_ ',
  'EV_ ',
  'NS_ ',
  'BU_:',
  'ENUM ',
  'INT ',
  '__proto__',
  'é',
  '\\',
  '//',
  '\t',
  'x',
];

function mutate(text: string, random: () => number): string {
  const pick = (n: number) => Math.floor(random() * n);
  const ops = 1 + pick(4);
  for (let k = 0; k < ops; k++) {
    const at = pick(text.length + 1);
    switch (pick(7)) {
      case 0:
        text = text.slice(0, at) + text.slice(at + 1 + pick(20));
        break;
      case 1:
        text = text.slice(0, at) + TOKENS[pick(TOKENS.length)] + text.slice(at);
        break;
      case 2:
        text = text.slice(0, at) + String.fromCharCode(32 + pick(95)) + text.slice(at + 1);
        break;
      case 3: {
        const lines = text.split('\n');
        const i = pick(lines.length);
        lines.splice(pick(lines.length), 0, lines[i]);
        text = lines.join('\n');
        break;
      }
      case 4: {
        const lines = text.split('\n');
        const i = pick(lines.length);
        const j = pick(lines.length);
        [lines[i], lines[j]] = [lines[j], lines[i]];
        text = lines.join('\n');
        break;
      }
      case 5:
        text = text.slice(0, at);
        break;
      default: {
        // A digit run replaced: ids, bit positions and lengths out of range.
        text = text.replace(/\d+/, () => String(pick(2) ? pick(100000) : 2 ** (20 + pick(44))));
      }
    }
  }
  return text;
}

/** Decodes a random frame per message and encodes the result back; only DbcEncodeError may come out of encode. */
function exercise(db: ReturnType<typeof parseDbc>['db'], random: () => number): number {
  const codec = new DbcCodec(db);
  let decoded = 0;
  for (const m of db.messages.slice(0, 50)) {
    const frame = randomBytes(random, Math.min(64, m.length));
    const result = codec.decode(m.id, m.extended, frame, { labels: random() < 0.5 });
    if (!result) continue;
    decoded++;
    try {
      codec.encode(m.id, result.signals, m.extended);
    } catch (err) {
      if (!(err instanceof DbcEncodeError)) throw err;
    }
  }
  return decoded;
}

const job = workerData as FuzzJob;
const random = seededRandom(job.seed);
for (let iteration = 0; iteration < job.iterations; iteration++) {
  const source = job.texts[iteration % job.texts.length];
  let input: string | Buffer = mutate(source, random);
  if (iteration % 10 === 9) {
    // Some runs on bytes with random high bytes, for the encoding detection.
    const bytes = Buffer.from(input, 'latin1');
    for (let i = 0; i < 4; i++) bytes[Math.floor(random() * bytes.length)] = 0x80 + Math.floor(random() * 128);
    input = bytes;
  }
  parentPort!.postMessage({ kind: 'start', iteration } satisfies FuzzReport);
  try {
    const { db } = parseDbc(input, { filename: 'fuzz.dbc' });
    parentPort!.postMessage({ kind: 'result', iteration, outcome: 'parsed', decoded: exercise(db, random) } satisfies FuzzReport);
  } catch (err) {
    if (err instanceof DbcSyntaxError && !/internal parser error/.test(err.message) && err.line >= 1 && err.column >= 1) {
      parentPort!.postMessage({ kind: 'result', iteration, outcome: 'rejected', decoded: 0 } satisfies FuzzReport);
    } else {
      const text = typeof input === 'string' ? input : input.toString('latin1');
      parentPort!.postMessage({ kind: 'bad', iteration, error: (err as Error)?.stack ?? String(err), input: text.slice(0, 20000) } satisfies FuzzReport);
    }
  }
}
parentPort!.postMessage({ kind: 'done' } satisfies FuzzReport);
