// A simulated Tasmota energy plug (topic "plug"): its tele/plug/SENSOR telemetry as the firmware
// publishes it, the load drifting around 60 W while the relay is on, nothing drawn while it is off.
const on = flow.get('plugRelay') !== false;
const today = (context.get('today') || 0) + (on ? 0.0001 : 0);
context.set('today', today);
const power = on ? Math.round(55 + 10 * Math.sin(Date.now() / 60000) + Math.random() * 3) : 0;
const voltage = Math.round(228 + Math.random() * 6);
const current = Math.round((power / voltage) * 1000) / 1000;
const time = new Date(Date.now() - new Date().getTimezoneOffset() * 60000).toISOString().slice(0, 19);
return {
    topic: 'tele/plug/SENSOR',
    payload: JSON.stringify({
        Time: time,
        ENERGY: {
            TotalStartTime: '2024-01-01T00:00:00',
            Total: Math.round((12.5 + today) * 1000) / 1000,
            Yesterday: 1.204,
            Today: Math.round(today * 1000) / 1000,
            Period: 0,
            Power: power,
            ApparentPower: Math.round(power * 1.08),
            ReactivePower: Math.round(power * 0.4),
            Factor: on ? 0.93 : 0,
            Voltage: voltage,
            Current: current,
        },
    }),
};
