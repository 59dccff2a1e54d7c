// Where the runtime finds its own packages (node-red, aedes, ...): our tree, then the directories
// a distribution adds with addRuntimeSearchPath, then npm's global root.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { addRuntimeSearchPath, requireRuntimePackage, resolvePackageJson, RuntimeDependencyError } from '../../../runtime/resolve';

const dir = mkdtempSync(join(tmpdir(), 'edgegw-resolve-'));
after(() => rmSync(dir, { recursive: true, force: true }));

/** A real package on disk, named so that no tree on this machine has it. */
function writePackage(root: string, name: string, value: string): void {
  const pkgDir = join(root, 'node_modules', name);
  mkdirSync(pkgDir, { recursive: true });
  writeFileSync(join(pkgDir, 'package.json'), JSON.stringify({ name, version: '1.0.0', main: 'index.js' }));
  writeFileSync(join(pkgDir, 'index.js'), `module.exports = { value: ${JSON.stringify(value)} };`);
}

test('a package only under an added search path: not found before, found after', () => {
  const name = `edgegw-probe-${process.pid}-a`;
  const distribution = join(dir, 'distribution');
  writePackage(distribution, name, 'from the distribution');
  assert.throws(
    () => resolvePackageJson(name),
    (err: unknown) => err instanceof RuntimeDependencyError && err.packageName === name && err.message.includes(`npm install -g ${name}`),
  );

  addRuntimeSearchPath(distribution);
  addRuntimeSearchPath(distribution); // adding twice is harmless
  assert.equal(resolvePackageJson(name), join(distribution, 'node_modules', name, 'package.json'));
  assert.deepEqual(requireRuntimePackage<{ value: string }>(name), { value: 'from the distribution' });
});

test('our own tree comes before an added search path', () => {
  const shadow = join(dir, 'shadow');
  // typescript is in the repository's tree; a copy under a search path must not win over it
  writePackage(shadow, 'typescript', 'shadowed');
  addRuntimeSearchPath(shadow);
  assert.equal(resolvePackageJson('typescript'), require.resolve('typescript/package.json'));
});
