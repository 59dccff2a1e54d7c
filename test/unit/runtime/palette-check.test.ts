// Node-RED's `npm -v` check runs beside the node loading (runtime/palette-check.ts): checked on a
// Node-RED tree laid out as the real one (node-red -> @node-red/runtime -> @node-red/registry).
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { overlapPaletteCheck } from '../../../runtime/palette-check';

function fakeNodeRed(installerSource: string | undefined): { root: string; nodeRed: string } {
  const root = mkdtempSync(join(tmpdir(), 'edgegw-palette-'));
  const nm = join(root, 'node_modules');
  const pkg = (dir: string, name: string) => {
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'package.json'), JSON.stringify({ name, version: '4.1.0', main: 'index.js' }));
    writeFileSync(join(dir, 'index.js'), 'module.exports = {};\n');
  };
  pkg(join(nm, 'node-red'), 'node-red');
  pkg(join(nm, '@node-red', 'runtime'), '@node-red/runtime');
  pkg(join(nm, '@node-red', 'registry'), '@node-red/registry');
  if (installerSource !== undefined) {
    mkdirSync(join(nm, '@node-red', 'registry', 'lib'), { recursive: true });
    writeFileSync(join(nm, '@node-red', 'registry', 'lib', 'installer.js'), installerSource);
  }
  return { root, nodeRed: join(nm, 'node-red') };
}

// like Node-RED's: answers after a while (npm -v), sets whether the palette may install
const SLOW_INSTALLER = `
let enabled = false;
let calls = 0;
module.exports = {
  checkPrereq() { calls++; return new Promise((r) => setTimeout(() => { enabled = true; r(); }, 150)); },
  installerEnabled() { return enabled; },
  calls() { return calls; },
};
`;

describe('the palette check beside the node loading', () => {
  test("the registry's call returns at once; settled() waits for the real answer; later calls are the original", async () => {
    const { root, nodeRed } = fakeNodeRed(SLOW_INSTALLER);
    try {
      const check = overlapPaletteCheck(nodeRed);
      assert.equal(check.overlapped, true);
      // what the registry loads: the same module instance, resolved from @node-red/runtime
      const installer = createRequire(join(root, 'node_modules', '@node-red', 'runtime', 'index.js'))('@node-red/registry/lib/installer.js') as {
        checkPrereq(): Promise<void>;
        installerEnabled(): boolean;
        calls(): number;
      };
      const t0 = Date.now();
      await installer.checkPrereq();
      assert.equal(installer.calls(), 1, 'the original check was started');
      assert.equal(installer.installerEnabled(), false, 'the registry went on before npm answered');
      await check.settled();
      assert.ok(Date.now() - t0 >= 100, 'settled() waited for the answer');
      assert.equal(installer.installerEnabled(), true);
      // once only: a later check (Node-RED calls it once per start) is the original, awaited
      await installer.checkPrereq();
      assert.equal(installer.calls(), 2);
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });

  test('a Node-RED without the installer module, or without checkPrereq, is left as it is', async () => {
    for (const source of [undefined, 'module.exports = { somethingElse() {} };\n']) {
      const { root, nodeRed } = fakeNodeRed(source);
      try {
        const check = overlapPaletteCheck(nodeRed);
        assert.equal(check.overlapped, false);
        await check.settled();
      } finally {
        rmSync(root, { recursive: true, force: true });
      }
    }
  });
});
