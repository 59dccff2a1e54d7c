// The device page's delta: a full snapshot first, then only the tags whose value, quality or
// timestamp changed since what was delivered (an offer the throttle replaced loses nothing), and
// a full snapshot again after a gap (a reset, another device).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DevicePageDelta, type DevicePageUpdate } from '../../../lib/dashboard/device-delta';
import type { TagView } from '../../../lib/dashboard/views';

const tag = (name: string, value: number, ts: number, quality = 'good'): TagView => ({ name, value, quality, ts, numeric: true });
/** The tags an update carries: whole (a full snapshot, a new tag) or as a change. */
const names = (u: DevicePageUpdate | undefined) => (u ? [...u.tags.map((t) => t.name), ...(u.changes ?? []).map(([name]) => name)] : undefined);

function deliver(delta: DevicePageDelta, device: string, devices: string[], tags: TagView[]): DevicePageUpdate | undefined {
  const update = delta.next(device, devices, tags);
  if (update) delta.delivered(update);
  return update;
}

test('first a full snapshot, then only what changed in value, quality or timestamp, then nothing when nothing did', () => {
  const delta = new DevicePageDelta();
  const devices = ['boiler', 'meter'];
  const first = deliver(delta, 'boiler', devices, [tag('a', 1, 10), tag('b', 2, 10), tag('c', 3, 10)]);
  assert.deepEqual({ full: first?.full, seq: first?.seq, devices: first?.devices, tags: names(first) }, { full: true, seq: 0, devices, tags: ['a', 'b', 'c'] });

  const second = deliver(delta, 'boiler', devices, [tag('a', 1, 10), tag('b', 2, 20), tag('c', 3, 10, 'bad')]);
  assert.deepEqual(
    second,
    {
      full: false,
      seq: 1,
      device: 'boiler',
      tags: [],
      changes: [
        ['b', 2, 'good', 20],
        ['c', 3, 'bad', 10],
      ],
    },
    'b: a new timestamp, c: a new quality, each as a compact change; no device list',
  );

  const third = deliver(delta, 'boiler', devices, [tag('a', 5, 10), tag('b', 2, 20), tag('c', 3, 10, 'bad')]);
  assert.deepEqual({ seq: third?.seq, tags: names(third) }, { seq: 2, tags: ['a'] });

  assert.equal(delta.next('boiler', devices, [tag('a', 5, 10), tag('b', 2, 20), tag('c', 3, 10, 'bad')]), undefined, 'nothing changed: nothing to send');
  assert.equal(delta.size, 3);
});

test('a tag gone from the device, a tag new to it (whole, with its unit) and a changed device list are sent as changes', () => {
  const delta = new DevicePageDelta();
  deliver(delta, 'boiler', ['boiler'], [tag('a', 1, 10), tag('b', 2, 10)]);
  const update = deliver(delta, 'boiler', ['boiler', 'pump'], [tag('a', 1, 10)]);
  assert.deepEqual(update, { full: false, seq: 1, device: 'boiler', devices: ['boiler', 'pump'], tags: [], removed: ['b'] });
  assert.equal(delta.size, 1, 'the state holds only the tags the device has');
  assert.equal(delta.next('boiler', ['boiler', 'pump'], [tag('a', 1, 10)]), undefined);
  const added = { ...tag('c', 4, 20), unit: 'bar' };
  assert.deepEqual(deliver(delta, 'boiler', ['boiler', 'pump'], [tag('a', 1, 10), added]), { full: false, seq: 2, device: 'boiler', tags: [added] });
});

test('offers the throttle replaced are computed against what was delivered: the one delivered carries every change', () => {
  const delta = new DevicePageDelta();
  deliver(delta, 'boiler', ['boiler'], [tag('a', 1, 10), tag('b', 2, 10)]);
  const replaced = delta.next('boiler', ['boiler'], [tag('a', 9, 20), tag('b', 2, 10)]);
  assert.deepEqual(names(replaced), ['a']);
  // never delivered: the latest offer still carries a's change, and b's
  const latest = delta.next('boiler', ['boiler'], [tag('a', 9, 20), tag('b', 7, 30)]);
  assert.deepEqual({ seq: latest?.seq, tags: names(latest) }, { seq: 1, tags: ['a', 'b'] });
  delta.delivered(latest!);
  assert.equal(delta.next('boiler', ['boiler'], [tag('a', 9, 20), tag('b', 7, 30)]), undefined);
});

test('after a gap (a reset: a page that missed an update, a renewed subscription) or on another device: a full snapshot again', () => {
  const delta = new DevicePageDelta();
  deliver(delta, 'boiler', ['boiler', 'meter'], [tag('a', 1, 10)]);
  const pending = delta.next('boiler', ['boiler', 'meter'], [tag('a', 2, 20)])!;
  delta.reset();
  const full = delta.next('boiler', ['boiler', 'meter'], [tag('a', 2, 20)]);
  assert.deepEqual({ full: full?.full, seq: full?.seq, tags: names(full) }, { full: true, seq: 0, tags: ['a'] });
  delta.delivered(pending);
  assert.equal(delta.next('boiler', ['boiler', 'meter'], [tag('a', 2, 20)])?.full, true, 'an update offered before the reset is no base: still full');
  delta.delivered(full!);
  assert.equal(delta.next('boiler', ['boiler', 'meter'], [tag('a', 2, 20)]), undefined);

  const other = deliver(delta, 'meter', ['boiler', 'meter'], [tag('v', 230, 20)]);
  assert.deepEqual({ full: other?.full, device: other?.device, tags: names(other) }, { full: true, device: 'meter', tags: ['v'] });
});
