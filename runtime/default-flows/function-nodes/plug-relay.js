// The simulated plug's relay: cmnd/plug/POWER (ON, OFF, TOGGLE, 1, 0) switches it and the plug
// answers on stat/plug/POWER, as Tasmota does; an empty command only asks for the state.
const asked = String(msg.payload).trim().toUpperCase();
let on = flow.get('plugRelay') !== false;
if (asked === 'ON' || asked === '1') on = true;
else if (asked === 'OFF' || asked === '0') on = false;
else if (asked === 'TOGGLE' || asked === '2') on = !on;
flow.set('plugRelay', on);
return { topic: 'stat/plug/POWER', payload: on ? 'ON' : 'OFF' };
