// A historian writer in its own process, so the kill test can kill -9 it: one tag, value = its
// sequence number, ts = T0 + seq s, written in batches; after each commit it prints the number of
// samples committed. Env: HISTORY_DB (the file), BATCH (samples per batch).
import { HistorianStore } from '../../lib/historian';

export const CHILD_T0 = Date.UTC(2026, 0, 1);
const say = (o: object) => process.stdout.write(JSON.stringify(o) + '\n');

async function main(): Promise<void> {
  const batch = Number(process.env.BATCH ?? 1000);
  const store = await HistorianStore.open({
    path: process.env.HISTORY_DB!,
    retentionMs: 3650 * 86_400_000,
    batchSize: batch,
    batchMs: 50,
    onError: (err) => say({ event: 'error', message: err.message }),
  });
  for (let seq = 0; ;) {
    const samples = [];
    for (let k = 0; k < batch; k++, seq++) samples.push({ device: 'crash', name: 'seq', value: seq, quality: 'good' as const, ts: CHILD_T0 + seq * 1000 });
    store.add(samples);
    await store.flush();
    say({ event: 'committed', stored: store.counts.stored });
  }
}

if (require.main === module) {
  main().catch((err) => {
    say({ event: 'error', message: (err as Error).message });
    process.exit(1);
  });
}
