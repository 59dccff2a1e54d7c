// Files a node's fields name (databases, rule tables, report directories) are relative to the
// Node-RED user directory, the one place a palette install and the runtime both keep their state.
import { isAbsolute, join } from 'node:path';

/** `path` as a node's field gives it: an absolute one as it is, a relative one under `userDir`. */
export function underUserDir(path: string, userDir: string): string {
  return isAbsolute(path) ? path : join(userDir, path);
}
