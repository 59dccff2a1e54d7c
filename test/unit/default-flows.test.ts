// flows/gateway.json as a file: the tabs of the pipeline each explained by a comment, links that
// point both ways at nodes that exist, and every ${VAR} one the runtime sets (Node-RED substitutes
// only a property's whole value, so a variable inside a longer text would reach MQTT literally).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

const root = join(__dirname, '..', '..');
type FlowNode = Record<string, any> & { id: string; type: string };
const flows = JSON.parse(readFileSync(join(root, 'flows', 'gateway.json'), 'utf8')) as FlowNode[];
const example = JSON.parse(readFileSync(join(root, 'examples', 'gateway-pipeline.json'), 'utf8')) as FlowNode[];
const byId = new Map(flows.map((n) => [n.id, n]));

test('eight tabs, each with a comment node that explains it, placed where it is not clipped', () => {
  const tabs = flows.filter((n) => n.type === 'tab').map((t) => t.label);
  assert.deepEqual(tabs, ['Field (simulation)', 'Field (MQTT simulation)', 'Acquisition', 'Processing', 'Forwarding', 'Commands', 'Supervision', 'Dashboard']);
  for (const tab of flows.filter((n) => n.type === 'tab')) {
    const comments = flows.filter((n) => n.type === 'comment' && n.z === tab.id);
    assert.ok(comments.length >= 1, `${tab.label} has a comment`);
    for (const c of comments) {
      assert.ok(c.x >= 160, `${c.id} at x ${c.x}`);
      assert.ok(String(c.info).length > 200, `${c.id} explains the tab`);
      assert.doesNotMatch(c.info, /^\*\*[^*]+\*\*:/m, `${c.id}: "**X**: text" renders as a definition list`);
      assert.doesNotMatch(c.info + c.name, /EDGEGW_/, `${c.id} names the option, not the variable`);
    }
  }
});

test('wires and links point at nodes that exist; link outs and link ins agree', () => {
  for (const n of flows) {
    for (const out of n.wires ?? []) for (const target of out) assert.ok(byId.has(target), `${n.id} wires to missing ${target}`);
    if (n.type === 'link out') {
      for (const target of n.links) {
        assert.equal(byId.get(target)?.type, 'link in', `${n.id} links to ${target}`);
        assert.ok(byId.get(target)!.links.includes(n.id), `${target} lists ${n.id}`);
      }
    }
  }
  assert.equal(byId.get('edgegw.acq.out')?.type, 'link out', 'the acquisition seam edgegw.acq.out');
});

test('every ${VAR} is a whole property value and set by the runtime', () => {
  const server = readFileSync(join(root, 'runtime', 'server.ts'), 'utf8');
  const visit = (v: unknown, where: string): void => {
    if (typeof v === 'string') {
      if (!v.includes('${')) return;
      if (where.endsWith('.func') || where.endsWith('.info')) return; // JavaScript template literals, markdown
      const m = /^\$\{(\w+)\}$/.exec(v);
      assert.ok(m, `${where}: ${v} is not a whole value, Node-RED would not substitute it`);
      assert.match(server, new RegExp(`process\\.env\\.${m[1]}\\b`), `${where}: the runtime sets ${m[1]}`);
    } else if (v && typeof v === 'object') {
      for (const [k, x] of Object.entries(v)) visit(x, `${where}.${k}`);
    }
  };
  for (const n of flows) visit(n, n.id);
});

test('the palette example is the same pipeline, without the dashboard, with concrete values and ids of its own', () => {
  // the dashboard is an example of its own (examples/dashboard-feed.json): a palette user may not have Dashboard 2.0
  const dashboardTab = flows.find((n) => n.type === 'tab' && n.label === 'Dashboard')?.id;
  const types = (f: FlowNode[]) =>
    f
      .filter((n) => n.type !== 'tab' && n.z !== dashboardTab && !n.type.startsWith('ui-'))
      .map((n) => n.type)
      .sort();
  assert.deepEqual(types(example), types(flows));
  assert.ok(!JSON.stringify(example).includes('${EDGEGW'), 'no runtime variables');
  const ids = new Set(flows.map((n) => n.id));
  for (const n of example) assert.ok(!ids.has(n.id), `${n.id} clashes with the default flows`);
});

/** Every node a message from `from` can reach: along wires and from link outs to their link ins. */
function reachable(from: string): Set<string> {
  const seen = new Set<string>();
  const stack = [from];
  while (stack.length) {
    const id = stack.pop()!;
    if (seen.has(id)) continue;
    seen.add(id);
    const n = byId.get(id);
    if (!n) continue;
    for (const out of n.wires ?? []) stack.push(...out);
    if (n.type === 'link out') stack.push(...n.links);
  }
  return seen;
}

test('heartbeat and alarm events go through the durable events queue, never a plain mqtt out', () => {
  const queues = flows.filter((n) => n.type === 'edgegw-store-forward');
  assert.deepEqual(queues.map((q) => q.queue).sort(), ['devices', 'events']);
  for (const q of queues) {
    assert.equal(q.storage, 'sqlite', `${q.queue} is durable`);
    assert.equal(byId.get(q.target)?.type, 'edgegw-forward-target');
  }
  // one target for both queues: its topic is the message's own (devices/<d>/data, edge-gateway/<id>/...)
  assert.equal(byId.get(queues[0].target)!.topic, '{topic}');
  const events = queues.find((q) => q.queue === 'events')!;
  const heartbeats = flows.filter((n) => n.type === 'edgegw-gateway-heartbeat');
  assert.equal(heartbeats.length, 1, 'the heartbeat is the gateway-heartbeat node');
  assert.equal(heartbeats[0].interval, 10);
  assert.equal(heartbeats[0].gatewayId, '', 'the runtime gateway id (EDGEGW_GATEWAY_ID)');
  assert.ok(!flows.some((n) => n.type === 'function' && /heartbeat/i.test(n.name)), 'no function node builds a heartbeat any more');
  const sources = [heartbeats[0].id, ...flows.filter((n) => n.type === 'edgegw-alarm' || n.type === 'edgegw-watchdog').map((n) => n.id)];
  assert.equal(sources.length, 3, 'heartbeat, alarm and watchdog');
  for (const source of sources) {
    const reach = reachable(source);
    assert.ok(reach.has(events.id), `${source} reaches the events queue`);
    const plain = [...reach].filter((id) => byId.get(id)?.type === 'mqtt out');
    assert.deepEqual(plain, [], `${source} reaches no mqtt out`);
  }
  // the heartbeat learns the depth of both queues from their status
  const status = flows.find((n) => n.type === 'status' && n.scope?.includes(events.id))!;
  assert.deepEqual([...status.scope].sort(), queues.map((q) => q.id).sort());
  assert.ok(reachable(status.id).has(heartbeats[0].id), 'queue status reaches the heartbeat node');
  // the status topic stays the broker's retained last will
  const broker = flows.find((n) => n.type === 'mqtt-broker')!;
  assert.equal(broker.willTopic, '${EDGEGW_STATUS_TOPIC}');
  assert.equal(broker.willPayload, 'offline');
  assert.equal(broker.willRetain, 'true');
  assert.equal(broker.birthPayload, 'online');
});
