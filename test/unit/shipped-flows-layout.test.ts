// Every tab of every shipped flow (the default flows and every example) as a user sees it in a
// 1600 x 900 browser window: in view without scrolling, no node on another, no wire through a
// node or a status line (test/helpers/flow-layout.ts models the editor; the editor screenshot
// test checks the same in Chromium).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { CANVAS, layoutProblems, linkPath, placed, samplePath, textWidth, type FlowJson } from '../helpers/flow-layout';

const root = join(__dirname, '..', '..');
const shipped = [
  'flows/gateway.json',
  ...readdirSync(join(root, 'examples'))
    .filter((f) => f.endsWith('.json'))
    .sort()
    .map((f) => `examples/${f}`),
];

for (const file of shipped) {
  test(`${file}: every tab fits ${CANVAS.width} x ${CANVAS.height}, no node on another, no wire through a node`, () => {
    const flow = JSON.parse(readFileSync(join(root, file), 'utf8')) as FlowJson;
    assert.ok(
      flow.some((n) => n.type === 'tab'),
      'a tab',
    );
    assert.deepEqual(layoutProblems(flow), []);
  });
}

test('the model: node widths as the editor computes them, wires as it draws them', () => {
  // widths the editor gave these nodes in Chromium (DejaVu Sans): label + icon + port, in steps of 20
  assert.equal(placed({ id: 'a', type: 'inject', name: 'every 1 s', repeat: '1', x: 0, y: 0 }).w, 140);
  assert.equal(placed({ id: 'b', type: 'function', name: 'heating plant physics', x: 0, y: 0 }).w, 220);
  assert.equal(placed({ id: 'c', type: 'edgegw-modbus-server', name: 'field simulator (units 1, 2)', x: 0, y: 0 }).w, 240);
  assert.equal(placed({ id: 'd', type: 'link out', name: 'anything at all', x: 0, y: 0 }).w, 30);
  assert.equal(placed({ id: 'e', type: 'switch', outputs: 3, x: 0, y: 0 }).h, 45);
  assert.ok(textWidth('m') > textWidth('i'));
  // a forward wire is one bezier from port to port; a wire back to the left loops under its ends
  const forward = samplePath(linkPath(0, 0, 200, 100, false));
  assert.deepEqual(forward[0], [0, 0]);
  assert.deepEqual(forward.at(-1), [200, 100]);
  const back = samplePath(linkPath(200, 0, 0, 0, true));
  assert.ok(Math.max(...back.map((p) => p[1])) >= 35, 'under a status line');
  // a node in the way of a wire is found; out of view is found
  const blocked: FlowJson = [
    { id: 't', type: 'tab', label: 't' },
    { id: 'from', type: 'inject', z: 't', name: 'a', x: 100, y: 100, wires: [['to']] },
    { id: 'mid', type: 'function', z: 't', name: 'in the way', x: 400, y: 100, wires: [[]] },
    { id: 'to', type: 'debug', z: 't', name: 'b', x: 700, y: 100 },
    { id: 'far', type: 'debug', z: 't', name: 'c', x: CANVAS.width, y: 100 },
  ];
  assert.deepEqual(
    layoutProblems(blocked).map((p) => p.problem.replace(/ \(.*/, '')),
    ['far', 'the wire from[0] -> to passes through mid'],
  );
});
