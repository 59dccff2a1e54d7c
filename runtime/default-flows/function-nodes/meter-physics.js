// An Eastron SDM630 three-phase meter on unit 2: float32 input registers, high word first, at
// the protocol addresses of the template (Modicon 30001 = address 0). Voltages ~230 V with
// noise, currents following a slow load curve, power = V * I * pf, counters that only grow.
const now = Date.now();
const m = context.get('meter') || { ts: now, imported: 1234.5, exported: 12.25 };
const dt = Math.min(10, Math.max(0, (now - m.ts) / 1000));
m.ts = now;
const t = now / 1000;
const phases = [0, 1, 2];
const v = phases.map((i) => 230 + 2 * Math.sin(t / 90 + i * 2.1) + (Math.random() - 0.5) * 1.2);
const a = phases.map((i) => Math.max(0.2, 12 + 6 * Math.sin(t / 300 + i) + (Math.random() - 0.5) * 0.8));
const pf = phases.map((i) => 0.9 + 0.05 * Math.sin(t / 600 + i));
const w = phases.map((i) => v[i] * a[i] * pf[i]);
const va = phases.map((i) => v[i] * a[i]);
const sum = (x) => x[0] + x[1] + x[2];
m.imported += sum(w) * dt / 3600000;   // W * s -> kWh
context.set('meter', m);
const regs = {
    0: v[0], 2: v[1], 4: v[2], 6: a[0], 8: a[1], 10: a[2], 12: w[0], 14: w[1], 16: w[2],
    18: va[0], 20: va[1], 22: va[2], 30: pf[0], 32: pf[1], 34: pf[2],
    52: sum(w), 56: sum(va), 62: sum(w) / sum(va), 70: 50 + (Math.random() - 0.5) * 0.04,
    72: m.imported, 74: m.exported,
};
const block = Buffer.alloc(76 * 2);
for (const [addr, value] of Object.entries(regs)) block.writeFloatBE(value, Number(addr) * 2);
const words = (buf) => Array.from({ length: buf.length / 2 }, (_, i) => buf.readUInt16BE(i * 2));
const total = Buffer.alloc(4);
total.writeFloatBE(m.imported + m.exported, 0);
return { unit: 2, payload: [
    { unit: 2, area: 'input', address: 0, values: words(block) },
    { unit: 2, area: 'input', address: 342, values: words(total) },
] };
