// Device nodes enter the one device registry (lib/registry) when they start, and tell it when
// they hear from their device. The edge-gateway runtime opens the registry before the flows
// start; in a palette install nobody has, and the nodes keep out of it (mqtt-device still keeps
// its stable id in devices.json, as before the registry).
import { openedDeviceRegistry, type DeviceIdentity, type DeviceRegistration, type DeviceStatus } from '../../lib/registry';
import type { NodeAPI, Node } from './red';

export interface RegisteredDeviceHandle {
  readonly deviceId: string;
  /** the device answered (or stopped answering: 'down'); batched by the registry */
  seen(status?: DeviceStatus): void;
  /** accepted (or configured) and not retired: its data may enter the pipeline (a pending device's may not) */
  accepted(): boolean;
}

/** Registers the device of `node`; undefined when no registry is open (or it refused, warned). */
export function registerDevice(RED: NodeAPI, node: Node, who: DeviceIdentity, what: DeviceRegistration): RegisteredDeviceHandle | undefined {
  const userDir = (RED.settings as { userDir?: unknown }).userDir;
  const registry = typeof userDir === 'string' && userDir ? openedDeviceRegistry(userDir) : undefined;
  if (!registry) return undefined;
  try {
    const deviceId = registry.register(who, what);
    return {
      deviceId,
      // the registry keeps last_seen to the second and batches its writes: a call per scan is cheap
      seen: (status: DeviceStatus = 'active') => registry.seen(deviceId, status),
      accepted: () => registry.isAccepted(deviceId),
    };
  } catch (err) {
    node.warn(`device registry: ${(err as Error).message}`);
    return undefined;
  }
}
