// What a device that logs in to the embedded broker as itself may do: publish under its own
// topics, subscribe to its own command topics. The lists are per device (kept in the registry)
// so a profile that names other topics can add them; these are the defaults, covering the
// layouts of the shipped profiles: the gateway's own devices/<id>/..., Tasmota's tele/ and stat/,
// Shelly's and ESPHome's <id>/...
export const defaultPublishPrefixes = (id: string): string[] => [`devices/${id}/`, `tele/${id}/`, `stat/${id}/`, `${id}/`];

/** Command topics: the gateway's devices/<id>/cmd/..., Tasmota's cmnd/<id>/..., Shelly's <id>/rpc and ESPHome's <id>/.../command. */
export const defaultSubscribePrefixes = (id: string): string[] => [`devices/${id}/cmd/`, `devices/${id}/set/`, `cmnd/${id}/`, `${id}/rpc`, `${id}/command`];

/**
 * A topic (or a filter) lies under a prefix when it starts with it, or is the prefix without its
 * trailing slash. A prefix holds no wildcard (ids are [a-z0-9_-]), so a filter like "devices/#"
 * never passes for "devices/x/": its wildcard stands before the prefix ends.
 */
export function underPrefix(topic: string, prefix: string): boolean {
  if (topic.startsWith(prefix)) return true;
  return prefix.endsWith('/') && topic === prefix.slice(0, -1);
}

export const underAnyPrefix = (topic: string, prefixes: readonly string[]): boolean => prefixes.some((p) => underPrefix(topic, p));

/** A prefix a user may add: no wildcard, no NUL, not empty, not under $SYS. */
export function checkTopicPrefix(prefix: string): string | undefined {
  if (!prefix) return 'empty';
  if (/[+#\u0000]/.test(prefix)) return 'holds a wildcard or NUL';
  if (prefix.startsWith('$')) return 'starts with $ (the broker’s own topics)';
  return undefined;
}
