// Every command gets one reply on devices/<device>/commands/result: ok once the device wrote
// it (Complete), or the validation / write error (Catch); a refused command wrote nothing.
// devices//commands (no device named) is answered too, on devices//commands/result.
if (typeof msg.topic !== 'string' || !/^devices\/[^/]*\/commands$/.test(msg.topic)) return null;
const result = msg.error
    ? { ok: false, error: String(msg.error.message || msg.error), ts: Date.now() }
    : { ok: true, ts: Date.now() };
if (msg._msgid) result.msgid = msg._msgid;
return { topic: msg.topic + '/result', payload: result };
