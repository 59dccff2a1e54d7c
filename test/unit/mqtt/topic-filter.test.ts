// Topic filter matching and the delivery QoS of overlapping subscriptions.
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { deliveryQos, topicMatches } from '../../../lib/mqtt/topic-filter';

describe('topic filters', () => {
  test('+ is one level, # the parent and everything below, $ topics only by an explicit first level', () => {
    const cases: Array<[string, string, boolean]> = [
      ['a/b', 'a/b', true],
      ['a/b', 'a/b/c', false],
      ['a/+', 'a/b', true],
      ['a/+', 'a/b/c', false],
      ['a/+', 'a', false],
      ['a/+', 'a/', true],
      ['+/+', '/b', true],
      ['a/#', 'a', true],
      ['a/#', 'a/b/c', true],
      ['#', 'a/b', true],
      ['#', '$SYS/x', false],
      ['+/x', '$SYS/x', false],
      ['$SYS/#', '$SYS/x', true],
      ['a/+/c', 'a/b/c', true],
      ['a/+/c', 'a/b/d', false],
    ];
    for (const [filter, topic, expected] of cases) assert.equal(topicMatches(filter, topic), expected, `${filter} vs ${topic}`);
  });

  test('delivery QoS: the lower of published and granted, the highest grant among matching filters', () => {
    assert.equal(deliveryQos({ 'a/#': { qos: 0 } }, 'a/b', 1), 0);
    assert.equal(deliveryQos({ 'a/+': { qos: 1 } }, 'a/b', 2), 1);
    assert.equal(deliveryQos({ 'a/+': { qos: 2 } }, 'a/b', 1), 1);
    assert.equal(deliveryQos({ 'a/#': { qos: 0 }, 'a/+': { qos: 1 } }, 'a/b', 2), 1);
    assert.equal(deliveryQos({ 'x/#': { qos: 2 } }, 'a/b', 2), undefined);
  });
});
