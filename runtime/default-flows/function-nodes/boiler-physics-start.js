// On Start of the heating controller: its start state, and its measurements sent to the
// simulator at once, so that the boiler's first poll after a deploy reads plausible values (the
// first tick comes 0.1 s later). The setpoint and the pump are left to the ticks: the
// simulator's register store may hold what a master wrote before a restart (msg.restored).
const p = context.get('plant') || { setpoint: 21, pump: true, flow: 58, energy: 1520, runtime: 8760 };
context.set('plant', p);
node.send({
    payload: {
        flow_temp: Math.round(p.flow * 10) / 10,
        return_temp: Math.round((p.flow - (p.pump ? 12 : 2)) * 10) / 10,
        outdoor_temp: 4,
        pump_speed: p.pump ? 2400 : 0,
        energy: Math.round(p.energy * 100) / 100,
        runtime_hours: Math.floor(p.runtime),
        alarm: false,
    },
    unit: 1,
});
