// A real mosquitto broker on an ephemeral loopback port; kill it to simulate an outage.
import { freePort, startProcess, waitForPort, type Peer } from './process';

export interface Broker {
  port: number;
  url: string;
  peer: Peer;
  stop(): Promise<void>;
  /** Restart on the same port (after an outage). */
  restart(): Promise<void>;
}

export async function startMosquitto(port?: number): Promise<Broker> {
  const p = port ?? (await freePort());
  const launch = async () => {
    const peer = startProcess('mosquitto', ['-p', String(p)]);
    await waitForPort(p);
    return peer;
  };
  const broker: Broker = {
    port: p,
    url: `mqtt://127.0.0.1:${p}`,
    peer: await launch(),
    async stop() {
      await broker.peer.stop('SIGKILL');
    },
    async restart() {
      await broker.peer.stop('SIGKILL');
      broker.peer = await launch();
    },
  };
  return broker;
}
