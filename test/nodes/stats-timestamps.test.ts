// stats node: samples whose timestamp is not a number or lies far in the future are refused and
// counted (metric, status, health), with a rate-limited warning; the tag's later samples still
// make windows (before, one far-future sample opened a window that never closed).
import { test, describe, before, after, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import { helper, nodeModule } from '../helpers/nodered';
import { waitFor } from '../helpers/process';
import { clearCollected, collectorModule, lastStatus, received } from '../helpers/can-nodes';
import { metricsRegistry } from '../../lib/metrics/registry';
import { healthRegistry } from '../../lib/health/registry';
import { MemoryWindowStore } from '../../lib/stats/window-store';
import { plausibleSamples } from '../../lib/stats/sample-time';
import type { TagSample } from '../../lib/tags/contract';

const modules = () => [nodeModule('stats'), collectorModule];
const tag = (ts: unknown, value = 1): { tag: TagSample } => ({ tag: { device: 'm', name: 'p', value, quality: 'good', ts } as TagSample });

describe('stats node: implausible timestamps', () => {
  before(() => helper.startServer());
  after(() => helper.stopServer());
  afterEach(async () => {
    await helper.unload();
    clearCollected();
    MemoryWindowStore.forget('sts');
  });

  test('plausibleSamples: epoch ms up to maxSkew ahead; texts (ISO too), NaN and far-future refused with the reason', () => {
    const now = 1_800_000_000_000;
    const s = (ts: unknown) => tag(ts).tag;
    const { accepted, refused } = plausibleSamples(
      [s(now - 86_400_000), s(now + 299_000), s(now + 301_000), s(8.64e15), s('yesterday'), s('2026-12-01T00:00:00Z'), s(NaN), s(undefined)],
      now,
      300_000,
    );
    assert.deepEqual(
      accepted.map((a) => a.ts),
      [now - 86_400_000, now + 299_000],
    );
    assert.equal(refused.length, 6);
    assert.match(refused[0].reason, /301 s ahead .*allowed: 300 s/);
    assert.match(refused[2].reason, /ts "yesterday" is not a time in epoch ms/);
  });

  test('a far-future and a text ts are refused and counted; later samples of the tag still close windows', async () => {
    await helper.load(modules(), [
      { id: 'sts', type: 'edgegw-stats', windowKind: 'tumbling', windowBy: 'time', length: 1, lengthUnit: 's', align: false, persist: 'memory', maxSkew: 60, wires: [['sink']] },
      { id: 'sink', type: 'test-collect' },
    ]);
    const st = helper.getNode('sts');
    await waitFor('ready', () => /^stats\.status\.ready/.test(lastStatus(st)?.text ?? ''));
    st.receive(tag(8.64e15));
    st.receive(tag('yesterday'));
    const t0 = Date.now() - 10_000;
    st.receive(tag(t0, 5));
    st.receive(tag(t0 + 1500, 7)); // closes the window of t0
    await waitFor('a window of the good samples', () => received('sink').length === 1);
    assert.equal((received('sink')[0].payload as Record<string, number>)['p.mean'], 5);
    const warnings = (st as unknown as { warn: { getCalls(): Array<{ args: unknown[] }> } }).warn.getCalls().map((c) => String(c.args[0]));
    assert.equal(warnings.length, 1, 'one warning for the burst of refusals (rate-limited)');
    assert.match(warnings[0], /1 samples refused .* m\/p: ts 8640000000000000 is \d+ s ahead .*allowed: 60 s/);
    const metric = await metricsRegistry().getSingleMetric('edgegw_stats_samples_refused_total')!.get();
    assert.equal(metric.values.find((v) => v.labels.node === 'sts')?.value, 2);
    await waitFor('status counts the refused', () => /stats\.status\.refused\(count=2\)/.test(lastStatus(st)?.text ?? ''), 5000);
    const health = healthRegistry()
      .list()
      .find((e) => e.id === 'sts');
    assert.equal(health?.detail?.refused, 2);
  });
});
