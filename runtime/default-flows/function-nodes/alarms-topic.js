// Alarm and watchdog events go to edge-gateway/<gateway id>/alarms through the durable events
// queue. The queue adds its own message id (a UUID), seq and queue name as top-level fields, so
// the alarm's own id (tag:rule, e.g. "boiler/flow_temp:hi") travels as alarm_id.
msg.topic = `edge-gateway/${env.get('EDGEGW_GATEWAY_ID') || 'my-gateway'}/alarms`;
const p = msg.payload;
if (p && typeof p === 'object' && !Array.isArray(p) && 'id' in p) {
    const { id, ...event } = p;
    msg.payload = { alarm_id: id, ...event };
}
return msg;
