// A TagStore as the API's directory takes it: reads, and user tags checked before they are set.
import type { TagStore } from '../tags/store';
import { TagValueError, validateUserValue } from '../tags/store-config';
import type { ApiTagSource } from './directory';

export function apiTagSource(id: string, name: string, store: TagStore, userDevice: string): ApiTagSource {
  return {
    id,
    name,
    userDevice,
    read: (key) => store.read(key),
    readDevice: (device) => store.readDevice(device),
    readPrefix: (prefix) => store.readPrefix(prefix),
    checkUserTag: (tag, value) => {
      const def = store.userTags().find((d) => d.name === tag);
      if (!def) throw new TagValueError(tag, 'no such user tag');
      validateUserValue(def, value);
    },
    setUserTag: (tag, value, actor) => store.setUserTag(tag, value, actor),
  };
}
