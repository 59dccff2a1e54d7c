// The systemd unit the runtime package ships: systemd's own checker finds nothing wrong with it,
// systemd's security analysis rates it OK (sandboxed), and docs/supervision.md shows exactly
// this file.
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { needPeers, PEER } from '../helpers/peers';

const ROOT = join(__dirname, '..', '..');
const UNIT_FILE = join(ROOT, 'packages', 'edge-gateway', 'systemd', 'edge-gateway.service');
/** systemd-analyze's exposure scale: 0 (sandboxed) .. 10 (nothing); up to 4.9 it says OK. */
const MOST_EXPOSURE = 3.0;

/**
 * The unit with ExecStart pointed at an executable that exists here: `verify` checks that the
 * command is executable, and /usr/bin/edge-gateway exists only after the global install.
 */
function unitHere(dir: string): string {
  const text = readFileSync(UNIT_FILE, 'utf8');
  assert.match(text, /^ExecStart=\/usr\/bin\/edge-gateway /m);
  const file = join(dir, 'edge-gateway.service');
  writeFileSync(file, text.replace(/^ExecStart=\/usr\/bin\/edge-gateway /m, `ExecStart=${process.execPath} `));
  return file;
}

describe('systemd unit', () => {
  test('systemd-analyze verify: no complaint', needPeers(PEER.systemdAnalyze()), () => {
    const dir = mkdtempSync(join(tmpdir(), 'edgegw-unit-'));
    try {
      const r = spawnSync('systemd-analyze', ['verify', unitHere(dir)], { encoding: 'utf8' });
      assert.equal(r.status, 0, r.stderr);
      // verify prints warnings (unknown settings, bad values) to stderr and still exits 0
      assert.equal(r.stderr.trim(), '', r.stderr);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test(`systemd-analyze security: exposure at most ${MOST_EXPOSURE}`, needPeers(PEER.systemdAnalyze()), () => {
    const dir = mkdtempSync(join(tmpdir(), 'edgegw-unit-'));
    try {
      const r = spawnSync('systemd-analyze', ['security', '--offline=true', '--no-pager', unitHere(dir)], { encoding: 'utf8' });
      const out = r.stdout + r.stderr;
      const level = /Overall exposure level for edge-gateway\.service: ([\d.]+)/.exec(out);
      assert.ok(level, out);
      assert.ok(
        Number(level[1]) <= MOST_EXPOSURE,
        `exposure ${level[1]} > ${MOST_EXPOSURE}:\n${out
          .split('\n')
          .filter((l) => l.includes('✗'))
          .join('\n')}`,
      );
      // what the gateway needs stays allowed: the sandbox must not break it
      const unit = readFileSync(UNIT_FILE, 'utf8');
      assert.doesNotMatch(unit, /^MemoryDenyWriteExecute=yes/m, 'V8 needs writable executable memory');
      assert.doesNotMatch(unit, /^PrivateDevices=yes/m, 'serial ports, GPIO chips and the watchdog are devices');
      assert.match(unit, /^StateDirectory=edge-gateway$/m);
      assert.match(unit, /^RestrictAddressFamilies=.*AF_CAN/m);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('the runtime package ships it and docs/supervision.md shows it as shipped', () => {
    const pkg = JSON.parse(readFileSync(join(ROOT, 'packages', 'edge-gateway', 'package.json'), 'utf8')) as { files: string[]; keywords: string[] };
    assert.ok(pkg.files.includes('systemd/'), JSON.stringify(pkg.files));
    // the Flow Library reads the node-red keyword as "this package has nodes": the runtime has none
    assert.ok(!pkg.keywords.includes('node-red'), JSON.stringify(pkg.keywords));
    const doc = readFileSync(join(ROOT, 'docs', 'supervision.md'), 'utf8');
    const block = /```ini\n([\s\S]*?)```/.exec(doc);
    assert.ok(block, 'an ini block in docs/supervision.md');
    assert.equal(block[1], readFileSync(UNIT_FILE, 'utf8'));
    assert.doesNotMatch(block[1], /@edgegw\/node-red-gateway/, 'the unit runs the runtime package, not the palette package');
  });
});
