// The store-forward node's settings as DurableQueue options (sizes in MB, times in hours).
import { join } from 'node:path';
import type { NodeDef } from '../common/red';
import type { DurableQueueOptions } from '../../lib/queue';
import { textOf } from '../../lib/system/text/text-of';

export function queueOptionsFromSettings(def: NodeDef, userDir: string): DurableQueueOptions {
  const num = (v: unknown) => (v === '' || v === undefined || v === null ? undefined : Number(v));
  const hours = (v: unknown) => (num(v) === undefined ? undefined : num(v)! * 3_600_000);
  return {
    name: textOf(def.queue || def.name || def.id),
    storage: def.storage === 'memory' ? 'memory' : 'sqlite',
    dir: join(userDir, 'queues'),
    durability: def.durability === 'full' ? 'full' : 'normal',
    batchMs: num(def.batchMs),
    batchMax: num(def.batchMax),
    maxMessages: num(def.maxMessages),
    maxBytes: num(def.maxMB) === undefined ? undefined : num(def.maxMB)! * 1024 * 1024,
    maxAgeMs: hours(def.maxAgeH),
    policy: (def.policy as DurableQueueOptions['policy']) || 'drop-oldest',
    retentionMs: hours(def.retentionH),
  };
}
