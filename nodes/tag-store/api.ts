// What a tag-store config node offers producers and readers (tag-calc's `store` option,
// tag-store-in, later modbus-device, dbc-decode and the REST API): look it up with
// RED.nodes.getNode(id) and call these. write() never throws; it returns what it refused.
import type { Node } from '../common/red';
import type { TagSample } from '../../lib/tags/contract';
import type { TagStoreStats, WriteResult } from '../../lib/tags/store';

export const STATS_EVENT = 'edgegw:tag-store-stats';

export interface TagStoreNode extends Node {
  /** stores samples; a store whose configuration failed refuses them all (errors says why) */
  write(samples: readonly TagSample[]): WriteResult;
  read(key: string): TagSample | undefined;
  readDevice(device: string): TagSample[];
  readPrefix(prefix: string): TagSample[];
  /** validated against the user tag's definition and audited; throws TagValueError */
  setUserTag(name: string, value: unknown, actor: string): TagSample;
  /** the device user tags live under ("user") */
  readonly userDevice: string;
  /** counts after the latest tick, plus the configuration problem if there is one */
  stats(): TagStoreStats & { configError?: string; sqliteMissing?: boolean };
}

/** The tag-store node with this id, or undefined (none configured, or another type). */
export function tagStoreNode(getNode: (id: string) => Node | null, id: unknown): TagStoreNode | undefined {
  if (typeof id !== 'string' || !id) return undefined;
  const n = getNode(id) as TagStoreNode | null;
  return n && n.type === 'edgegw-tag-store' && typeof n.write === 'function' ? n : undefined;
}
