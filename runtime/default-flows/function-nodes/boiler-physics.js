// The heating controller. Its flow temperature follows a heating curve of the setpoint
// and the outdoor temperature with a first-order lag, so a setpoint written over Modbus
// (devices/boiler/commands) moves it: a setpoint of 45 drives it over the 85 degC alarm limit.
// its start state comes from On Start (boiler-physics-start.js)
const p = context.get('plant');
if (!p) return null;
if (msg.values) {
    // unit 2, the meter, is simulated by the server itself from its template
    if (msg.payload && msg.payload.unit !== 1) return null;
    // a write by a Modbus master (the boiler device), or what the simulator's register store
    // restored at start (msg.restored: the holding registers, so the setpoint, not the pump coil)
    if (msg.restored) p.restored = true;
    else p.written = true;
    if (typeof msg.values.setpoint === 'number') p.setpoint = msg.values.setpoint;
    if (typeof msg.values.pump_on === 'boolean') p.pump = msg.values.pump_on;
    context.set('plant', p);
    return null;
}
const t = Date.now() / 1000;
const r1 = (v) => Math.round(v * 10) / 10;
const outdoor = 4 + 3 * Math.sin(t / 3600);
const target = p.setpoint + 1.5 * (p.setpoint - outdoor) + 15;
p.flow += (target - p.flow) * 0.25;
const flow = Math.max(-50, Math.min(150, p.flow + 0.6 * Math.sin(t / 20)));
const ret = flow - (p.pump ? 12 + 2 * Math.sin(t / 60) : 2);
p.energy += (p.pump ? 18.5 : 0.5) / 3600;   // kWh per second at 18.5 kW
p.runtime += p.pump ? 1 / 3600 : 0;
const out = {
    flow_temp: r1(flow),
    return_temp: r1(ret),
    outdoor_temp: r1(outdoor),
    pump_speed: p.pump ? Math.round(2400 + 250 * Math.sin(t / 30)) : 0,
    energy: Math.round(p.energy * 100) / 100,
    runtime_hours: Math.floor(p.runtime),
    alarm: flow > 85,
};
// the writable registers get their start values once; afterwards only the masters write them
// (for the first ticks: the simulator may not listen yet at the very first one)
if (!p.written && (p.ticks = (p.ticks || 0) + 1) <= 5) {
    if (!p.restored) out.setpoint = p.setpoint;
    out.pump_on = p.pump;
}
context.set('plant', p);
return { payload: out, unit: 1 };
