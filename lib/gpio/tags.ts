// A GPIO level as a tag sample (the one message contract, lib/tags/contract.ts): the value is the
// logical level, a boolean; a line that cannot be read is `bad` with the reason.
import type { TagSample } from '../tags/contract';

export function gpioSample(device: string, tag: string, level: boolean | null, ts: number, error?: string): TagSample {
  return { device, name: tag, value: level, quality: error ? 'bad' : 'good', ts, source: 'gpio', ...(error ? { error } : {}) };
}
