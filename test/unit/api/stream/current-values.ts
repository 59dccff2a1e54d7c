// A tag store offered in the API directory that holds fixed current values: what a new stream
// client is sent first.
import { apiDirectory, type ApiTagSource } from '../../../../lib/api/directory';
import type { TagSample } from '../../../../lib/tags/contract';

/** Registers the store; the returned function takes it back. */
export function offerCurrentValues(samples: TagSample[]): () => void {
  const refuse = (): never => {
    throw new Error('a stream only reads current values');
  };
  const store: ApiTagSource = {
    id: 'stream-test-store',
    name: 'stream test',
    userDevice: 'user',
    read: (key) => samples.find((s) => `${s.device}/${s.name}` === key),
    readDevice: (device) => samples.filter((s) => s.device === device),
    readPrefix: (prefix) => samples.filter((s) => `${s.device}/${s.name}`.startsWith(prefix)),
    checkUserTag: refuse,
    setUserTag: refuse,
  };
  return apiDirectory().register('tagStores', store);
}
