// The device registry: every device, whatever its protocol, with a stable id, its status
// (pending until accepted when it announced itself), and its broker login and ACL.
export { defaultPublishPrefixes, defaultSubscribePrefixes, underAnyPrefix, underPrefix, checkTopicPrefix } from './acl';
export { DEFAULT_DISCOVERY_TOPIC, DiscoveryTopic, DiscoveryTopicError } from './discovery';
export { announcedKey, deviceIdFromName, identityKeys, isDeviceId, DEVICE_ID, type DeviceIdentity } from './identity';
export { DEVICE_REGISTRY_FILE, JsonDeviceStore, parseRegistryFile } from './json-store';
export { MIGRATED_SUFFIX, openDeviceRegistry, type OpenDeviceRegistryOptions, type OpenedDeviceRegistry } from './open';
export { DEVICE_STATUSES, DeviceRegistryError, isDeviceStatus, type DeviceCredential, type DeviceStatus, type RegisteredDevice } from './record';
export { DEFAULT_TOUCH_FLUSH_MS, DeviceRegistry, type DeviceAnnouncement, type DeviceRegistration, type DeviceRegistryOptions } from './registry';
export { closeSharedDeviceRegistry, openDeviceRegistries, openedDeviceRegistry, sharedDeviceRegistry } from './shared';
export { DEVICE_DATABASE_FILE, SqliteDeviceStore } from './sqlite-store';
export type { DeviceStore, DeviceTouch } from './store';
export { deviceView, type DeviceView } from './view';
