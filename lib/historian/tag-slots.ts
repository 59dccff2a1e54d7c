// A small number for each tag the historian has seen, so that the backlog keeps an integer a sample
// (backlog.ts) and a batch groups its samples by a counting sort. A slot knows its tag's device,
// name and unit (to create its hist_tags row) and, once the row exists, its tag_id.
import type { TagSample } from '../tags/contract';

export interface SlotTag {
  device: string;
  name: string;
  unit?: string;
}

export class TagSlots {
  private readonly byDevice = new Map<string, Map<string, number>>();
  private readonly tags: SlotTag[] = [];
  /** tag_id of each slot, -1 until its row is committed */
  private readonly ids: number[] = [];

  /** slots made so far: every slot is below this */
  get count(): number {
    return this.tags.length;
  }

  /** The slot of a sample's tag, made at its first sample. */
  slotOf(s: TagSample): number {
    const names = this.namesOf(s.device);
    const slot = names.get(s.name);
    if (slot !== undefined) {
      // a tag's row takes the unit of a sample that has one, if the first had none
      if (s.unit !== undefined && this.ids[slot] < 0 && this.tags[slot].unit === undefined) this.tags[slot].unit = s.unit;
      return slot;
    }
    return this.add({ device: s.device, name: s.name, unit: s.unit }, -1, names);
  }

  /** A tag stored already (read at open). */
  known(device: string, name: string, tagId: number): void {
    const names = this.namesOf(device);
    const slot = names.get(name);
    if (slot === undefined) this.add({ device, name }, tagId, names);
    else this.ids[slot] = tagId;
  }

  tag(slot: number): SlotTag {
    return this.tags[slot];
  }

  /** The tag's id, undefined while it has no committed row. */
  idOf(slot: number): number | undefined {
    const id = this.ids[slot];
    return id < 0 ? undefined : id;
  }

  setId(slot: number, tagId: number): void {
    this.ids[slot] = tagId;
  }

  private namesOf(device: string): Map<string, number> {
    let names = this.byDevice.get(device);
    if (!names) this.byDevice.set(device, (names = new Map()));
    return names;
  }

  private add(tag: SlotTag, tagId: number, names: Map<string, number>): number {
    const slot = this.tags.length;
    this.tags.push(tag);
    this.ids.push(tagId);
    names.set(tag.name, slot);
    return slot;
  }
}
