// Editor login: time to reject a wrong password for a known user and for an unknown user,
// Node-RED's own check (baseline: @node-red/editor-api users.js) against ours
// (runtime/admin.ts adminAuthSettings). Both use the same bcrypt (bcryptjs, cost 10, what
// `edge-gateway admin add-user` writes). The variants alternate in rounds; medians reported.
// The figure that matters is the ratio unknown/known: near 1 means the time says nothing about
// which user names exist.
// Run: node --import tsx bench/login-timing.bench.ts   (never fails on a number)
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { nodeRedDir } from '../runtime/resolve';
import { adminAuthSettings } from '../runtime/admin';

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 15);
const req = createRequire(join(nodeRedDir(), 'package.json'));
// function properties, not methods: bcryptjs' exports do not use `this`, so they are passed on unbound
const bcryptjs = req('bcryptjs') as { hashSync: (p: string, r: number) => string; compare: (p: string, h: string) => Promise<boolean> };
const users = [{ username: 'ops', password: bcryptjs.hashSync('correct horse', 10), permissions: '*' }];

// Node-RED's own adminAuth users module, initialised the way the runtime does it
const editorApi = createRequire(req.resolve('@node-red/editor-api/package.json'));
const nodeRedUsers = editorApi('./lib/auth/users.js') as { init(c: unknown): void; authenticate(u: string, p: string): Promise<unknown> };
nodeRedUsers.init({ type: 'credentials', users });
const ours = adminAuthSettings(users, { hashSync: bcryptjs.hashSync, compare: bcryptjs.compare }) as { authenticate(u: string, p: string): Promise<unknown> };

async function timeOne(fn: () => Promise<unknown>): Promise<number> {
  const t0 = process.hrtime.bigint();
  await fn();
  return Number(process.hrtime.bigint() - t0) / 1e6;
}
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

async function main() {
  const cases = {
    'node-red: known user, wrong password': () => nodeRedUsers.authenticate('ops', 'wrong'),
    'node-red: unknown user': () => nodeRedUsers.authenticate('nobody', 'wrong'),
    'ours: known user, wrong password': () => ours.authenticate('ops', 'wrong'),
    'ours: unknown user': () => ours.authenticate('nobody', 'wrong'),
  };
  const times: Record<string, number[]> = Object.fromEntries(Object.keys(cases).map((k) => [k, []]));
  for (let r = 0; r < ROUNDS; r++) for (const [k, fn] of Object.entries(cases)) times[k].push(await timeOne(fn));
  const m = Object.fromEntries(Object.entries(times).map(([k, v]) => [k, median(v)]));
  console.log(`| case | median ms (${ROUNDS} rounds) |`);
  console.log('|---|---|');
  for (const [k, v] of Object.entries(m)) console.log(`| ${k} | ${v.toFixed(2)} |`);
  const ratio = (a: string, b: string) => (m[a] / m[b]).toFixed(2);
  console.log(
    `\nunknown/known ratio: node-red ${ratio('node-red: unknown user', 'node-red: known user, wrong password')}, ours ${ratio('ours: unknown user', 'ours: known user, wrong password')} (1.00 = indistinguishable)`,
  );
}
void main();
