// mqtt-packet (under aedes, mqtt.js and Node-RED's mqtt nodes) fills a table of 65,536 two-byte
// Buffers, one per 16-bit number, the first time it writes a packet, and keeps it for good: 6.6 MB
// of V8 heap (65,536 Buffer objects and the table) in a gateway whose default flows hold about
// 70 MB, to save the allocation of a 2-byte Buffer for a packet id or a topic length. Our rates
// are thousands of packets a second at most, so the runtime switches the table off with
// mqtt-packet's own setting (`writeToStream.cacheNumbers`, which mqtt.js also sets for clients
// with `writeCache: false`) and drops a table already filled. The bytes written are the same.
import { dirname, join } from 'node:path';

const WRITER = /[\\/]mqtt-packet[\\/]writeToStream\.js$/;

interface NumberTable {
  cache?: Record<number, Buffer>;
}

export interface MqttNumberCacheRelease {
  /** the copies of mqtt-packet found loaded (each has a table of its own) */
  copies: number;
  /** Buffers dropped from tables that were already filled */
  dropped: number;
}

/**
 * Switches the number table off in every copy of mqtt-packet loaded so far, and empties the
 * tables already filled. Run it once the packages that bring mqtt-packet are loaded (the broker,
 * Node-RED's nodes): a copy loaded later keeps its own default.
 */
export function releaseMqttNumberCaches(cache: NodeJS.Dict<NodeModule> = require.cache): MqttNumberCacheRelease {
  let copies = 0;
  let dropped = 0;
  for (const [file, mod] of Object.entries(cache)) {
    if (!mod || !WRITER.test(file)) continue;
    const writer = mod.exports as { cacheNumbers?: boolean };
    if (!writer || !('cacheNumbers' in writer)) continue;
    copies++;
    writer.cacheNumbers = false;
    const table = (cache[join(dirname(file), 'numbers.js')]?.exports as NumberTable | undefined)?.cache;
    if (!table) continue;
    for (const key of Object.keys(table)) {
      delete table[Number(key)];
      dropped++;
    }
  }
  return { copies, dropped };
}
