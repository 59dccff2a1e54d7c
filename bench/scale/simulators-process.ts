// The simulated plant of bench/scale.bench.ts, in a process of its own so that its CPU is not
// the gateway's: one ModbusServer (lib/modbus/server) per device, each on its own TCP port, 100
// holding registers each. Every second a tenth of each device's registers change (a slow ramp),
// so the pipeline sees changed values on every scan, as on a live plant where most values rest.
// argv: device count, and optionally registers a device (100), the change period in ms (1000) and
// the registers changed each period (a tenth); bench/dashboard.bench.ts changes all of 1,500
// registers ten times a second. Each server listens on a port the system picks; tells its parent { type: 'ready', ports } over IPC; exits
// when the parent goes.
import { ModbusServer } from '../../lib/modbus/server/server';
import { runChild } from '../shared/child-messages';

const COUNT = Number(process.argv[2]);
const REGISTERS = Number(process.argv[3] ?? 100);
const PERIOD_MS = Number(process.argv[4] ?? 1000);
const CHANGING = Number(process.argv[5] ?? REGISTERS / 10);

async function main(): Promise<void> {
  const servers: ModbusServer[] = [];
  const ports: number[] = [];
  for (let i = 0; i < COUNT; i++) {
    const server = new ModbusServer({
      name: `sim${i}`,
      transport: { kind: 'tcp', host: '127.0.0.1', port: 0 },
      units: 'any',
      sizes: { coil: 1, discrete: 1, holding: REGISTERS, input: 1 },
      idleTimeoutMs: 0,
    });
    await server.start();
    server.setRegisters(
      1,
      'holding',
      0,
      Array.from({ length: REGISTERS }, (_, r) => (r * 7 + i) & 0xffff),
    );
    servers.push(server);
    ports.push((server.address() as { port: number }).port);
  }
  let tick = 0;
  setInterval(() => {
    tick++;
    for (let i = 0; i < servers.length; i++) {
      const start = (tick * CHANGING) % REGISTERS;
      servers[i].setRegisters(
        1,
        'holding',
        start,
        Array.from({ length: CHANGING }, (_, k) => (tick + k + i) & 0xffff),
      );
    }
  }, PERIOD_MS);
  process.send?.({ type: 'ready', ports });
  process.on('disconnect', () => process.exit(0));
}

runChild(main);
