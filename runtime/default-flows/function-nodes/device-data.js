// One MQTT message per scan, as devices/<device>/data: values, quality, units and the time
// of the newest sample; store-forward adds seq, id and queue.
const tags = Array.isArray(msg.tags) ? msg.tags : (msg.tag ? [msg.tag] : []);
if (tags.length === 0) return null;
const device = tags[0].device;
const values = {}, quality = {}, units = {};
let ts = 0;
for (const s of tags) {
    values[s.name] = s.value;
    quality[s.name] = s.quality;
    if (s.unit) units[s.name] = s.unit;
    if (s.ts > ts) ts = s.ts;
}
const payload = { device_id: device, ts, values, quality, units };
if (msg.group) payload.group = msg.group;
if (msg.labels) payload.labels = msg.labels;
if (msg.frames && typeof msg.frames.count === 'number') payload.frames = msg.frames.count;
return { topic: `devices/${device}/data`, payload, tags };
