// Every example flow imports onto a tab of its own with a name (never "Flow 1"), and the Modbus
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
    assert.equal(tabs.length, 1, 'one tab');
    const label = String(tabs[0].label ?? '');
    assert.ok(label.trim() && !/^Flow \d*$/.test(label), `tab label ${JSON.stringify(label)}`);
    for (const n of flow) {
      if (n.type === 'tab') continue;
      // flow nodes have a position; config nodes have none and stay global
      if ('x' in n) assert.equal(n.z, tabs[0].id, `node ${n.id} (${n.type}) is on the tab`);
      if (n.type === 'edgegw-modbus-server' || n.type === 'edgegw-modbus-connection') {
        if (n.transport === 'rtu') continue;
        assert.equal(n.host, '127.0.0.1', `${n.id} host`);
        assert.ok(!RESERVED_PORTS.has(Number(n.port)), `${n.id} port ${n.port} clashes with the runtime`);
      }
    }
  });
}
