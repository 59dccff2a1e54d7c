import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { packBlocks, planItem, PlannerError, RegisterPlanner } from '../../../lib/modbus/poller/planner';
import type { Area, TagDef, TagType } from '../../../lib/modbus/types';

let n = 0;
function tag(area: Area, address: number, type: TagType = area === 'coil' || area === 'discrete' ? 'bool' : 'uint16'): TagDef {
  return { name: `t${n++}`, area, address, type, order: 'ABCD', scale: 1, offset: 0, access: 'r' };
}
const spans = (blocks: ReadonlyArray<{ area: Area; address: number; count: number }>) => blocks.map((b) => `${b.area}:${b.address}+${b.count}`);

describe('RegisterPlanner packing', () => {
  test('at most 125 registers per request', () => {
    const items = Array.from({ length: 300 }, (_, i) => planItem(tag('holding', i)));
    assert.deepEqual(spans(packBlocks(items)), ['holding:0+125', 'holding:125+125', 'holding:250+50']);
    assert.deepEqual(spans(packBlocks(items, { maxRegisters: 100 })), ['holding:0+100', 'holding:100+100', 'holding:200+100']);
  });

  test('at most 2000 bits per request', () => {
    const items = Array.from({ length: 2500 }, (_, i) => planItem(tag('coil', i)));
    assert.deepEqual(spans(packBlocks(items)), ['coil:0+2000', 'coil:2000+500']);
    const di = Array.from({ length: 30 }, (_, i) => planItem(tag('discrete', i)));
    assert.deepEqual(spans(packBlocks(di, { maxBits: 16 })), ['discrete:0+16', 'discrete:16+14']);
  });

  test('a multi-register tag is never split across requests', () => {
    const items = [...Array.from({ length: 124 }, (_, i) => planItem(tag('holding', i))), planItem(tag('holding', 124, 'float64'))];
    const blocks = packBlocks(items);
    assert.deepEqual(spans(blocks), ['holding:0+124', 'holding:124+4']);
    assert.equal(blocks[1].items.length, 1);
  });

  test('the max gap decides whether to read across unused registers', () => {
    const items = [planItem(tag('input', 0, 'float32')), planItem(tag('input', 6)), planItem(tag('input', 20))];
    assert.deepEqual(spans(packBlocks(items, { maxGap: 0 })), ['input:0+2', 'input:6+1', 'input:20+1']);
    assert.deepEqual(spans(packBlocks(items, { maxGap: 4 })), ['input:0+7', 'input:20+1']);
    assert.deepEqual(spans(packBlocks(items, { maxGap: 13 })), ['input:0+21']);
  });

  test('areas are planned apart; overlapping tags share a block; order of input does not matter', () => {
    const items = [tag('holding', 11), tag('input', 0), tag('holding', 10, 'uint32'), tag('holding', 12, 'bit:0'), tag('holding', 12, 'bit:7'), tag('coil', 3)].map(planItem);
    const blocks = packBlocks(items);
    assert.deepEqual(spans(blocks), ['coil:3+1', 'holding:10+3', 'input:0+1']);
    assert.equal(blocks[1].items.length, 4);
    assert.deepEqual(
      blocks[1].items.map((i) => i.tag.address),
      [10, 11, 12, 12],
    );
  });

  test('a tag wider than one request is a configuration error naming it', () => {
    const t = tag('holding', 0, 'string:20');
    assert.throws(
      () => packBlocks([planItem(t)], { maxRegisters: 10 }),
      (e: Error) => e instanceof PlannerError && e.message.includes(`tag '${t.name}'`),
    );
    assert.throws(() => packBlocks([], { maxRegisters: 126 }), /maxRegisters must be 1\.\.125/);
  });

  test('the SDM630 map: 95 tags in few requests', () => {
    // input 0..107 (with holes), 200..207, 224..225, 234..269, 334..381; holding 0..29, 0xFC00
    const { loadTemplate } = require('../../../lib/modbus/templates') as typeof import('../../../lib/modbus/templates');
    const tags = loadTemplate('eastron-sdm630').tags;
    const tight = packBlocks(tags.map(planItem), { maxGap: 0 });
    const loose = packBlocks(tags.map(planItem), { maxGap: 30 });
    assert.ok(loose.length < tight.length);
    assert.deepEqual(spans(loose), ['holding:0+30', 'holding:64512+2', 'input:0+108', 'input:200+70', 'input:334+48']);
  });
});

describe('RegisterPlanner split memory', () => {
  test('illegal address: halves, then quarters, down to one tag, and the plan remembers', () => {
    const items = Array.from({ length: 8 }, (_, i) => planItem(tag('holding', i * 2)));
    const p = new RegisterPlanner(items, { maxGap: 1 });
    assert.deepEqual(spans(p.blocks), ['holding:0+15']);
    const [left, right] = p.split(p.blocks[0])!;
    assert.deepEqual(spans([left, right]), ['holding:0+7', 'holding:8+7']);
    assert.deepEqual(spans(p.blocks), ['holding:0+7', 'holding:8+7']);
    const [a, b] = p.split(right)!;
    assert.deepEqual(spans([a, b]), ['holding:8+3', 'holding:12+3']);
    const [c, d] = p.split(b)!;
    assert.deepEqual(spans([c, d]), ['holding:12+1', 'holding:14+1']);
    assert.equal(p.split(d), null, 'a single tag is not split: it is bad alone');
    assert.equal(p.split(right), null, 'a block no longer in the plan is not split again');
    assert.deepEqual(spans(p.blocks), ['holding:0+7', 'holding:8+3', 'holding:12+1', 'holding:14+1']);
    assert.equal(p.splits, 3);
    assert.equal(d.generation, 3);
    assert.equal(p.unitsPerScan, 12);
  });
});
