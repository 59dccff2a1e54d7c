// Every example flow imports onto tabs of its own with names (never "Flow 1"; one tab, except the
// gateway pipeline, which has the six tabs of the default flows), and the Modbus
// ones listen and connect on 127.0.0.1 on ports of their own: not the runtime's simulator (5020),
// broker (1883) or editor (1880), and never 0.0.0.0 (Modbus has no authentication).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

const dir = join(__dirname, '..', '..', 'examples');
const RESERVED_PORTS = new Set([5020, 1883, 1880]);

for (const file of readdirSync(dir).filter((f) => f.endsWith('.json'))) {
  test(`examples/${file}: a named tab holds every flow node; local ports of its own`, () => {
    const flow = JSON.parse(readFileSync(join(dir, file), 'utf8')) as Array<Record<string, unknown> & { id: string; type: string; label?: string; port?: string | number }>;
    const tabs = flow.filter((n) => n.type === 'tab');
    assert.equal(tabs.length, file === 'gateway-pipeline.json' ? 7 : 1, 'tabs');
    for (const tab of tabs) {
      const label = String(tab.label ?? '');
      assert.ok(label.trim() && !/^Flow \d*$/.test(label), `tab label ${JSON.stringify(label)}`);
    }
    const tabIds = new Set(tabs.map((t) => t.id));
    for (const n of flow) {
      if (n.type === 'tab') continue;
      // flow nodes have a position; config nodes have none and stay global
      if ('x' in n) assert.ok(tabIds.has(String(n.z)), `node ${n.id} (${n.type}) is on a tab of the example`);
      if (n.type === 'edgegw-modbus-server' || n.type === 'edgegw-modbus-connection') {
        if (n.transport === 'rtu') continue;
        assert.equal(n.host, '127.0.0.1', `${n.id} host`);
        assert.ok(!RESERVED_PORTS.has(Number(n.port)), `${n.id} port ${n.port} clashes with the runtime`);
      }
    }
  });
}
