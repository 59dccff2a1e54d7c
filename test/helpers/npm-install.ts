// Installing our packed tarballs with the npm a user runs: shared by the palette-install and
// distribution tests.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { REPO_ROOT } from './gateway';

/**
 * The environment of a user's shell, not of the `npm test` that runs us: no npm_* variables
 * (they override the flags of the npm commands below) and no node_modules/.bin on PATH (under
 * `npm test` it comes first, and Node-RED's registry brings an npm 10 there, which runs
 * `prepare` on `npm pack --ignore-scripts` and rebuilt dist/ under the feet of the other tests).
 */
export function npmEnv(base: NodeJS.ProcessEnv = process.env): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(base)) if (!/^npm_/i.test(k)) env[k] = v;
  env.PATH = (base.PATH ?? '')
    .split(':')
    .filter((p) => p && !/node_modules[\\/]\.bin$/.test(p) && !/node-gyp-bin$/.test(p))
    .join(':');
  return env;
}

/** `npm pack --ignore-scripts` of a package directory into `dest`; returns the tarball's path. */
export function packTarball(packageDir: string, dest: string): string {
  // dist/ is built by `npm test`; --ignore-scripts keeps pack from building it again.
  const out = execFileSync('npm', ['pack', '--ignore-scripts', '--json', '--pack-destination', dest], { cwd: packageDir, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], env: npmEnv() });
  const info = JSON.parse(out.slice(out.indexOf('[')))[0] as { filename: string };
  return join(dest, info.filename);
}

/**
 * The optional sqlite3 dependency installs with `prebuild-install -r napi || node-gyp rebuild`.
 * A user with internet gets the prebuilt N-API binary from GitHub; without internet (this machine)
 * npm compiles SQLite from source, minutes of both cores per install: that pushed the install
 * tests past the test timeout under load and starved the tests running beside them. So the
 * binary `npm ci` already built for this repository is offered as the prebuilt, under the name
 * prebuild-install looks for in its local-prebuilds directory. The install still runs sqlite3's
 * own install script; if the names ever differ (another sqlite3 version resolved), it compiles
 * as before, only slower. Returns the environment to add to the install command.
 */
export function offerLocalSqlitePrebuild(dir: string): NodeJS.ProcessEnv {
  if (process.platform !== 'linux') return {};
  const pkgDir = join(REPO_ROOT, 'node_modules', 'sqlite3');
  const binary = join(pkgDir, 'build', 'Release', 'node_sqlite3.node');
  if (!existsSync(binary)) return {};
  const { version, binary: conf } = JSON.parse(readFileSync(join(pkgDir, 'package.json'), 'utf8')) as { version: string; binary?: { napi_versions?: number[] } };
  mkdirSync(dir, { recursive: true });
  const first = join(dir, `sqlite3-v${version}-napi-v${(conf?.napi_versions ?? [6])[0]}-linux-${process.arch}.tar.gz`);
  execFileSync('tar', ['czf', first, '-C', pkgDir, 'build/Release/node_sqlite3.node']);
  for (const v of (conf?.napi_versions ?? []).slice(1)) writeFileSync(join(dir, `sqlite3-v${version}-napi-v${v}-linux-${process.arch}.tar.gz`), readFileSync(first));
  return { npm_config_sqlite3_local_prebuilds: dir };
}
