// The CSV report when the disk fills (issue 19): a real failing write, from a child process under
// a file-size limit (`ulimit -f`, SIGXFSZ ignored, so write() is cut short and then fails with
// EFBIG). Before: the file kept the partial row, the next append joined it, the rest of the
// window was never written and the row count disagreed with the file.
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { CSV_COLUMNS, CSV_HEADER } from '../../../lib/stats/report';
import { readCsv } from '../../../lib/system/text/csv';
import { haveCommand, needPeers } from '../../helpers/peers';
import { MIN, RETRY_MS, T0, type ChildStep } from '../../helpers/stats-report-child';

const TAGS = 300;
/** 512-byte blocks (dash): the 50 rows of the first window fit, the 300 of the next do not */
const LIMIT_BLOCKS = 20;

const iso = (ts: number) => new Date(ts).toISOString().replace('.000Z', '+00:00');

describe('stats report on a full disk', () => {
  let dir: string;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'edgegw-stats-full-'));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  test(
    'a failed append leaves only whole rows; once the disk frees every row is written once and the count agrees',
    needPeers(['prlimit (util-linux)', haveCommand('prlimit'), 'apt-get install util-linux']),
    async () => {
      const file = join(dir, 'm-2026-12-01.csv');
      const repo = join(__dirname, '..', '..', '..');
      const script = join(repo, 'test', 'helpers', 'stats-report-child.ts');
      // exec: the limited process is the one spawned, so its pid is the one to lift the limit of
      const child = spawn('sh', ['-c', `trap '' XFSZ; ulimit -S -f ${LIMIT_BLOCKS}; exec "$0" --import tsx "$1"`, process.execPath, script], {
        cwd: repo,
        env: { ...process.env, REPORT_DIR: dir, TAGS: String(TAGS) },
        stdio: ['pipe', 'pipe', 'pipe'],
      });
      let stderr = '';
      child.stderr.on('data', (d) => (stderr += d));
      const steps = new Map<string, ChildStep>();
      const lines = createInterface({ input: child.stdout });
      const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
      const stepSeen = (name: string) =>
        new Promise<ChildStep>((resolve, reject) => {
          const check = () => {
            const s = steps.get(name);
            if (s) resolve(s);
          };
          lines.on('line', (line) => {
            const s = JSON.parse(line) as ChildStep & { message?: string };
            if (s.step === 'crashed') reject(new Error(`child crashed: ${s.message}`));
            steps.set(s.step, s);
            check();
          });
          void exited.then(() => reject(new Error(`child exited before "${name}": ${stderr}`)));
        });
      const closedWhileFull = stepSeen('closed while full');
      const last = stepSeen('next window');
      last.catch(() => {}); // awaited below; a failure before that must not surface as an unhandled rejection
      try {
        await closedWhileFull;
        const full = steps.get('full')!;
        assert.equal(full.rowsWritten, 50, 'the first window was written');
        assert.equal(full.unwritten, TAGS, 'every row of the busy window waits');
        assert.match(full.errors[0] ?? '', /m-2026-12-01\.csv: cannot append 300 rows: .*(EFBIG|too large)/);
        assert.deepEqual(full.pending, [[TAGS, RETRY_MS]], 'a warning says how many rows wait');
        assert.equal(steps.get('not due')!.errors.length, 1, 'no retry before the delay');
        const whileFull = steps.get('closed while full')!;
        assert.equal(whileFull.errors.length, 2, 'the next window close retried');
        assert.deepEqual(whileFull.pending[1], [2 * TAGS, 2 * RETRY_MS], 'the delay grows');
        assert.equal(whileFull.emitted, 50, 'only windows whose rows are written are sent on');

        const text = readFileSync(file, 'utf8');
        assert.ok(text.endsWith('\n'), 'no partial row at the end of the file');
        const lines = text.split('\n').slice(0, -1);
        assert.equal(lines[0], CSV_HEADER);
        assert.equal(lines.length - 1, whileFull.rowsWritten, 'the file holds the rows counted, no more');
        for (const line of lines.slice(1)) assert.equal(line.split(',').length, CSV_COLUMNS.length, `a whole row: ${line}`);

        const freed = spawnSync('prlimit', ['--pid', String(child.pid), '--fsize=unlimited:'], { encoding: 'utf8' });
        assert.equal(freed.status, 0, `prlimit: ${freed.stderr}`);
        child.stdin.write('freed\n');
        await last;
        assert.equal(await exited, 0, stderr);
      } finally {
        child.kill('SIGKILL');
      }

      assert.equal(steps.get('freed, not due')!.unwritten, 2 * TAGS, 'the timer waits for the delay');
      const retried = steps.get('retried')!;
      assert.deepEqual([retried.unwritten, retried.errors.length], [0, 2], 'the timer retry wrote every waiting row');
      const final = steps.get('next window')!;
      const rows = readCsv(readFileSync(file, 'utf8'));
      assert.deepEqual(rows[0].fields, [...CSV_COLUMNS]);
      const data = rows.slice(1).map((r) => r.fields);
      assert.equal(data.length, final.rowsWritten, "the node's row count is the file's");
      assert.equal(final.emitted, final.rowsWritten);
      const keys = data.map((f) => `${f[0]} ${f[3]}`);
      const expected = [
        ...Array.from({ length: 50 }, (_, i) => `${iso(T0)} t${String(i).padStart(3, '0')}`),
        ...[T0 + MIN, T0 + 2 * MIN, T0 + 8 * MIN].flatMap((start) => Array.from({ length: TAGS }, (_, i) => `${iso(start)} t${String(i).padStart(3, '0')}`)),
      ];
      assert.deepEqual([...keys].sort(), expected.sort(), 'every window, each row exactly once');
      for (const f of data) {
        assert.equal(f.length, CSV_COLUMNS.length);
        assert.equal(f[4], '1', `${f[0]} ${f[3]}: one sample`);
        assert.equal(f[12], String(Number(f[3].slice(1))), `${f[0]} ${f[3]}: its value`);
      }
    },
  );
});
