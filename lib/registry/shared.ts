// One registry per user directory per process, shared through globalThis (like the health
// registry and the API directory), so the runtime, the embedded broker, the operator API and the
// nodes (also copies of this module loaded from another path) see the same devices and never
// write one file from two objects.
import { resolve } from 'node:path';
import { openDeviceRegistry, type OpenDeviceRegistryOptions } from './open';
import type { DeviceRegistry } from './registry';

const KEY = Symbol.for('edgegw.device.registries');
const OPENED = Symbol.for('edgegw.device.registries.opened');

function opened(): Map<string, DeviceRegistry> {
  const g = globalThis as unknown as Record<symbol, Map<string, DeviceRegistry> | undefined>;
  return (g[OPENED] ??= new Map());
}

function registries(): Map<string, Promise<DeviceRegistry>> {
  const g = globalThis as unknown as Record<symbol, Map<string, Promise<DeviceRegistry>> | undefined>;
  return (g[KEY] ??= new Map());
}

/** The process's registry of `userDir`, opened at the first call (the options of that call count). */
export function sharedDeviceRegistry(userDir: string, opts: OpenDeviceRegistryOptions = {}): Promise<DeviceRegistry> {
  const key = resolve(userDir);
  const all = registries();
  let opening = all.get(key);
  if (!opening) {
    opening = openDeviceRegistry(key, opts).then((o) => {
      opened().set(key, o.registry);
      return o.registry;
    });
    all.set(key, opening);
    // a failed open is tried again by the next caller
    opening.catch(() => {
      if (all.get(key) === opening) all.delete(key);
    });
  }
  return opening;
}

/**
 * The registry of `userDir` when this process has opened it already (the edge-gateway runtime
 * opens it before the flows start), else undefined. For nodes, which register synchronously.
 */
export function openedDeviceRegistry(userDir: string): DeviceRegistry | undefined {
  return opened().get(resolve(userDir));
}

/** The registries this process has open (the operator API reads them). */
export async function openDeviceRegistries(): Promise<DeviceRegistry[]> {
  const settled = await Promise.allSettled(registries().values());
  return settled.flatMap((s) => (s.status === 'fulfilled' ? [s.value] : []));
}

/** Writes and closes the registry of `userDir`; the next sharedDeviceRegistry() opens it again. */
export async function closeSharedDeviceRegistry(userDir: string): Promise<void> {
  const key = resolve(userDir);
  const opening = registries().get(key);
  registries().delete(key);
  opened().delete(key);
  const registry = await opening?.catch(() => undefined);
  await registry?.close();
}
