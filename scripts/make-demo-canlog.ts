// Generates flows/demo/plant.log: one minute of the demo plant's CAN bus (flows/demo/plant.dbc),
// which the default flows replay in a loop so a fresh install shows CAN decoding with no bus.
// Run: node --import tsx scripts/make-demo-canlog.ts
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseDbc } from '../lib/can/dbc';
import { DbcCodec } from '../lib/can/codec';
import { formatCandumpLine } from '../lib/can/candump';

const dir = join(__dirname, '..', 'flows', 'demo');
const { db } = parseDbc(readFileSync(join(dir, 'plant.dbc')));
const codec = new DbcCodec(db);
const t0 = 1_767_225_600; // 2026-01-01T00:00:00Z
const lines: string[] = [];
for (let ms = 0; ms < 60_000; ms += 100) {
  const t = ms / 1000;
  const burner = Math.floor(t / 15) % 4 === 3 ? 0 : 2;
  const boiler = codec.encode('BoilerStatus', {
    FlowTemp: Math.round((62 + 6 * Math.sin((2 * Math.PI * t) / 60)) * 10) / 10,
    ReturnTemp: Math.round((48 + 4 * Math.sin((2 * Math.PI * t) / 60 - 0.6)) * 10) / 10,
    BurnerState: burner,
    Modulation: burner === 2 ? Math.round((40 + 30 * Math.sin((2 * Math.PI * t) / 20)) * 2) / 2 : 0,
    Pressure: Math.round((1.8 + 0.05 * Math.sin((2 * Math.PI * t) / 7)) * 1000) / 1000,
  });
  lines.push(formatCandumpLine({ ...boiler, fd: false, ts: t0 + t, iface: 'can0' }));
  if (ms % 200 === 0) {
    const pump = codec.encode('PumpStatus', {
      Speed: Math.round(2400 + 300 * Math.sin((2 * Math.PI * t) / 30)),
      Current: Math.round((3.2 + 0.4 * Math.sin((2 * Math.PI * t) / 30)) * 100) / 100,
      Fault: 0,
    });
    lines.push(formatCandumpLine({ ...pump, fd: false, ts: t0 + t + 0.003, iface: 'can0' }));
  }
}
writeFileSync(join(dir, 'plant.log'), lines.join('\n') + '\n');
console.log(`wrote ${lines.length} frames to flows/demo/plant.log`);
