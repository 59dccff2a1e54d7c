// The embedded MQTT broker (aedes) on loopback, so the default flows publish somewhere with
// nothing else installed. aedes is a runtime-only package (see resolve.ts).
import { createServer, type Server } from 'node:net';
import { once } from 'node:events';
import { requireRuntimePackage, StartupError } from './resolve';

export interface EmbeddedBroker {
  port: number;
  clients(): number;
  close(): Promise<void>;
}

export async function startEmbeddedBroker(port: number, host = '127.0.0.1'): Promise<EmbeddedBroker> {
  const aedesModule = requireRuntimePackage<any>('aedes');
  // aedes 1.x exports { Aedes } with an async createBroker(); 0.x exports a factory function.
  let aedes: any;
  if (aedesModule.Aedes?.createBroker) aedes = await aedesModule.Aedes.createBroker();
  else if (typeof aedesModule.createBroker === 'function') aedes = await aedesModule.createBroker();
  else aedes = (aedesModule.default ?? aedesModule)();
  const server: Server = createServer(aedes.handle);
  server.listen(port, host);
  try {
    await Promise.race([once(server, 'listening'), once(server, 'error').then(([e]) => Promise.reject(e))]);
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
