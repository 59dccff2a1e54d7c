// Dashboard 2.0 behind the editor's login. Node-RED applies httpNodeMiddleware only to the routes
// of http in nodes, so the dashboard gets the flows' login (http-node-auth.ts) twice in its own
// settings: `dashboard.middleware` for its pages, and `dashboard.ioMiddleware` for its socket.io
// server, which answers on the HTTP server itself, before express. A browser that opened the page
// sends its Basic credentials (or the editor's token as access_token) with the socket's handshake;
// without them the socket is refused and no widget data flows. Setting ioMiddleware replaces the
// dashboard's own check, which this keeps: no direct WebSocket handshake, no cross-origin socket.
import type { HttpRequest, Middleware } from './http-node-auth';

export interface DashboardSocket {
  request: HttpRequest & { url?: string };
  handshake: { query: Record<string, unknown>; xdomain: boolean };
  client: { conn: { request: { url?: string }; close(): void } };
  disconnect(close: boolean): void;
}
export type SocketNext = (err?: Error) => void;
export type SocketMiddleware = (socket: DashboardSocket, next: SocketNext) => void;

export class DashboardLoginError extends Error {
  constructor(readonly reason: string) {
    super(`dashboard: ${reason}`);
    this.name = 'DashboardLoginError';
  }
}

/** The flows' login asked of a dashboard socket's handshake. */
export function dashboardSocketLogin(guard: Middleware): SocketMiddleware {
  return (socket, next) => {
    const req = socket.request;
    // the guard reads the query (access_token) and path; express would have set both
    req.query = socket.handshake.query;
    req.path = (req.url ?? '').split('?')[0];
    let answered = false;
    const answer = (err?: Error) => {
      if (answered) return;
      answered = true;
      next(err);
    };
    const res = {
      status: () => res,
      set: () => res,
      json: (body: unknown) => {
        const error = (body as { error?: unknown })?.error;
        answer(new DashboardLoginError(typeof error === 'string' ? error : 'log in'));
      },
    };
    guard(req, res, (err?: unknown) => answer(err ? new DashboardLoginError(String((err as Error)?.message ?? err)) : undefined));
  };
}

/** Dashboard 2.0's own socket check (nodes/config/ui_base.js), kept when ioMiddleware replaces it. */
export const dashboardSameOrigin: SocketMiddleware = (socket, next) => {
  if ((socket.client.conn.request.url ?? '').includes('transport=websocket')) {
    socket.client.conn.close();
    return;
  }
  if (socket.handshake.xdomain === false) return next();
  socket.disconnect(true);
};
