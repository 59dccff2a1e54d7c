// A device as answers show it (the CLI, the editor's admin routes, the operator API): everything
// but its login's hash and salt, which never leave the registry.
import type { RegisteredDevice } from './record';

export interface DeviceView {
  device_id: string;
  name?: string;
  protocol?: string;
  address?: string;
  profile?: string;
  status: RegisteredDevice['status'];
  first_seen: string;
  last_seen?: string;
  /** it has a broker login (edge-gateway admin add-device) */
  login: boolean;
  publish: string[];
  subscribe: string[];
}

export function deviceView(d: RegisteredDevice): DeviceView {
  return {
    device_id: d.device_id,
    name: d.name,
    protocol: d.protocol,
    address: d.address,
    profile: d.profile,
    status: d.status,
    first_seen: d.first_seen,
    last_seen: d.last_seen,
    login: d.credential !== undefined,
    publish: [...d.publish],
    subscribe: [...d.subscribe],
  };
}
