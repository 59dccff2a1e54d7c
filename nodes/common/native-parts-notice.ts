// Said once per process when our nodes load: which native parts did not load, what that turns off
// and the command that fixes each (lib/system/process/native-parts.ts). A palette upload on a
// machine where sqlite3 could not build otherwise reads "Nodes added to palette" and nothing else
// until the queues go red. The dependents' statuses say the same per node.
import { missingNativeParts, nativePartsNotice, type MissingNativePart } from '../../lib/system/process/native-parts';
import type { NodeAPI } from './red';

// each node type is its own bundle: the once-flag lives on the process, not in a module
const ANNOUNCED = Symbol.for('edgegw.nativePartsAnnounced');

/** Logs the missing native parts once per process (probing them on first call). */
export function announceMissingNativeParts(RED: NodeAPI): readonly MissingNativePart[] {
  const missing = missingNativeParts();
  const store = globalThis as { [ANNOUNCED]?: boolean };
  if (!store[ANNOUNCED]) {
    store[ANNOUNCED] = true;
    const notice = nativePartsNotice(missing);
    if (notice) RED.log.warn(`[edgegw] ${notice}`);
  }
  return missing;
}
