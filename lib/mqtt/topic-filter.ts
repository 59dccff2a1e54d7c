// MQTT topic filters (MQTT 3.1.1 section 4.7, MQTT 5 section 4.7): which filters match a topic
// name, and at which QoS a message goes to a client whose subscriptions overlap.

/**
 * Whether `filter` matches the topic name `topic`: `+` is one level, a trailing `#` is the
 * parent level and everything below it; a filter that starts with a wildcard never matches a
 * topic that starts with `$` (MQTT-4.7.2-1).
 */
export function topicMatches(filter: string, topic: string): boolean {
  if (topic.startsWith('$') && (filter.startsWith('+') || filter.startsWith('#'))) return false;
  const f = filter.split('/');
  const t = topic.split('/');
  for (let i = 0; i < f.length; i++) {
    if (f[i] === '#') return i === f.length - 1;
    if (i >= t.length) return false;
    if (f[i] !== '+' && f[i] !== t[i]) return false;
  }
  return f.length === t.length;
}

/**
 * The QoS a message published at `published` goes out with to a client holding `subscriptions`
 * (filter -> granted QoS): the lower of the two, taking the highest grant among the client's
 * matching filters (MQTT-3.3.5-1 lets a server deliver overlapping subscriptions once, at the
 * maximum of their QoS). undefined when no filter matches.
 */
export function deliveryQos(subscriptions: Readonly<Record<string, { qos?: number } | undefined>>, topic: string, published: number): number | undefined {
  let granted: number | undefined;
  for (const filter in subscriptions) {
    const qos = subscriptions[filter]?.qos ?? 0;
    if (granted !== undefined && qos <= granted) continue;
    if (!topicMatches(filter, topic)) continue;
    granted = qos;
    if (granted >= published) return published;
  }
  return granted === undefined ? undefined : Math.min(granted, published);
}
