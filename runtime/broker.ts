// The embedded MQTT broker (aedes) on loopback, so the default flows publish somewhere with
// nothing else installed. aedes is a runtime-only package (see resolve.ts).
//
// aedes has no packet size limit: it buffers a packet until it is complete, so a 250 MB
// PUBLISH costs 250 MB (and more while it is parsed). Each connection's bytes are watched by an
// MqttFrameGuard as aedes reads them; a packet larger than maxPacketBytes is refused from its
// header, before its body arrives: the connection is closed and the broker keeps serving.
//
// aedes waits for 'drain' after a write its socket could not take at once (lib/write.js), and
// that wait holds a delivery slot of the emitter every publish goes through: one subscriber that
// never reads stalled every publisher until aedes' 60 s drain timeout. Each connection's writes
// are accepted into its buffer instead, up to maxBufferedBytes; a client further behind than that
// is dropped (a warning, a metric, /health), and nobody else waits for it.
//
// aedes sends a retained message on SUBSCRIBE at the QoS it was published with, and a live one
// to a wildcard subscription at the publisher's QoS: it looks the granted QoS up by the exact
// topic only. MQTT-3.8.4-6 says the lower of the two (mosquitto does it so): each client's
// delivery is given the QoS its matching subscriptions were granted (downgradeToGrantedQos).
import { createServer, type Server, type Socket } from 'node:net';
import { once } from 'node:events';
import { requireRuntimePackage, StartupError } from './resolve';
import { MqttFrameGuard } from '../lib/mqtt/frame-guard';
import { counter } from '../lib/metrics/registry';
import { deliveryQos } from '../lib/mqtt/topic-filter';
import { runtimeText } from './messages';
import { isLoopbackAddress } from '../lib/api/auth/addresses';
import { BrokerDeviceSecurity, type BrokerDeviceOptions } from './broker-devices';
import { registerInProcessBroker, type InProcessBroker } from '../lib/mqtt/in-process-broker';

/** Default largest MQTT packet the embedded broker accepts: 4 MiB. */
export const DEFAULT_BROKER_MAX_PACKET = 4 * 1024 * 1024;
/** Default most connections the embedded broker serves at once (the gateway's own flows use a few). */
export const DEFAULT_BROKER_MAX_CONNECTIONS = 256;

