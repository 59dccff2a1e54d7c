// The editor login does the same bcrypt work for an unknown user as for a known one, so the
// time to reject does not tell which user names exist (real bcryptjs; compare calls counted).
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import bcryptjs from 'bcryptjs';
import { adminAuthSettings, adminCommand, type Bcrypt } from '../../../runtime/admin';

function countingBcrypt(): { bcrypt: Bcrypt; compared: string[] } {
  const compared: string[] = [];
  return {
    compared,
    bcrypt: {
      hashSync: (p, r) => bcryptjs.hashSync(p, r),
      compare: (p, h) => {
        compared.push(h);
        return bcryptjs.compare(p, h);
      },
    },
  };
}

describe('adminAuth login', () => {
  const users = [
    { username: 'ops', password: bcryptjs.hashSync('correct horse', 6), permissions: '*' },
    { username: 'viewer', password: bcryptjs.hashSync('battery staple', 8), permissions: 'read' },
  ];

  test('right password: the user without its hash; wrong password: null', async () => {
    const auth = adminAuthSettings(users, countingBcrypt().bcrypt) as any;
    assert.equal(auth.type, 'credentials');
    assert.deepEqual(await auth.authenticate('ops', 'correct horse'), { username: 'ops', permissions: '*' });
    assert.deepEqual(await auth.authenticate('viewer', 'battery staple'), { username: 'viewer', permissions: 'read' });
    assert.equal(await auth.authenticate('ops', 'wrong'), null);
    assert.equal(await auth.authenticate('ops', undefined), null);
  });

  test('an unknown user costs one bcrypt compare at the cost of the slowest real hash', async () => {
    const { bcrypt, compared } = countingBcrypt();
    const auth = adminAuthSettings(users, bcrypt) as any;
    for (const name of ['nobody', '__proto__', 'constructor', '']) {
      compared.length = 0;
      assert.equal(await auth.authenticate(name, 'correct horse'), null, name);
      assert.equal(compared.length, 1, `${JSON.stringify(name)}: one compare, like a known user`);
      assert.match(compared[0], /^\$2[aby]\$08\$/, 'a dummy hash with cost 8');
      assert.ok(!users.some((u) => u.password === compared[0]), 'not a real user hash');
    }
    compared.length = 0;
    await auth.authenticate('ops', 'wrong');
    assert.deepEqual(compared, [users[0].password]);
  });
});

describe('edge-gateway admin --help', () => {
  const io = () => {
    let out = '';
    return { io: { stdout: { write: (s: string) => (out += s) }, stderr: { write: () => true }, stdin: process.stdin } as any, out: () => out };
  };
  for (const argv of [['--help'], ['-h'], ['help'], ['add-user', '--help']]) {
    test(`admin ${argv.join(' ')} prints the usage and exits 0`, async () => {
      const o = io();
      assert.equal(await adminCommand(argv, o.io, () => ({ load: () => ({}), dump: () => '' })), 0);
      assert.match(o.out(), /^usage: edge-gateway admin add-user NAME/);
    });
  }
  test('an unknown admin command points at the help', async () => {
    await assert.rejects(
      adminCommand(['frob'], io().io, () => ({ load: () => ({}), dump: () => '' })),
      /unknown admin command "frob" .*see edge-gateway admin --help/,
    );
  });
});
