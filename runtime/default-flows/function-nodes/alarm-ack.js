// An operator's acknowledgement from MQTT (edge-gateway/<gateway id>/alarms/ack): the payload is
// an alarm id ("boiler/flow_temp:hi"), "all", or JSON {"id": "...", "by": "..."}. The alarm node
// takes msg.ack and msg.ackedBy and publishes the acknowledged events on the alarms topic.
let p = typeof msg.payload === 'string' ? msg.payload.trim() : msg.payload;
if (typeof p === 'string' && p.startsWith('{')) {
    try {
        p = JSON.parse(p);
    } catch (err) {
        node.warn(`alarm acknowledgement on ${msg.topic}: not JSON: ${p.slice(0, 200)}`);
        return null;
    }
}
const id = typeof p === 'string' ? p : p && typeof p === 'object' ? p.id : undefined;
if (typeof id !== 'string' || !id) {
    node.warn(`alarm acknowledgement on ${msg.topic}: expected an alarm id, "all" or {"id": ..., "by": ...}`);
    return null;
}
const by = p && typeof p === 'object' && typeof p.by === 'string' && p.by ? p.by : 'mqtt';
return { topic: msg.topic, ack: id, ackedBy: by };
