// kill -9 of the real edge-gateway runtime (its default flows store every tag in a historian)
// loses no history it had committed: every sample another connection could read from the file
// just before the kill (committed batches only: a reader never sees an open transaction) is in
// the file afterwards, and the file is sound. Only the batch being gathered (at most batchMs,
// 1 s in the default flows) can be lost.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { needPeers } from '../helpers/peers';
import { SQLITE_PEER, secondConnection } from '../helpers/sqlite-store';
import { startGatewayProcess, type GatewayProcess } from '../helpers/gateway';
import { waitFor } from '../helpers/process';

let gw: GatewayProcess | undefined;
after(async () => {
  await gw?.stop('SIGKILL');
  gw?.cleanup();
});

const ROWS = 'SELECT tag_id, ts FROM hist_samples ORDER BY tag_id, ts';

test('kill -9 of the runtime loses no stored history older than the last batch', needPeers(SQLITE_PEER()), async () => {
  gw = await startGatewayProcess();
  const file = join(gw.userDir, 'edge-gateway-history.db');
  let committed: Array<Record<string, unknown>> = [];
  await waitFor(
    'the historian commits a few batches',
    async () => {
      if (gw!.peer.proc.exitCode !== null) throw Object.assign(new Error(`the gateway exited: ${gw!.peer.output()}`), { fatal: true });
      // never made by this reader: the historian creates and sets up its file itself
      if (!existsSync(file)) return false;
      const reader = await secondConnection(file);
      try {
        committed = await reader.all(ROWS);
      } finally {
        await reader.close();
      }
      return committed.length >= 300;
    },
    60_000,
    250,
  ).catch((err: Error) => {
    throw new Error(`${err.message}\n${gw!.peer.output()}`);
  });
  await gw.stop('SIGKILL');
  assert.equal(gw.peer.proc.signalCode, 'SIGKILL');

  const db = await secondConnection(file);
  try {
    const after = new Set((await db.all(ROWS)).map((r) => `${String(r.tag_id)}@${String(r.ts)}`));
    const lost = committed.filter((r) => !after.has(`${String(r.tag_id)}@${String(r.ts)}`));
    assert.deepEqual(lost, [], `${lost.length} of ${committed.length} committed samples missing after the kill`);
    assert.ok(after.size >= committed.length);
    const [check] = (await db.all('PRAGMA integrity_check')) as Array<{ integrity_check: string }>;
    assert.equal(check.integrity_check, 'ok');
  } finally {
    await db.close();
  }
});
