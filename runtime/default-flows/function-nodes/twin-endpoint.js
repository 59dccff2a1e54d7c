// The digital twin: keeps the latest values per device and answers 503 while the outage flag is
// set. What it keeps is bounded: at most 100 devices (the one updated longest ago goes first),
// 500 flat values each (numbers, short texts, true/false, null); anything else is a 400 naming
// the field.
const MAX_DEVICES = 100;
const MAX_VALUES = 500;
const MAX_TEXT = 256;
if (flow.get('twinDown')) {
    msg.statusCode = 503;
    msg.payload = { error: 'digital twin unavailable (outage simulated on the Supervision tab)' };
    return msg;
}
function problemOf(body) {
    if (!body || typeof body !== 'object' || Array.isArray(body)) return 'expected a JSON object {device, ts, values}';
    if (typeof body.device !== 'string' || !/^[A-Za-z0-9._-]{1,64}$/.test(body.device)) return 'device: 1 to 64 letters, digits, ".", "_" or "-"';
    if (body.ts !== undefined && (typeof body.ts !== 'number' || !Number.isFinite(body.ts))) return 'ts: a number (milliseconds since 1970)';
    const values = body.values;
    if (!values || typeof values !== 'object' || Array.isArray(values)) return 'values: an object {tag: value}';
    const names = Object.keys(values);
    if (names.length > MAX_VALUES) return `values: at most ${MAX_VALUES} tags, got ${names.length}`;
    for (const name of names) {
        const v = values[name];
        if (name.length > 128) return `values: a tag name is longer than 128 characters (${name.slice(0, 32)}...)`;
        const ok = v === null || typeof v === 'boolean' || (typeof v === 'number' && Number.isFinite(v)) || (typeof v === 'string' && v.length <= MAX_TEXT);
        if (!ok) return `values.${name}: a number, a text of at most ${MAX_TEXT} characters, true/false or null`;
    }
    return undefined;
}
// a map without a prototype: a device named "__proto__" is a device like any other
const twin = flow.get('twin') || Object.create(null);
if (msg.req.method === 'POST') {
    const problem = problemOf(msg.payload);
    if (problem) {
        msg.statusCode = 400;
        msg.payload = { error: problem };
        return msg;
    }
    const body = msg.payload;
    delete twin[body.device]; // re-inserted last: the key order is the order of the updates
    twin[body.device] = { ts: body.ts, values: body.values, received: Date.now() };
    const devices = Object.keys(twin);
    for (let i = 0; i < devices.length - MAX_DEVICES; i++) delete twin[devices[i]];
    flow.set('twin', twin);
    msg.statusCode = 200;
    msg.payload = { ok: true };
} else {
    msg.statusCode = 200;
    msg.payload = twin;
}
return msg;
