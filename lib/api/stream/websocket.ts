// The live stream over WebSocket (`ws`): attachWebSocket(server, path, options) answers the
// `upgrade` requests for that one path and leaves every other upgrade (Node-RED's editor comms)
// to its own listener. Frames are text messages `{ "event": <kind>, "data": <JSON> }`. A client
// whose bufferedAmount passes the limit is closed with 1008 (policy) and the reason; a refused
// upgrade is answered with the HTTP status and { error }, as the REST routes answer.
import type { IncomingMessage, Server as HttpServer } from 'node:http';
import type { Server as HttpsServer } from 'node:https';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type WebSocket } from 'ws';
import { admit, requestUrl, resolveStreamOptions, type StreamOptions } from './request';
import { registerStreamMetrics } from './metrics';
import type { FrameEvent } from './events';
import type { DropReason, StreamSink } from './session';

/** WebSocket close codes: 1008 policy violation (the client did not read), 1001 going away */
const CLOSE_CODE: Record<DropReason, number> = { backlog: 1008, shutdown: 1001 };
const STATUS_TEXT: Record<number, string> = { 400: 'Bad Request', 401: 'Unauthorized', 403: 'Forbidden', 429: 'Too Many Requests', 500: 'Internal Server Error', 503: 'Service Unavailable' };

class WsSink implements StreamSink {
  readonly transport = 'ws' as const;
  constructor(private readonly ws: WebSocket) {}

  backlogBytes(): number {
    return this.ws.bufferedAmount;
  }

  write(event: FrameEvent, json: string): void {
    this.ws.send(`{"event":${JSON.stringify(event)},"data":${json}}`);
  }

  drop(reason: DropReason, text: string): void {
    // a close reason is at most 123 bytes
    this.ws.close(CLOSE_CODE[reason], Buffer.from(text).subarray(0, 123).toString());
    // a peer that never reads never answers the close either
    setTimeout(() => this.ws.terminate(), 5000).unref();
  }
}

export interface AttachedWebSocket {
  /** stops answering upgrades on the path and closes every client (1001) */
  close(): void;
}

function refuse(socket: Duplex, status: number, error: string, headers: Record<string, string>): void {
  const body = JSON.stringify({ error });
  const lines = [`HTTP/1.1 ${status} ${STATUS_TEXT[status] ?? 'Error'}`, 'Content-Type: application/json', `Content-Length: ${Buffer.byteLength(body)}`, 'Connection: close'];
  for (const [k, v] of Object.entries(headers)) lines.push(`${k}: ${v}`);
  socket.end(lines.join('\r\n') + '\r\n\r\n' + body);
}

/** Serves the stream over WebSocket at `path` (e.g. "/api/stream") on `server`. */
export function attachWebSocket(server: HttpServer | HttpsServer, path: string, options: StreamOptions): AttachedWebSocket {
  registerStreamMetrics();
  const o = resolveStreamOptions(options);
  // maxPayload: clients only listen; anything they send is small or a mistake
  const wss = new WebSocketServer({ noServer: true, maxPayload: 4096 });
  const onUpgrade = (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    if (requestUrl(req).pathname !== path) return; // Node-RED's comms, another module's socket
    socket.on('error', () => socket.destroy());
    admit(req, o).then(
      (admission) => {
        if (socket.destroyed) return;
        if (!admission.ok) return refuse(socket, admission.status, admission.error, admission.headers);
        wss.handleUpgrade(req, socket, head, (ws) => {
          const session = o.hub.open(admission.filter, new WsSink(ws), o.limits);
          session.offerSnapshot(o.currentTags());
          let alive = true;
          ws.on('pong', () => (alive = true));
          const heartbeat = setInterval(() => {
            if (ws.bufferedAmount > o.limits.maxBacklogBytes) return session.drop('backlog', `the client did not read: ${ws.bufferedAmount} bytes waiting`);
            if (!alive) return ws.terminate();
            alive = false;
            ws.ping();
          }, o.limits.heartbeatMs);
          heartbeat.unref();
          ws.on('error', () => ws.terminate());
          ws.on('close', () => {
            clearInterval(heartbeat);
            session.end();
          });
        });
      },
      (err: Error) => refuse(socket, 500, err.message, {}),
    );
  };
  server.on('upgrade', onUpgrade);
  return {
    close() {
      server.off('upgrade', onUpgrade);
      o.hub.dropAll('ws', 'the server is stopping');
      wss.close();
    },
  };
}
