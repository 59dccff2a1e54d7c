// The embedded MQTT broker (aedes) on loopback, so the default flows publish somewhere with
// nothing else installed. aedes is a runtime-only package (see resolve.ts).
//
// aedes has no packet size limit: it buffers a packet until it is complete, so a 250 MB
// PUBLISH costs 250 MB (and more while it is parsed). Each connection's bytes are watched by an
// MqttFrameGuard as aedes reads them; a packet larger than maxPacketBytes is refused from its
// header, before its body arrives: the connection is closed and the broker keeps serving.
import { createServer, type Server, type Socket } from 'node:net';
import { once } from 'node:events';
import { requireRuntimePackage, StartupError } from './resolve';
import { MqttFrameGuard } from '../lib/mqtt/frame-guard';
import { counter } from '../lib/metrics/registry';

/** Default largest MQTT packet the embedded broker accepts: 4 MiB. */
export const DEFAULT_BROKER_MAX_PACKET = 4 * 1024 * 1024;

export interface EmbeddedBrokerOptions {
  host?: string;
  maxPacketBytes?: number;
  /** where a refused connection is told (the runtime's log) */
  warn?: (message: string) => void;
}

/**
 * Puts a guard in front of aedes' reads of one socket. aedes pulls bytes with conn.read() on
 * 'readable' (lib/client.js), so that is where they are watched: nothing is copied.
 */
export function guardSocket(socket: Socket, maxPacketBytes: number, onRefused: (why: string) => void): void {
  const guard = new MqttFrameGuard(maxPacketBytes);
  const read = socket.read.bind(socket);
  socket.read = ((size?: number) => {
    const chunk = read(size) as Buffer | string | null;
    if (chunk === null || typeof chunk === 'string') return chunk;
    const verdict = guard.feed(chunk);
    if (verdict.ok) return chunk;
    onRefused(verdict.problem === 'too-large' ? `a packet of ${verdict.size} bytes (largest accepted: ${verdict.max})` : `a malformed packet (${verdict.detail})`);
    socket.destroy();
    return null;
  }) as Socket['read'];
}

export interface EmbeddedBroker {
  port: number;
  clients(): number;
  close(): Promise<void>;
}

export async function startEmbeddedBroker(port: number, opts: EmbeddedBrokerOptions = {}): Promise<EmbeddedBroker> {
  const host = opts.host ?? '127.0.0.1';
  const maxPacketBytes = opts.maxPacketBytes ?? DEFAULT_BROKER_MAX_PACKET;
  const refused = counter('edgegw_broker_connections_refused_total', 'connections the embedded MQTT broker closed for a packet over its size limit or malformed', ['reason']);
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- aedes 0.x and 1.x export different shapes (checked below) and ship no types we build against
  const aedesModule = requireRuntimePackage<any>('aedes');
  // aedes 1.x exports { Aedes } with an async createBroker(); 0.x exports a factory function.
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- see above
  let aedes: any;
  if (aedesModule.Aedes?.createBroker) aedes = await aedesModule.Aedes.createBroker();
  else if (typeof aedesModule.createBroker === 'function') aedes = await aedesModule.createBroker();
  else aedes = (aedesModule.default ?? aedesModule)();
  const server: Server = createServer((socket) => {
    guardSocket(socket, maxPacketBytes, (why) => {
      refused.inc({ reason: why.startsWith('a packet of') ? 'too_large' : 'malformed' });
      opts.warn?.(`embedded MQTT broker: closed the connection from ${socket.remoteAddress}:${socket.remotePort}: it sent ${why}; set brokerMaxPacket to change the limit`);
    });
    aedes.handle(socket);
  });
  server.listen(port, host);
  try {
    await Promise.race([once(server, 'listening'), once(server, 'error').then(([e]) => Promise.reject(e instanceof Error ? e : new Error(String(e))))]);
  } catch (err) {
    aedes.close();
    const e = err as NodeJS.ErrnoException;
    throw new StartupError(
      e.code === 'EADDRINUSE'
        ? `embedded MQTT broker: port ${host}:${port} is in use (another broker?). Use --broker-port N, --mqtt-url URL for that broker, or --no-broker.`
        : `embedded MQTT broker: cannot listen on ${host}:${port}: ${e.message}`,
    );
  }
  const actual = (server.address() as { port: number }).port;
  return {
    port: actual,
    clients: () => aedes.connectedClients as number,
    async close() {
      await new Promise<void>((resolve) => aedes.close(() => resolve()));
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
