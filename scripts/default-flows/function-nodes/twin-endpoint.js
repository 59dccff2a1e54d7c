// The digital twin: keeps the latest values per device; answers 503 while the outage flag is set
if (flow.get('twinDown')) {
    msg.statusCode = 503;
    msg.payload = { error: 'digital twin unavailable (outage simulated on the Supervision tab)' };
    return msg;
}
const twin = flow.get('twin') || {};
if (msg.req.method === 'POST') {
    const body = msg.payload;
    if (!body || typeof body !== 'object' || typeof body.device !== 'string') {
        msg.statusCode = 400;
        msg.payload = { error: 'expected {device, ts, values}' };
        return msg;
    }
    twin[body.device] = { ts: body.ts, values: body.values, received: Date.now() };
    flow.set('twin', twin);
    msg.statusCode = 200;
    msg.payload = { ok: true };
} else {
    msg.statusCode = 200;
    msg.payload = twin;
}
return msg;
