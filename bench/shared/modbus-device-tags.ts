// The 1,000-tag device of the Modbus benchmarks (bench/modbus.bench.ts, bench/modbus-profile.ts):
// one definition, so the profile drives exactly the device the bench measures.
import type { TagDef, TagType } from '../../lib/modbus/types';

/** 500 uint16, 250 float32 and 250 int32, holding registers 0..1499. */
export function deviceTags(): TagDef[] {
  const tags: TagDef[] = [];
  let address = 0;
  for (let i = 0; i < 1000; i++) {
    const type: TagType = i % 4 === 0 ? 'float32' : i % 4 === 1 ? 'int32' : 'uint16';
    tags.push({ name: `t${i}`, area: 'holding', address, type, order: 'ABCD', scale: i % 2 ? 0.1 : 1, offset: 0, access: 'r' });
    address += type === 'uint16' ? 1 : 2;
  }
  return tags;
}
