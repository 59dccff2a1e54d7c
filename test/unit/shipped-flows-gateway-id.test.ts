// One gateway id in every shipped flow: every topic that carries one (edge-gateway/<id>/...) and
// every node's gatewayId field name the same gateway, and Home Assistant's availability topic is
// one the flow publishes (the broker's birth and last will), or Home Assistant would show every
// entity unavailable.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

const root = join(__dirname, '..', '..');
type FlowNode = Record<string, unknown> & { id: string; type: string };

/** The gateway id the runtime gives the flows, and the variables it sets from it (runtime/server.ts). */
const RUNTIME_ID = 'plant-7';
const RUNTIME_VARIABLES: Record<string, string> = {
  EDGEGW_GATEWAY_ID: RUNTIME_ID,
  EDGEGW_STATUS_TOPIC: `edge-gateway/${RUNTIME_ID}/status`,
  EDGEGW_ALARMS_ACK_TOPIC: `edge-gateway/${RUNTIME_ID}/alarms/ack`,
};
/** What a blank gatewayId becomes in a plain Node-RED: the host name (lib/fleet/gateway-id.ts) */
const HOST_NAME_ID = '(the host name)';

interface Place {
  /** the default flows run in the runtime (its variables set); the examples in a plain Node-RED */
  runtime: boolean;
  file: string;
}
const places: Place[] = [
  { runtime: true, file: 'flows/gateway.json' },
  ...readdirSync(join(root, 'examples'))
    .filter((f) => f.endsWith('.json'))
    .sort()
    .map((f) => ({ runtime: false, file: `examples/${f}` })),
];

/** A property's value as Node-RED gives it to the node: a whole ${VAR} substituted, else as it is. */
function substituted(value: string, runtime: boolean): string {
  const m = /^\$\{(\w+)\}$/.exec(value);
  if (!m) return value;
  return runtime ? (RUNTIME_VARIABLES[m[1]] ?? value) : '';
}

/** Every gateway id a flow uses, with where. */
function gatewayIds(flow: FlowNode[], runtime: boolean): Map<string, string[]> {
  const ids = new Map<string, string[]>();
  const saw = (id: string, where: string) => ids.set(id, [...(ids.get(id) ?? []), where]);
  for (const n of flow) {
    for (const [field, raw] of Object.entries(n)) {
      if (typeof raw !== 'string' || field === 'info') continue;
      if (field === 'func') {
        // a topic composed in code: edge-gateway/${env.get('EDGEGW_GATEWAY_ID') || '<fallback>'}/...
        for (const m of raw.matchAll(/edge-gateway\/\$\{env\.get\('EDGEGW_GATEWAY_ID'\) \|\| '([^']*)'\}\//g)) saw(runtime ? RUNTIME_ID : m[1], `${n.id}.func`);
        continue;
      }
      const value = substituted(raw, runtime);
      const topic = /^edge-gateway\/([^/]+)\//.exec(value);
      if (topic) saw(topic[1], `${n.id}.${field}`);
      if (field === 'gatewayId' && n.type.startsWith('edgegw-')) saw(value.trim() || (runtime ? RUNTIME_ID : HOST_NAME_ID), `${n.id}.gatewayId`);
    }
  }
  return ids;
}

test('the runtime sets the variables the way this test reads them', () => {
  const server = readFileSync(join(root, 'runtime', 'server.ts'), 'utf8');
  assert.match(server, /process\.env\.EDGEGW_GATEWAY_ID = s\.gatewayId;/);
  assert.match(server, /process\.env\.EDGEGW_STATUS_TOPIC = `edge-gateway\/\$\{s\.gatewayId\}\/status`;/);
  assert.match(server, /process\.env\.EDGEGW_ALARMS_ACK_TOPIC = `edge-gateway\/\$\{s\.gatewayId\}\/alarms\/ack`;/);
});

for (const place of places) {
  test(`${place.file}: one gateway id`, () => {
    const flow = JSON.parse(readFileSync(join(root, place.file), 'utf8')) as FlowNode[];
    const ids = gatewayIds(flow, place.runtime);
    assert.ok(ids.size <= 1, `gateway ids: ${JSON.stringify(Object.fromEntries(ids))}`);
  });
}

test('where discovery configs reach the broker, their availability topic is the broker status the flow publishes', () => {
  let checked = 0;
  for (const place of places) {
    const flow = JSON.parse(readFileSync(join(root, place.file), 'utf8')) as FlowNode[];
    const byId = new Map(flow.map((n) => [n.id, n]));
    for (const discovery of flow.filter((n) => n.type === 'edgegw-ha-discovery')) {
      const targets = ((discovery.wires as string[][] | undefined) ?? []).flat().map((id) => byId.get(id));
      const published = targets.filter((t) => t?.type === 'mqtt out');
      if (published.length === 0) continue;
      checked++;
      const id = substituted(typeof discovery.gatewayId === 'string' ? discovery.gatewayId : '', place.runtime).trim() || (place.runtime ? RUNTIME_ID : HOST_NAME_ID);
      // lib/fleet/ha-discovery.ts: availability_topic edge-gateway/<gateway id>/status
      const availability = `edge-gateway/${id}/status`;
      for (const out of published) {
        const broker = byId.get(String(out!.broker));
        assert.ok(broker, `${place.file}: ${out!.id} has its broker in the flow`);
        for (const field of ['birthTopic', 'willTopic', 'closeTopic']) {
          assert.equal(substituted(String(broker[field]), place.runtime), availability, `${place.file}: ${broker.id}.${field} is what ${discovery.id} announces`);
        }
        assert.equal(broker.birthPayload, 'online');
        assert.equal(broker.willPayload, 'offline');
      }
    }
  }
  assert.ok(checked >= 2, `the default flows and the pipeline example publish discovery (checked ${checked})`);
});
