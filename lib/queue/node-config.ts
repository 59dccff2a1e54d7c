// The queue a store-forward node's config asks for (sizes in MB, times in hours, as its fields
// are declared in node-fields.ts, which stays browser-safe for the editor).
import { join } from 'node:path';
import { readFields, type RawConfig } from '../config/fields';
import { textOf } from '../system/text/text-of';
import { STORE_FORWARD_FIELDS } from './node-fields';
import type { DurableQueueOptions } from './options';

/**
 * The queue options of a store-forward node's raw config; throws ConfigFieldError naming the
 * field. `nameless` names the queue when the config names none (the node's name or id); its
 * files go under `<userDir>/queues`.
 */
export function storeForwardQueueOptions(raw: RawConfig, nameless: string, userDir: string): DurableQueueOptions {
  const f = readFields(STORE_FORWARD_FIELDS, raw);
  const hours = (h: number | undefined) => (h === undefined ? undefined : h * 3_600_000);
  return {
    name: textOf(f.queue || nameless),
    storage: f.storage,
    dir: join(userDir, 'queues'),
    durability: f.durability,
    batchMs: f.batchMs,
    batchMax: f.batchMax,
    maxMessages: f.maxMessages,
    maxBytes: f.maxMB === undefined ? undefined : f.maxMB * 1024 * 1024,
    maxAgeMs: hours(f.maxAgeH),
    policy: f.policy,
    maxWaiting: f.maxWaiting,
    retentionMs: hours(f.retentionH),
  };
}
