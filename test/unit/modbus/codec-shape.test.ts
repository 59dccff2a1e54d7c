// Every tag's codec has the same fields in the same order (what the spread of the former code
// gave), and the codecs of a tag table share one hidden class: an object made by a spread and then
// given its two closures got one of its own from V8, about 240 bytes with its descriptors, two
// codecs a tag (docs/performance.md, "Third cut").
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { setFlagsFromString } from 'node:v8';
import { runInThisContext } from 'node:vm';
import { compileCodec } from '../../../lib/modbus/codec';
import type { TagDef, TagType } from '../../../lib/modbus/types';

setFlagsFromString('--allow-natives-syntax');
// compiled after the flag: V8's own test of two objects' hidden classes
const sameMap = runInThisContext('(function (a, b) { return %HaveSameMap(a, b); })') as (a: object, b: object) => boolean;

const TYPES: TagType[] = ['uint16', 'int16', 'uint32', 'int32', 'float32', 'float64', 'uint64', 'bool', 'bit:3', 'string:4'];

test('codecs of every type, area and scale: the same fields in the same order, one hidden class', () => {
  const codecs = [];
  for (let i = 0; i < 200; i++) {
    const type = TYPES[i % TYPES.length];
    const tag: TagDef = {
      name: `t${i}`,
      area: i % 9 === 8 ? 'coil' : 'holding',
      address: i,
      type: i % 9 === 8 ? 'bool' : type,
      order: i % 2 ? 'CDAB' : 'ABCD',
      scale: i % 3 ? 1 : 0.1,
      offset: i % 5 ? 0 : 2,
      access: 'rw',
    };
    const codec = compileCodec(tag);
    assert.deepEqual(Object.keys(codec), ['tag', 'shape', 'width', 'fast', 'decode', 'encode'], tag.type);
    assert.equal(codec.tag, tag);
    codecs.push(codec);
  }
  const classes: object[] = [];
  for (const c of codecs) if (!classes.some((k) => sameMap(k, c))) classes.push(c);
  assert.equal(classes.length, 1, `${classes.length} hidden classes for ${codecs.length} codecs`);
});
