// The twin gets each device's latest scan at most every 5 s
const last = context.get('last') || {};
const tags = Array.isArray(msg.tags) ? msg.tags : [];
if (tags.length === 0) return null;
const device = tags[0].device;
const now = Date.now();
if (last[device] && now - last[device] < 5000) return null;
last[device] = now;
context.set('last', last);
const values = {};
for (const s of tags) values[s.name] = s.value;
// the editor port of this Node-RED (the runtime sets EDGEGW_UI_PORT; elsewhere 1880)
const url = `http://127.0.0.1:${env.get('EDGEGW_UI_PORT') || '1880'}/twin`;
// with admin users the runtime puts its endpoints behind the login and gives the flows a token
const token = env.get('EDGEGW_HTTP_TOKEN');
const headers = { 'content-type': 'application/json' };
if (token) headers.authorization = `Bearer ${token}`;
return { topic: device, url, payload: { device, ts: now, values }, headers };
