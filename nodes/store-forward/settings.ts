// The store-forward node's settings as DurableQueue options (sizes in MB, times in hours).
import { join } from 'node:path';
import type { NodeDef } from '../common/red';
import type { DurableQueueOptions } from '../../lib/queue';
import { readFields } from '../../lib/config/fields';
import { STORE_FORWARD_FIELDS } from '../../lib/queue/node-fields';
import { textOf } from '../../lib/system/text/text-of';

export function queueOptionsFromSettings(def: NodeDef, userDir: string): DurableQueueOptions {
  const f = readFields(STORE_FORWARD_FIELDS, def);
  const hours = (h: number | undefined) => (h === undefined ? undefined : h * 3_600_000);
  return {
    name: textOf(f.queue || def.name || def.id),
    storage: f.storage,
    dir: join(userDir, 'queues'),
    durability: f.durability,
    batchMs: f.batchMs,
    batchMax: f.batchMax,
    maxMessages: f.maxMessages,
    maxBytes: f.maxMB === undefined ? undefined : f.maxMB * 1024 * 1024,
    maxAgeMs: hours(f.maxAgeH),
    policy: f.policy,
    retentionMs: hours(f.retentionH),
  };
}