export interface EmbeddedBrokerOptions {
  /**
   * the address it listens on (default 127.0.0.1). On an address that is neither loopback nor a
   * wildcard it listens on 127.0.0.1 too, at the same port: the gateway's own flows connect there.
   */
  host?: string;
  maxPacketBytes?: number;
  /** most bytes waiting to be sent to one client before it is dropped as too slow (default: twice maxPacketBytes, at least 1 MiB) */
  maxBufferedBytes?: number;
  /** most connections at once; one more is closed at once (default DEFAULT_BROKER_MAX_CONNECTIONS) */
  maxConnections?: number;
  /** where a refused connection is told (the runtime's log) */
  warn?: (message: string) => void;
  /** device logins, ACL and discovery from the device registry (runtime/broker-devices.ts); none: every client is served as before */
  devices?: Omit<BrokerDeviceOptions, 'warn'>;
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

/**
 * Lets a socket's writes pile up to maxBufferedBytes instead of asking the writer to wait: every
 * write reports success, and the socket is destroyed once more than that is waiting to be sent.
 */
export function boundSocketWrites(socket: Socket, maxBufferedBytes: number, onSlow: (buffered: number) => void): void {
  const write = socket.write.bind(socket);
  socket.write = ((...args: Parameters<Socket['write']>) => {
    // what is written to a dropped client goes nowhere, and nobody must wait for it
    if (socket.destroyed) return true;
    write(...args);
    if (socket.writableLength > maxBufferedBytes) {
      onSlow(socket.writableLength);
      socket.destroy();
    }
    return true;
  }) as Socket['write'];
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- aedes ships no types we build against
type AedesClient = any;
type Delivery = (packet: { topic: string; qos: number }, cb: () => void) => void;

/**
 * Wraps one aedes client's QoS>0 delivery so that a message goes out at no more than the QoS its
 * subscriptions were granted. Installed before the client's CONNECT is processed, so every
 * subscription (they capture client.deliverQoS when made) and every retained delivery uses it.
 */
export function downgradeToGrantedQos(client: AedesClient): void {
  const deliverQoS: Delivery = client.deliverQoS;
  const deliver0: Delivery = client.deliver0;
  if (typeof deliverQoS !== 'function' || typeof deliver0 !== 'function') return;
  client.deliverQoS = function deliverAtGrantedQos(packet: { topic: string; qos: number }, cb: () => void) {
    const qos = packet.qos > 0 ? deliveryQos(client.subscriptions ?? {}, packet.topic, packet.qos) : packet.qos;
    if (qos === 0) return deliver0(packet, cb);
    // a copy: the same packet object goes to every subscriber
    if (qos !== undefined && qos < packet.qos) return deliverQoS({ ...packet, qos }, cb);
    return deliverQoS(packet, cb);
  };
}

/** MQTT 3.1.1 section 1.5.3: a topic name or filter must not hold U+0000. */
const hasNul = (topic: string): boolean => topic.includes('\u0000');

export interface EmbeddedBrokerStats {
  clients: number;
  /** clients dropped since start because they did not read what was sent to them */
  slowClientsDropped: number;
  /** connections closed since start for the connection cap, a packet over the limit, a malformed packet or a topic with NUL */
  connectionsRefused: number;
}

export interface EmbeddedBroker {
  port: number;
  clients(): number;
  stats(): EmbeddedBrokerStats;
  close(): Promise<void>;
}

export async function startEmbeddedBroker(port: number, opts: EmbeddedBrokerOptions = {}): Promise<EmbeddedBroker> {
  const host = opts.host ?? '127.0.0.1';
  const maxPacketBytes = opts.maxPacketBytes ?? DEFAULT_BROKER_MAX_PACKET;
  const maxBufferedBytes = opts.maxBufferedBytes ?? Math.max(2 * maxPacketBytes, 1024 * 1024);
  const maxConnections = opts.maxConnections ?? DEFAULT_BROKER_MAX_CONNECTIONS;
  const refused = counter(
    'edgegw_broker_connections_refused_total',
    'connections the embedded MQTT broker closed: over the connection cap, a packet over its size limit, a malformed packet, a topic holding NUL',
    ['reason'],
  );
  const slowDropped = counter('edgegw_broker_slow_clients_dropped_total', 'clients the embedded MQTT broker dropped because too much was waiting to be sent to them', []);
  const counts = { slowClientsDropped: 0, connectionsRefused: 0 };
  const refuse = (reason: string) => {
    counts.connectionsRefused++;
    refused.inc({ reason });
  };
  const sockets = new Set<Socket>();
  const who = (client: { id?: unknown; conn?: Socket } | undefined): string => {
    const where = client?.conn ? `${client.conn.remoteAddress}:${client.conn.remotePort}` : 'unknown address';
    return typeof client?.id === 'string' ? `the client ${JSON.stringify(client.id.slice(0, 64))} (${where})` : `the connection from ${where}`;
  };
  const security = opts.devices ? new BrokerDeviceSecurity({ ...opts.devices, warn: opts.warn }) : undefined;
  const brokerOptions = {
    authenticate(client: AedesClient, username: string | undefined, password: Buffer | undefined, callback: (err: Error | null, ok: boolean) => void) {
      if (security) security.authenticate(client, username, password, callback);
      else callback(null, true);
    },
    preConnect(client: AedesClient, _packet: unknown, callback: (err: Error | null, ok: boolean) => void) {
      downgradeToGrantedQos(client);
      callback(null, true);
    },
    // aedes' own rule, kept: $SYS/ is the broker's
    authorizePublish(client: AedesClient, packet: { topic: string }, callback: (err: Error | null) => void) {
      if (packet.topic.startsWith('$SYS/')) return callback(new Error('$SYS/ topic is reserved'));
      if (hasNul(packet.topic)) {
        refuse('nul_topic');
        opts.warn?.(`embedded MQTT broker: closed ${who(client)}: it published to a topic holding NUL (U+0000), which MQTT forbids`);
        return callback(new Error('topic holds NUL'));
      }
      const refusal = security?.publishRefusal(client, packet.topic);
      if (refusal) return callback(new Error(refusal));
      callback(null);
    },
    authorizeSubscribe(client: AedesClient, sub: { topic: string }, callback: (err: Error | null, sub?: unknown) => void) {
      if (hasNul(sub.topic)) {
        refuse('nul_topic');
        opts.warn?.(`embedded MQTT broker: closed ${who(client)}: it subscribed to a topic filter holding NUL (U+0000), which MQTT forbids`);
        return callback(new Error('topic filter holds NUL'));
      }
      // a refused filter is granted 0x80 (failure): the client stays connected
      if (security && !security.maySubscribe(client, sub.topic)) return callback(null, null);
      callback(null, sub);
    },
  };
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- aedes 0.x and 1.x export different shapes (checked below) and ship no types we build against
  const aedesModule = requireRuntimePackage<any>('aedes');
  // aedes 1.x exports { Aedes } with an async createBroker(); 0.x exports a factory function.
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- see above
  let aedes: any;
  if (aedesModule.Aedes?.createBroker) aedes = await aedesModule.Aedes.createBroker(brokerOptions);
  else if (typeof aedesModule.createBroker === 'function') aedes = await aedesModule.createBroker(brokerOptions);
  else aedes = (aedesModule.default ?? aedesModule)(brokerOptions);
  if (security) {
    aedes.on('publish', (packet: { topic: string; payload?: unknown }, client: AedesClient) => security.published(packet, client));
    aedes.on('clientDisconnect', (client: AedesClient) => security.disconnected(client));
  }
  const serve = (socket: Socket) => {
    if (sockets.size >= maxConnections) {
      refuse('too_many');
      opts.warn?.(`embedded MQTT broker: closed the connection from ${socket.remoteAddress}:${socket.remotePort}: ${maxConnections} connections are open, the most it serves`);
      socket.destroy();
      return;
    }
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
    guardSocket(socket, maxPacketBytes, (why) => {
      refuse(why.startsWith('a packet of') ? 'too_large' : 'malformed');
      opts.warn?.(`embedded MQTT broker: closed the connection from ${socket.remoteAddress}:${socket.remotePort}: it sent ${why}; set brokerMaxPacket to change the limit`);
    });
    boundSocketWrites(socket, maxBufferedBytes, (buffered) => {
      counts.slowClientsDropped++;
      slowDropped.inc();
      opts.warn?.(
        `embedded MQTT broker: dropped ${who((socket as Socket & { client?: AedesClient }).client ?? { conn: socket })}: ${buffered} bytes waiting to be sent (limit ${maxBufferedBytes}); it does not read what it subscribed to`,
      );
    });
    aedes.handle(socket);
  };
  const servers: Server[] = [];
  const closeServers = () => Promise.all(servers.map((server) => new Promise<void>((resolve) => server.close(() => resolve()))));
  let actual = port;
  try {
    for (const address of listenAddresses(host)) {
      const server = createServer(serve);
      servers.push(server);
      // the loopback listener takes the port the first one got (--broker-port 0 picks one)
      actual = await listen(server, servers.length === 1 ? port : actual, address);
    }
  } catch (err) {
    aedes.close();
    await closeServers();
    throw err;
  }
  const unregister = registerInProcessBroker(inProcess(aedes, actual));
  return {
    port: actual,
    clients: () => aedes.connectedClients as number,
    stats: () => ({ clients: aedes.connectedClients as number, ...counts }),
    async close() {
      unregister();
      await new Promise<void>((resolve) => aedes.close(() => resolve()));
      await closeServers();
    },
  };
}

/**
 * aedes' own in-process subscription (the emitter every publish goes through) as the nodes' seam. The
 * retained messages are read from aedes' store, as aedes does for a client's SUBSCRIBE.
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- aedes ships no types we build against
function inProcess(aedes: any, port: number): InProcessBroker {
  return {
    port,
    subscribe(filter, deliver, failed) {
      const onPacket = (packet: { topic: string; payload: Buffer | string }, cb: () => void) => {
        try {
          deliver(packet.topic, typeof packet.payload === 'string' ? Buffer.from(packet.payload) : packet.payload);
        } catch (err) {
          failed(err as Error);
        }
        cb();
      };
      let subscribed = true;
      aedes.subscribe(filter, onPacket, () => {
        void (async () => {
          for await (const packet of aedes.persistence.createRetainedStream(filter) as AsyncIterable<{ topic: string; payload: Buffer }>) if (subscribed) onPacket(packet, () => undefined);
        })().catch((err: Error) => failed(err));
      });
      return () => {
        subscribed = false;
        if (!aedes.closed) aedes.unsubscribe(filter, onPacket, () => undefined);
      };
    },
  };
}

/** binds that take connections to 127.0.0.1, where the flows connect ('localhost' resolves there) */
const COVERS_FLOWS_ADDRESS = new Set(['127.0.0.1', 'localhost', '0.0.0.0', '::', '']);

/** Clients from the network can reach a broker bound to `host`. */
export const servesNetwork = (host: string): boolean => host !== 'localhost' && !isLoopbackAddress(host);

/** The broker's bind address, and 127.0.0.1 beside it when that bind does not cover loopback. */
export function listenAddresses(host: string): string[] {
  return COVERS_FLOWS_ADDRESS.has(host) ? [host] : [host, '127.0.0.1'];
}

async function listen(server: Server, port: number, host: string): Promise<number> {
  server.listen(port, host);
  try {
    await Promise.race([once(server, 'listening'), once(server, 'error').then(([e]) => Promise.reject(e instanceof Error ? e : new Error(String(e))))]);
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    throw new StartupError(e.code === 'EADDRINUSE' ? runtimeText('brokerPortInUse', { host, port }) : runtimeText('brokerCannotListen', { host, port, reason: e.message }));
  }
  return (server.address() as { port: number }).port;
}
