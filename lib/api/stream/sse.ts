// The live stream as Server-Sent Events: an express-style handler (req, res) that Node-RED's
// httpNode (or any Node http server) can mount at <base>/stream. Frames are `event: <kind>` with
// one `data:` line of JSON; a comment line every heartbeat finds dead peers. A client whose
// backlog passes the limit gets a final `event: error` (when the connection can still carry
// it) and the response ends.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { admit, resolveStreamOptions, type StreamOptions } from './request';
import { registerStreamMetrics } from './metrics';
import { streamJson, type FrameEvent } from './events';
import type { DropReason, StreamSink } from './session';

class SseSink implements StreamSink {
  readonly transport = 'sse' as const;
  constructor(private readonly res: ServerResponse) {}

  backlogBytes(): number {
    return this.res.writableLength;
  }

  write(event: FrameEvent, json: string): void {
    this.res.write(`event: ${event}\ndata: ${json}\n\n`);
  }

  drop(reason: DropReason, text: string): void {
    const res = this.res;
    // the final frame is small: it goes out whenever the peer reads again, and end() lets the
    // socket go once flushed; destroy() below bounds how long a peer that never reads can hold it
    if (!res.writableEnded && !res.destroyed) res.end(`event: error\ndata: ${streamJson({ reason, error: text })}\n\n`);
    if (reason === 'backlog') setTimeout(() => res.destroy(), 5000).unref();
  }
}

/** Serves one SSE client (scope read): handleSse(req, res, { guard, hub?, limits? }). */
export async function handleSse(req: IncomingMessage, res: ServerResponse, options: StreamOptions): Promise<void> {
  registerStreamMetrics();
  const o = resolveStreamOptions(options);
  const admission = await admit(req, o);
  // the client left while the guard decided (req.destroyed says nothing: a read GET body destroys it)
  if (req.socket.destroyed || res.destroyed || res.writableEnded) return;
  if (!admission.ok) {
    res.writeHead(admission.status, { 'Content-Type': 'application/json', 'Cache-Control': 'no-store', ...admission.headers });
    res.end(JSON.stringify({ error: admission.error }));
    return;
  }
  res.writeHead(200, {
    'Content-Type': 'text/event-stream; charset=utf-8',
    'Cache-Control': 'no-store',
    Connection: 'keep-alive',
    // reverse proxies (nginx) buffer responses unless told not to
    'X-Accel-Buffering': 'no',
  });
  res.flushHeaders();
  req.socket.setNoDelay?.(true);
  res.write(`retry: 3000\n\n`);
  const session = o.hub.open(admission.filter, new SseSink(res), o.limits);
  session.offerSnapshot(o.currentTags());
  const heartbeat = setInterval(() => {
    if (res.writableLength > o.limits.maxBacklogBytes) session.drop('backlog', `the client did not read: ${res.writableLength} bytes waiting, limit ${o.limits.maxBacklogBytes}`);
    else res.write(': ping\n\n');
  }, o.limits.heartbeatMs);
  heartbeat.unref();
  res.on('close', () => {
    clearInterval(heartbeat);
    session.end();
  });
}
