// A field device in a process of its own, speaking MQTT through mqtt.js the way a Tasmota energy
// plug does: its last will (tele/<topic>/LWT Offline, retained), Online once connected, its
// tele/<topic>/SENSOR JSON every PERIOD_MS, and cmnd/<topic>/POWER answered on stat/<topic>/POWER.
// The test kills it with SIGKILL to drop the connection without a clean close.
//   BROKER_URL, TOPIC, PERIOD_MS (0: no telemetry), ANSWER (0: commands go unanswered)
import mqtt from 'mqtt';

const url = process.env.BROKER_URL!;
const topic = process.env.TOPIC ?? 'plug';
const period = Number(process.env.PERIOD_MS ?? 200);
const answer = process.env.ANSWER !== '0';

const client = mqtt.connect(url, {
  clientId: `plug-${topic}-${process.pid}`,
  keepalive: 5,
  will: { topic: `tele/${topic}/LWT`, payload: Buffer.from('Offline'), qos: 1, retain: true },
});
let power = 20;
client.on('connect', () => {
  client.publish(`tele/${topic}/LWT`, 'Online', { qos: 1, retain: true });
  client.subscribe(`cmnd/${topic}/POWER`, { qos: 1 }, () => process.stdout.write('ready\n'));
  if (period > 0)
    setInterval(() => {
      power += 1;
      const body = {
        Time: new Date().toISOString().slice(0, 19),
        ENERGY: { Total: 3.705, Yesterday: 0.028, Today: 0.026, Power: power, ApparentPower: power + 2, ReactivePower: 1, Factor: 0.95, Voltage: 231, Current: 0.1 },
      };
      client.publish(`tele/${topic}/SENSOR`, JSON.stringify(body));
    }, period);
});
client.on('message', (t, payload) => {
  if (!answer || t !== `cmnd/${topic}/POWER`) return;
  const v = payload.toString().toUpperCase();
  client.publish(`stat/${topic}/POWER`, v === 'ON' || v === '1' ? 'ON' : 'OFF', { qos: 1 });
});
