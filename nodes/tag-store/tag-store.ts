// tag-store (config node): owns one TagStore, its SQLite file and its one timer. Producers write
// through the API in api.ts; clients show its counts as their status (a config node has none).
import { isAbsolute, join, resolve } from 'node:path';
import type { NodeAPI, Node, NodeDef } from '../common/red';
import { auditLogOf } from '../common/settings';
import { TagStore, type TagStoreStats } from '../../lib/tags/store';
import { parseMaxAgeRules, parseUserTags, type MaxAgeRules, type UserTagDefinition } from '../../lib/tags/store-config';
import { apiDirectory } from '../../lib/api/directory';
import { apiTagSource } from '../../lib/api/tag-source';
import { TAG_STORE_FIELDS } from '../../lib/tags/store-fields';
import { readFields } from '../../lib/config/fields';
import { SqliteTagPersistence } from '../../lib/tags/store-sqlite';
import { publishStoreStats, registerStore, unregisterStore } from '../../lib/tags/store-metrics';
import { MissingPackageError } from '../../lib/system/process/optional';
import { healthRegistry } from '../../lib/health/registry';
import { streamHub } from '../../lib/api/stream/hub';

import { STATS_EVENT, type TagStoreNode } from './api';
import { textOf } from '../../lib/system/text/text-of';
import { migrateNodeConfig } from '../common/migrations';
import { announceMissingNativeParts } from '../common/native-parts-notice';

export = function (RED: NodeAPI) {
  announceMissingNativeParts(RED); // once per process: the native parts that did not load, and the fix
  function TagStoreConfigNode(this: Node, def: NodeDef) {
    RED.nodes.createNode(this, def);
    def = migrateNodeConfig(def);
    const node = this as TagStoreNode;
    const storeName = String(def.name || '').trim() || node.id;
    let userDevice: string = TAG_STORE_FIELDS.fields.userDevice.default;
    let persist = false;
    let storeFile = '';
    let configError: string | undefined;
    let sqliteMissing = false;
    let maxAge: MaxAgeRules | undefined;
    let userTags: UserTagDefinition[] = [];
    try {
      const fields = readFields(TAG_STORE_FIELDS, def);
      ({ userDevice, persist } = fields);
      storeFile = fields.file;
      maxAge = parseMaxAgeRules(textOf(def.maxAgeRules ?? ''), fields.maxAge);
      userTags = parseUserTags(textOf(def.userTags ?? ''));
    } catch (err) {
      configError = (err as Error).message;
      node.error(`tag-store ${storeName}: ${configError}`);
    }

    let persistence: SqliteTagPersistence | undefined;
    if (!configError && persist) {
      const userDir = RED.settings.userDir ?? process.cwd();
      const file = storeFile || join('edgegw', `tags-${node.id}.sqlite`);
      try {
        persistence = new SqliteTagPersistence(isAbsolute(file) ? file : resolve(userDir, file));
      } catch (err) {
        if (!(err instanceof MissingPackageError)) throw err;
        sqliteMissing = true;
        node.warn(`tag-store ${storeName}: last values are kept in memory only: ${err.message}`);
      }
    }

    const report = (stats: TagStoreStats) => {
      const problem = configError ?? stats.persistenceError;
      const detail = {
        tags: stats.tags,
        ...stats.byQuality,
        pending: stats.pending,
        persistence: sqliteMissing ? 'memory (sqlite3 missing)' : stats.persistence,
        refused: stats.refused,
        oldestAgeSeconds: stats.oldestAgeSeconds,
        meanAgeSeconds: Math.round(stats.meanAgeSeconds * 1000) / 1000,
        error: problem,
      };
      healthRegistry().report(node.id, 'tag-store', configError ? 'down' : problem || sqliteMissing ? 'degraded' : 'ok', detail, node.name);
      publishStoreStats(storeName, stats);
      node.emit(STATS_EVENT, node.stats());
    };
    const hub = streamHub();
    const store = new TagStore({
      maxAge,
      userTags,
      userDevice,
      persistence,
      audit: auditLogOf(RED),
      onTick: (stats) => closed || report(stats),
      onChange: (samples) => hub.publishTags(samples),
      onPersistenceError: (err) => node.warn(`tag-store ${storeName}: ${err.message} (values stay in memory and are saved again on the next tick)`),
    });
    registerStore(storeName, store);

    const refuseAll = (n: number) => ({ written: 0, errors: [`tag-store ${storeName} is not configured: ${configError}`].concat(n > 1 ? [`(${n} samples refused)`] : []) });
    node.write = (samples) => (configError ? refuseAll(samples.length) : store.write(samples));
    node.read = (key) => store.read(key);
    node.readDevice = (device) => store.readDevice(device);
    node.readPrefix = (prefix) => store.readPrefix(prefix);
    node.setUserTag = (name, value, actor) => store.setUserTag(name, value, actor);
    (node as { userDevice: string }).userDevice = userDevice;
    node.stats = () => ({ ...store.latestStats(), configError, sqliteMissing });
    report(store.latestStats());
    let closed = false;
    store.start().then(
      // a redeploy can close the store before its file is loaded: nothing to report then
      () => closed || report(store.tick()),
      (err: Error) => node.error(`tag-store ${storeName}: ${err.message}`),
    );
    // the operator API reads values and sets user tags here (checked all before the first is set)
    const unregisterApi = apiDirectory().register('tagStores', apiTagSource(node.id, storeName, store, userDevice));
    node.on('close', (_removed: boolean, done: () => void) => {
      closed = true;
      unregisterApi();
      unregisterStore(storeName, store);
      healthRegistry().remove(node.id);
      store.close().then(done, (err: Error) => {
        node.error(`tag-store ${storeName}: ${err.message}`);
        done();
      });
    });
  }

  RED.nodes.registerType('edgegw-tag-store', TagStoreConfigNode);
};
