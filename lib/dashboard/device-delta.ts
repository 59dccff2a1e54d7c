// The device page of one browser gets only what changed since what it was last delivered: a
// 1,000-tag device whose values rest costs a few bytes an update, not 83 KB, and one whose values
// all move costs a compact change per tag (name, value, quality, time), not its whole view. The state is what was
// *delivered*, not what was offered: the throttle keeps only the latest offer of a widget, so each
// offer is computed against the same delivered base and carries every change since it (a later
// offer replacing an earlier one loses nothing).
import type { TagView } from './views';

/** A known tag's new reading: name, value, quality, timestamp (its unit the page has). */
export type TagChange = [name: string, value: TagView['value'], quality: string, ts: number];

/** One message of the device page: a full snapshot, or the changes to merge into the page's state. */
export interface DevicePageUpdate {
  /** true: the page replaces its state with this one; false: it merges the changes */
  full: boolean;
  /** counts the updates since the last full one: a page that sees a gap asks for a full snapshot */
  seq: number;
  device: string | null;
  /** the devices of the tag stores: in a full snapshot, and in a change when the list changed */
  devices?: string[];
  /** every tag (full), or the tags new to the device since the last update */
  tags: TagView[];
  /** the tags delivered before whose value, quality or timestamp changed (a change only) */
  changes?: TagChange[];
  /** tags no longer on the device (a change only) */
  removed?: string[];
}

const signature = (value: TagView['value'], ts: number, quality: string): string => `${String(value)}@${ts}:${quality}`;
/** What a page shows of a tag's reading: two readings with the same signature look alike. */
export const tagSignature = (t: TagView): string => signature(t.value, t.ts, t.quality);

/** What one browser's device page was delivered, and the update that brings it to the current tags. */
export class DevicePageDelta {
  /** tag name -> signature, as delivered */
  private delivered_ = new Map<string, string>();
  private deliveredDevices = '';
  private deliveredDevice: string | null | undefined;
  private deliveredSeq = 0;
  private needsFull = true;
  /** the updates offered since the last reset: one offered before it is not a base any more */
  private issued = new WeakSet<DevicePageUpdate>();

  /** The next update is a full snapshot (a new subscriber, another device, a page that missed one). */
  reset(): void {
    this.needsFull = true;
    this.issued = new WeakSet();
  }

  /** How many tags the state holds (bounded by the device's tags). */
  get size(): number {
    return this.delivered_.size;
  }

  /**
   * The update from what was delivered to `tags` (sorted by name); undefined when nothing changed.
   * `whole`: a change comes as a full snapshot too (a page that does not merge changes).
   */
  next(device: string | null, devices: readonly string[], tags: readonly TagView[], whole = false): DevicePageUpdate | undefined {
    const deviceList = devices.join('\n');
    const snapshot = (): DevicePageUpdate => ({ full: true, seq: 0, device, devices: [...devices], tags: [...tags] });
    let update: DevicePageUpdate;
    if (this.needsFull || device !== this.deliveredDevice) {
      update = snapshot();
    } else {
      const added: TagView[] = [];
      const changes: TagChange[] = [];
      let known = 0;
      for (const t of tags) {
        const sig = this.delivered_.get(t.name);
        if (sig === undefined) added.push(t);
        else {
          known++;
          if (sig !== tagSignature(t)) changes.push([t.name, t.value, t.quality, t.ts]);
        }
      }
      // a delivered tag not among the current ones is gone from the device
      let removed: string[] | undefined;
      if (known < this.delivered_.size) {
        const present = new Set(tags.map((t) => t.name));
        removed = [...this.delivered_.keys()].filter((name) => !present.has(name));
      }
      const devicesChanged = deviceList !== this.deliveredDevices;
      if (!added.length && !changes.length && !removed && !devicesChanged) return undefined;
      update = whole
        ? snapshot()
        : {
            full: false,
            seq: this.deliveredSeq + 1,
            device,
            ...(devicesChanged ? { devices: [...devices] } : {}),
            tags: added,
            ...(changes.length ? { changes } : {}),
            ...(removed ? { removed } : {}),
          };
    }
    this.issued.add(update);
    return update;
  }

  /** The browser was sent `update`: the base of the next one. */
  delivered(update: DevicePageUpdate): void {
    if (!this.issued.has(update)) return;
    if (update.full) {
      this.delivered_ = new Map(update.tags.map((t) => [t.name, tagSignature(t)]));
      this.needsFull = false;
    } else {
      for (const t of update.tags) this.delivered_.set(t.name, tagSignature(t));
      for (const [name, value, quality, ts] of update.changes ?? []) this.delivered_.set(name, signature(value, ts, quality));
      for (const name of update.removed ?? []) this.delivered_.delete(name);
    }
    if (update.devices) this.deliveredDevices = update.devices.join('\n');
    this.deliveredDevice = update.device;
    this.deliveredSeq = update.seq;
  }
}
