// The first start of the real `edge-gateway` command: the port answers while Node-RED loads
// (/health "starting", the editor a 503 page that reloads itself), then the verdict of the flows.
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { startGatewayProcess } from '../helpers/gateway';

describe('first start', () => {
  test('/health says starting (503) until the flows run, then ok or degraded; the editor waits with a page that reloads', async () => {
    const gw = await startGatewayProcess({ waitHealthy: false });
    const seen: string[] = [];
    let editorWhileStarting: { status: number; retryAfter: string | null; text: string } | undefined;
    try {
      const deadline = Date.now() + 90_000;
      for (;;) {
        assert.ok(Date.now() < deadline, `the flows did not start within 90 s; seen: ${seen.join(' ')}\n${gw.peer.output()}`);
        assert.equal(gw.peer.proc.exitCode, null, `the gateway exited: ${gw.peer.output()}`);
        const r = await fetch(`${gw.base}/health`).catch(() => null);
        if (r) {
          const text = await r.text();
          const body = JSON.parse(text) as { status: string; flows?: { started: boolean } };
          assert.ok(body.flows, `a /health answer without flows: ${r.status} ${text}`);
          if (seen.at(-1) !== body.status) seen.push(body.status);
          if (body.status === 'starting') {
            assert.equal(r.status, 503);
            if (!editorWhileStarting) {
              const page = await fetch(`${gw.base}/`, { headers: { accept: 'text/html' } });
              editorWhileStarting = { status: page.status, retryAfter: page.headers.get('retry-after'), text: await page.text() };
            }
          }
          if (body.flows?.started) break;
        }
        await new Promise((res) => setTimeout(res, 20));
      }
      // loading the nodes takes over a second even on a fast machine: the window is seen
      assert.equal(seen[0], 'starting', `statuses seen: ${seen.join(' ')}`);
      assert.ok(['ok', 'degraded'].includes(seen.at(-1) ?? ''), `statuses seen: ${seen.join(' ')}`);
      assert.ok(!seen.includes('down'), `never down on the way: ${seen.join(' ')}`);
      if (editorWhileStarting && editorWhileStarting.status === 503) {
        assert.equal(editorWhileStarting.retryAfter, '1');
        assert.match(editorWhileStarting.text, /http-equiv="refresh"/);
        assert.match(editorWhileStarting.text, /edge-gateway is starting/);
      }
      // once started, the editor is served
      const editor = await fetch(`${gw.base}/`, { headers: { accept: 'text/html' } });
      assert.equal(editor.status, 200);
      assert.match(await editor.text(), /<title>edge-gateway<\/title>/);
    } finally {
      await gw.stop();
      gw.cleanup();
    }
  });
});
