// The first number of a queue's status text is its depth ("12 queued, 40/s, connected",
// "в очереди 12, 40/с, ..." with --lang ru): the heartbeat reports what waits in all of the
// gateway's queues (devices and events) together.
const text = String((msg.status && msg.status.text) || '');
const m = /(\d+)/.exec(text);
if (!m || !msg.status.source) return null;
const depths = context.get('depths') || {};
depths[msg.status.source.id] = Number(m[1]);
context.set('depths', depths);
return { queue_depth: Object.values(depths).reduce((a, b) => a + b, 0) };
