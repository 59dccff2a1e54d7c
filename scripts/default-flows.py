#!/usr/bin/env python3
"""Generates flows/gateway.json (the runtime's default flows, one tab per pipeline stage) and
examples/gateway-pipeline.json (the same pipeline on one tab, with concrete ports instead of the
runtime's environment variables). Edit here, run `python3 scripts/default-flows.py`, commit both."""
import json, os

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), '..')
TEMPLATE = json.load(open(os.path.join(ROOT, 'lib/modbus/templates/eastron-sdm630.json')))

BOILER_TAGS = """name,area,address,type,order,scale,offset,unit,access,group,deadband
flow_temp,holding,0,int16,ABCD,0.1,0,degC,r,fast,0.2
return_temp,holding,1,int16,ABCD,0.1,0,degC,r,fast,0.2
outdoor_temp,holding,2,int16,ABCD,0.1,0,degC,r,slow,0.5
pump_speed,holding,3,uint16,ABCD,1,0,rpm,r,fast,20
setpoint,holding,10,int16,ABCD,0.1,0,degC,rw,slow,
energy,input,0,float32,CDAB,1,0,kWh,r,slow,
runtime_hours,input,2,uint32,ABCD,1,0,h,r,slow,
pump_on,coil,0,bool,,,,,rw,fast,
alarm,discrete,0,bool,,,,,r,fast,
"""

METER_TAG_NAMES = ['l1_voltage', 'l2_voltage', 'l3_voltage', 'l1_current', 'l2_current', 'l3_current',
                   'l1_power', 'l2_power', 'l3_power', 'l1_apparent_power', 'l2_apparent_power', 'l3_apparent_power',
                   'l1_power_factor', 'l2_power_factor', 'l3_power_factor', 'total_power', 'total_apparent_power',
                   'total_power_factor', 'frequency', 'import_energy', 'export_energy', 'total_energy']


def meter_tags():
    by_name = {t['name']: t for t in TEMPLATE['tags']}
    lines = ['name,area,address,type,order,scale,offset,unit,access,group']
    for n in METER_TAG_NAMES:
        t = by_name[n]
        lines.append(f"{n},input,{t['address']},{t['type']},ABCD,1,0,{t.get('unit') or ''},r,fast")
    return '\n'.join(lines) + '\n'


BOILER_PHYSICS = r"""// The heating controller. Its flow temperature follows a heating curve of the setpoint
// and the outdoor temperature with a first-order lag, so a setpoint written over Modbus
// (devices/boiler/commands) moves it: a setpoint of 45 drives it over the 85 degC alarm limit.
const p = context.get('plant') || { setpoint: 21, pump: true, flow: 58, energy: 1520, runtime: 8760 };
if (msg.values) {
    // a write by a Modbus master (the boiler device), from the simulator's output
    p.written = true;
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
if (!p.written && (p.ticks = (p.ticks || 0) + 1) <= 5) { out.setpoint = p.setpoint; out.pump_on = p.pump; }
context.set('plant', p);
return { payload: out, unit: 1 };
"""

METER_PHYSICS = r"""// An Eastron SDM630 three-phase meter on unit 2: float32 input registers, high word first, at
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
"""

DEVICE_DATA = r"""// One MQTT message per scan, as devices/<device>/data: values, quality, units and the time
// of the newest sample; store-forward adds seq, id and queue.
const tags = Array.isArray(msg.tags) ? msg.tags : (msg.tag ? [msg.tag] : []);
if (tags.length === 0) return null;
const device = tags[0].device;
const values = {}, quality = {}, units = {};
let ts = 0;
for (const s of tags) {
    values[s.name] = s.value;
    quality[s.name] = s.quality;
    if (s.unit) units[s.name] = s.unit;
    if (s.ts > ts) ts = s.ts;
}
const payload = { device_id: device, ts, values, quality, units };
if (msg.group) payload.group = msg.group;
if (msg.labels) payload.labels = msg.labels;
if (msg.frames && typeof msg.frames.count === 'number') payload.frames = msg.frames.count;
return { topic: `devices/${device}/data`, payload, tags };
"""

QUEUE_STATUS = r"""// The first number of a queue's status text is its depth ("12 queued, 40/s, connected",
// "в очереди 12, 40/с, ..." with --lang ru): the heartbeat reports what waits in all of the
// gateway's queues (devices and events) together.
const text = String((msg.status && msg.status.text) || '');
const m = /(\d+)/.exec(text);
if (!m || !msg.status.source) return null;
const depths = context.get('depths') || {};
depths[msg.status.source.id] = Number(m[1]);
context.set('depths', depths);
return { queue_depth: Object.values(depths).reduce((a, b) => a + b, 0) };
"""

ROUTE_UNKNOWN = r"""// A command for a device this gateway does not have: answered, never written anywhere
msg.error = { message: `unknown device "${String(msg.topic).split('/')[1]}": this gateway has boiler and meter` };
return msg;
"""

COMMAND_RESULT = r"""// Every command gets one reply on devices/<device>/commands/result: ok once the device wrote
// it (Complete), or the validation / write error (Catch); a refused command wrote nothing.
if (typeof msg.topic !== 'string' || !/^devices\/[^/]+\/commands$/.test(msg.topic)) return null;
const result = msg.error
    ? { ok: false, error: String(msg.error.message || msg.error), ts: Date.now() }
    : { ok: true, ts: Date.now() };
if (msg._msgid) result.msgid = msg._msgid;
return { topic: msg.topic + '/result', payload: result };
"""

TWIN_SELECT = r"""// The twin gets each device's latest scan at most every 5 s
const last = context.get('last') || {};
const tags = Array.isArray(msg.tags) ? msg.tags : [];
if (tags.length === 0) return null;
const device = tags[0].device;
const now = Date.now();
if (last[device] && now - last[device] < 5000) return null;
last[device] = now;
context.set('last', last);
const values = {};
for (const s of tags) values[s.name] = s.value;
// the editor port of this Node-RED (the runtime sets EDGEGW_UI_PORT; elsewhere 1880)
const url = `http://127.0.0.1:${env.get('EDGEGW_UI_PORT') || '1880'}/twin`;
return { topic: device, url, payload: { device, ts: now, values }, headers: { 'content-type': 'application/json' } };
"""

TWIN_ENDPOINT = r"""// The digital twin: keeps the latest values per device; answers 503 while the outage flag is set
if (flow.get('twinDown')) {
    msg.statusCode = 503;
    msg.payload = { error: 'digital twin unavailable (outage simulated on the Supervision tab)' };
    return msg;
}
const twin = flow.get('twin') || {};
if (msg.req.method === 'POST') {
    const body = msg.payload;
    if (!body || typeof body !== 'object' || typeof body.device !== 'string') {
        msg.statusCode = 400;
        msg.payload = { error: 'expected {device, ts, values}' };
        return msg;
    }
    twin[body.device] = { ts: body.ts, values: body.values, received: Date.now() };
    flow.set('twin', twin);
    msg.statusCode = 200;
    msg.payload = { ok: true };
} else {
    msg.statusCode = 200;
    msg.payload = twin;
}
return msg;
"""

TWIN_TOGGLE = r"""flow.set('twinDown', !flow.get('twinDown'));
node.status({ fill: flow.get('twinDown') ? 'red' : 'green', shape: 'dot', text: flow.get('twinDown') ? 'twin answers 503' : 'twin up' });
return null;
"""

ALARM_TOPIC = r"""// Alarm and watchdog events go to edge-gateway/<gateway id>/alarms through the durable events
// queue. The queue adds its own message id (a UUID), seq and queue name as top-level fields, so
// the alarm's own id (tag:rule, e.g. "boiler/flow_temp:hi") travels as alarm_id.
msg.topic = `edge-gateway/${env.get('EDGEGW_GATEWAY_ID') || 'my-gateway'}/alarms`;
const p = msg.payload;
if (p && typeof p === 'object' && !Array.isArray(p) && 'id' in p) {
    const { id, ...event } = p;
    msg.payload = { alarm_id: id, ...event };
}
return msg;
"""

ALARM_RULES = """tag,type,limit,deadband,on_delay,off_delay,severity,message
boiler/flow_temp,hi,85,3,3,5,critical,Boiler flow temperature {value} degC over {limit} degC
boiler/flow_temp,bad,,,2,2,high,Boiler: communication lost
boiler/flow_temp,stale,15,,,,high,Boiler: no fresh reading for 15 s
meter/l1_voltage,bad,,,2,2,high,Energy meter: communication lost
meter/l1_voltage,stale,15,,,,high,Energy meter: no fresh reading for 15 s
meter/l1_voltage,lo,207,3,10,5,medium,Energy meter: L1 voltage {value} V under {limit} V
plant-can/FlowTemp,stale,15,,,,medium,CAN bus: no BoilerStatus frame for 15 s
"""

CALC = """# apparent power of the three phases, kVA
meter_apparent_kva [kVA] = (meter.l1_voltage * meter.l1_current + meter.l2_voltage * meter.l2_current + meter.l3_voltage * meter.l3_current) / 1000
# energy per hour: the import counter's change per second (kWh/s) times 3600
meter_energy_per_hour [kWh/h] = rate(meter.import_energy) * 3600
# heating delta-T between flow and return
boiler_delta_t [K] = boiler.flow_temp - boiler.return_temp
"""


def comment(id_, z, name, info, x=330, y=40):
    return {'id': id_, 'type': 'comment', 'z': z, 'name': name, 'info': info, 'x': x, 'y': y, 'wires': []}


def fn(id_, z, name, func, x, y, wires, outputs=1, libs=None):
    return {'id': id_, 'type': 'function', 'z': z, 'name': name, 'func': func, 'outputs': outputs, 'timeout': 0,
            'noerr': 0, 'initialize': '', 'finalize': '', 'libs': libs or [], 'x': x, 'y': y, 'wires': wires}


def inject(id_, z, name, repeat, x, y, wires, once=True, delay='0.5', props=None):
    return {'id': id_, 'type': 'inject', 'z': z, 'name': name, 'props': props or [{'p': 'payload'}], 'repeat': repeat,
            'crontab': '', 'once': once, 'onceDelay': delay, 'topic': '', 'payload': '', 'payloadType': 'date',
            'x': x, 'y': y, 'wires': wires}


def debug(id_, z, name, x, y, active=False, complete='true'):
    return {'id': id_, 'type': 'debug', 'z': z, 'name': name, 'active': active, 'tosidebar': True, 'console': False,
            'tostatus': False, 'complete': complete, 'targetType': 'full' if complete == 'true' else 'msg',
            'statusVal': '', 'statusType': 'auto', 'x': x, 'y': y, 'wires': []}


def link_in(id_, z, name, links, x, y, wires):
    return {'id': id_, 'type': 'link in', 'z': z, 'name': name, 'links': links, 'x': x, 'y': y, 'wires': wires}


def link_out(id_, z, name, links, x, y):
    return {'id': id_, 'type': 'link out', 'z': z, 'name': name, 'mode': 'link', 'links': links, 'x': x, 'y': y, 'wires': []}


def mqtt_out(id_, z, name, topic, x, y, qos='1', retain='false'):
    return {'id': id_, 'type': 'mqtt out', 'z': z, 'name': name, 'topic': topic, 'qos': qos, 'retain': retain,
            'respTopic': '', 'contentType': '', 'userProps': '', 'correl': '', 'expiry': '',
            'broker': 'edgegw.mqtt.broker', 'x': x, 'y': y, 'wires': []}


def build(env):
    """env maps the runtime's ${VAR}s to what the flows use: themselves for the runtime, concrete
    values for the palette example."""
    E = lambda k: env[k]
    T = {k: f'edgegw.tab.{k}' for k in ('field', 'acq', 'proc', 'fwd', 'cmd', 'sup')}
    nodes = [
        {'id': T['field'], 'type': 'tab', 'label': 'Field (simulation)', 'disabled': False,
         'info': 'Simulated field devices: a heating controller (Modbus unit 1), an SDM630 energy meter (unit 2) and a replayed CAN log.'},
        {'id': T['acq'], 'type': 'tab', 'label': 'Acquisition', 'disabled': False, 'info': 'Polling, decoding, the tag store.'},
        {'id': T['proc'], 'type': 'tab', 'label': 'Processing', 'disabled': False, 'info': 'Derived tags, alarms, statistics and reports.'},
        {'id': T['fwd'], 'type': 'tab', 'label': 'Forwarding', 'disabled': False, 'info': 'Durable store-and-forward to MQTT, heartbeat, status.'},
        {'id': T['cmd'], 'type': 'tab', 'label': 'Commands', 'disabled': False, 'info': 'Commands from MQTT to the devices, with a result for each.'},
        {'id': T['sup'], 'type': 'tab', 'label': 'Supervision', 'disabled': False, 'info': 'Watchdogs and a circuit breaker in front of a digital twin.'},
    ]
    # --- config nodes ---
    nodes += [
        {'id': 'edgegw.mqtt.broker', 'type': 'mqtt-broker', 'name': 'gateway broker', 'broker': E('EDGEGW_MQTT_URL'),
         'port': '1883', 'clientid': '', 'autoConnect': True, 'usetls': False, 'protocolVersion': '4', 'keepalive': '30',
         'cleansession': True, 'autoUnsubscribe': True,
         'birthTopic': E('STATUS_TOPIC'), 'birthQos': '1', 'birthRetain': 'true', 'birthPayload': 'online', 'birthMsg': {},
         'closeTopic': E('STATUS_TOPIC'), 'closeQos': '1', 'closeRetain': 'true', 'closePayload': 'offline', 'closeMsg': {},
         'willTopic': E('STATUS_TOPIC'), 'willQos': '1', 'willRetain': 'true', 'willPayload': 'offline', 'willMsg': {},
         'userProps': '', 'sessionExpiry': ''},
        {'id': 'edgegw.mb.connection', 'type': 'edgegw-modbus-connection', 'name': 'simulator line', 'transport': 'tcp',
         'host': '127.0.0.1', 'port': E('EDGEGW_SIM_PORT'), 'path': '/dev/ttyUSB0', 'baudRate': 9600, 'parity': 'none',
         'dataBits': 8, 'stopBits': 1, 'timeoutMs': 1000, 'maxInFlight': 1, 'reconnectMinMs': 500, 'reconnectMaxMs': 30000,
         'unitBackoffMinMs': 1000, 'unitBackoffMaxMs': 30000, 'breakerThreshold': 5, 'breakerResetMs': 30000,
         'queueTimeoutMs': '', 'interFrameDelayMs': ''},
        {'id': 'edgegw.can.interface', 'type': 'edgegw-can-interface', 'name': 'demo CAN log', 'kind': 'replay', 'iface': 'can0',
         'filters': '', 'serialPath': '/dev/ttyACM0', 'baudRate': 115200, 'bitrate': 500000, 'timestamps': True,
         'listenOnly': False, 'statusPollMs': 0, 'file': E('EDGEGW_DEMO_CANLOG'), 'pace': 'realtime', 'speed': 1,
         'loop': True, 'replayTimestamps': 'replay'},
        {'id': 'edgegw.tags.store', 'type': 'edgegw-tag-store', 'name': 'gateway tags', 'persist': True, 'file': '', 'maxAge': 30,
         'maxAgeRules': 'meter = 10\nboiler = 15\nplant-can = 15', 'userDevice': 'user',
         'userTags': 'tariff number 0..10 EUR/kWh = 0.25'},
        {'id': 'edgegw.fwd.target', 'type': 'edgegw-forward-target', 'name': 'gateway broker (queued)', 'kind': 'mqtt',
         'url': E('EDGEGW_MQTT_URL'), 'clientId': E('FWD_CLIENT'), 'qos': 1, 'protocolVersion': 4,
         'topic': '{topic}', 'retain': False, 'publish': 'payload', 'maxInFlight': 100, 'maxBatch': 25,
         'usetls': False, 'ca': '', 'cert': '', 'servername': '', 'rejectUnauthorized': True},
    ]
    # --- Field ---
    z = T['field']
    nodes += [
        comment('edgegw.field.comment', z, 'Simulated field devices: read me (double-click)', f"""Everything on this tab stands in for hardware, so the gateway shows data with nothing connected.

- One Modbus TCP simulator (`modbus-server`) on 127.0.0.1 at the simulator port (`--sim-port`, default 5020) serves two units:
  - unit 1, the heating controller of the earlier default flows: flow, return and outdoor temperature, pump speed, energy, run hours, a writable `setpoint` (holding 10) and `pump_on` (coil 0). The flow temperature follows a heating curve of the setpoint, so `{{"setpoint": 45}}` on `devices/boiler/commands` drives it over the 85 degC alarm limit within seconds; `{{"setpoint": 21}}` brings it back.
  - unit 2, an energy meter laid out as the Eastron SDM630 (float32 input registers): three phase voltages around 230 V with noise, currents, power = V x I x pf, import and total energy counters that only grow.
- The CAN bus is the config node *demo CAN log* (`can-interface`, kind replay): it replays `flows/demo/plant.log` in real time, in a loop, decoded with `plant.dbc` on the Acquisition tab.

To use real devices: delete or disable this tab, then point the `modbus-connection` *simulator line* and the `can-interface` *demo CAN log* (Acquisition tab) at the real line and bus."""),
        inject('edgegw.sim.tick', z, 'every 1 s', '1', 170, 120, [['edgegw.sim.physics', 'edgegw.sim.meter']], delay='0.1'),
        fn('edgegw.sim.physics', z, 'heating plant physics', BOILER_PHYSICS, 400, 100, [['edgegw.sim.server']]),
        fn('edgegw.sim.meter', z, 'SDM630 meter physics', METER_PHYSICS, 400, 160, [['edgegw.sim.server']]),
        {'id': 'edgegw.sim.server', 'type': 'edgegw-modbus-server', 'z': z, 'name': 'field simulator (units 1, 2)',
         'transport': 'tcp', 'host': '127.0.0.1', 'port': E('EDGEGW_SIM_PORT'), 'path': '/dev/ttyUSB0', 'baudRate': 9600,
         'parity': 'none', 'dataBits': 8, 'stopBits': 1, 'units': '1, 2', 'coilSize': 100, 'discreteSize': 100,
         'holdingSize': 100, 'inputSize': 400, 'tags': BOILER_TAGS, 'notation': 'zero', 'persistence': 'none',
         'persistFile': '', 'x': 660, 'y': 120, 'wires': [['edgegw.sim.physics']]},
    ]
    # --- Acquisition ---
    z = T['acq']
    nodes += [
        comment('edgegw.acq.comment', z, 'Acquisition: read me (double-click)', """Polls the field and puts every reading into the tag store *gateway tags*.

- `boiler`: unit 1 of the *simulator line*, poll groups fast (1 s) and slow (5 s), one scan per cycle.
- `meter`: unit 2, the SDM630 template's voltages, currents, powers, power factors, frequency and energy counters, one poll group of 1 s.
- CAN: `can-in` batches a second of frames, `dbc-decode` turns them into one scan of device `plant-can`.

Every scan goes through `tag-store-in` (current-value table, stale after its max age) and leaves through the link *edgegw.acq.out* to Processing, Forwarding and Supervision. A device flow of your own joins the pipeline with a link out to the link in *acquired scans* on those tabs.

Commands arrive from the Commands tab; Complete and Catch report each one's outcome back there.

Switching to real devices: edit the config node *simulator line* (host, port or a serial port), the unit ids and tag tables (or load a template), and the `can-interface` (socketcan `can0` or an slcan adapter)."""),
        {'id': 'edgegw.mb.device', 'type': 'edgegw-modbus-device', 'z': z, 'name': 'boiler', 'connection': 'edgegw.mb.connection',
         'device': 'boiler', 'unit': 1, 'notation': 'zero', 'tags': BOILER_TAGS,
         'groups': [{'name': 'fast', 'interval': 1000}, {'name': 'slow', 'interval': 5000}], 'maxGap': 10,
         'maxRegisters': 125, 'maxBits': 2000, 'output': 'scan', 'template': '', 'parseJson': True,
         'x': 400, 'y': 120, 'wires': [['edgegw.acq.store']]},
        {'id': 'edgegw.mb.meter', 'type': 'edgegw-modbus-device', 'z': z, 'name': 'meter', 'connection': 'edgegw.mb.connection',
         'device': 'meter', 'unit': 2, 'notation': 'modicon', 'tags': meter_tags(),
         'groups': [{'name': 'fast', 'interval': 1000}], 'maxGap': 10, 'maxRegisters': 125, 'maxBits': 2000,
         'output': 'scan', 'template': 'eastron-sdm630', 'parseJson': True, 'x': 400, 'y': 180, 'wires': [['edgegw.acq.store']]},
        link_in('edgegw.acq.cmd.boiler', z, 'boiler commands', ['edgegw.cmd.to.boiler'], 195, 120, [['edgegw.mb.device']]),
        link_in('edgegw.acq.cmd.meter', z, 'meter commands', ['edgegw.cmd.to.meter'], 195, 180, [['edgegw.mb.meter']]),
        {'id': 'edgegw.can.in', 'type': 'edgegw-can-in', 'z': z, 'name': '', 'interface': 'edgegw.can.interface', 'filters': '',
         'batchMs': 1000, 'x': 200, 'y': 260, 'wires': [['edgegw.can.decode']]},
        {'id': 'edgegw.can.decode', 'type': 'edgegw-dbc-decode', 'z': z, 'name': 'plant.dbc', 'dbcSource': 'file',
         'dbcFile': E('EDGEGW_DEMO_DBC'), 'dbcText': '', 'output': 'batch', 'labels': True, 'device': 'plant-can',
         'unknown': 'drop', 'outputs': 1, 'x': 400, 'y': 260, 'wires': [['edgegw.acq.store']]},
        {'id': 'edgegw.acq.store', 'type': 'edgegw-tag-store-in', 'z': z, 'name': 'into the tag store', 'store': 'edgegw.tags.store',
         'x': 640, 'y': 180, 'wires': [['edgegw.acq.out']]},
        link_out('edgegw.acq.out', z, 'edgegw.acq.out', ['edgegw.proc.in', 'edgegw.fwd.in', 'edgegw.sup.in'], 805, 180),
        {'id': 'edgegw.acq.done', 'type': 'complete', 'z': z, 'name': 'command written',
         'scope': ['edgegw.mb.device', 'edgegw.mb.meter'], 'uncaught': False, 'x': 410, 'y': 340, 'wires': [['edgegw.acq.results']]},
        {'id': 'edgegw.acq.failed', 'type': 'catch', 'z': z, 'name': 'command refused or failed',
         'scope': ['edgegw.mb.device', 'edgegw.mb.meter'], 'uncaught': False, 'x': 430, 'y': 400, 'wires': [['edgegw.acq.results']]},
        link_out('edgegw.acq.results', z, 'command outcomes', ['edgegw.cmd.results'], 655, 370),
        {'id': 'edgegw.errors.catch', 'type': 'catch', 'z': z, 'name': 'other errors', 'scope': ['edgegw.can.in', 'edgegw.can.decode', 'edgegw.acq.store'],
         'uncaught': False, 'x': 400, 'y': 460, 'wires': [['edgegw.errors.debug']]},
        debug('edgegw.errors.debug', z, 'errors', 640, 460, active=True, complete='error'),
    ]
    # --- Processing ---
    z = T['proc']
    nodes += [
        comment('edgegw.proc.comment', z, 'Processing: read me (double-click)', """Works on every acquired scan.

- `tag-calc` *derived* (device `calc`): apparent power of the meter (kVA), energy per hour from the import counter (kWh/h), heating delta-T (K). Results go to the tag store and are forwarded as `devices/calc/data`.
- `alarm` *gateway alarms*: boiler flow temperature over 85 degC (critical), communication loss (quality bad, or no fresh reading for 15 s) of the boiler, the meter and the CAN bus, L1 under-voltage. Events go to `edge-gateway/<gateway id>/alarms`; the active list survives a restart (SQLite).
- `stats`: 1-minute windows (min, max, mean... per tag) and an hourly CSV report per day in `reports/` under the user directory (`gateway-<date>.csv`).

Acknowledge an alarm: send the alarm node `msg.ack` = `"boiler/flow_temp:hi"` (or `"all"`)."""),
        link_in('edgegw.proc.in', z, 'acquired scans', ['edgegw.acq.out'], 175, 160,
                [['edgegw.proc.calc', 'edgegw.proc.alarm', 'edgegw.proc.minute', 'edgegw.proc.hourly']]),
        {'id': 'edgegw.proc.calc', 'type': 'edgegw-tag-calc', 'z': z, 'name': 'derived', 'definitions': CALC, 'device': 'calc',
         'trigger': 'input', 'interval': 10, 'output': 'scan', 'missing': 'skip', 'store': 'edgegw.tags.store',
         'x': 390, 'y': 100, 'wires': [['edgegw.proc.calc.out', 'edgegw.proc.minute', 'edgegw.proc.hourly']]},
        link_out('edgegw.proc.calc.out', z, 'derived scans', ['edgegw.fwd.in'], 575, 80),
        {'id': 'edgegw.proc.alarm', 'type': 'edgegw-alarm', 'z': z, 'name': 'gateway alarms', 'rulesSource': 'editor',
         'rules': ALARM_RULES, 'rulesFile': '', 'cooldownSec': 0, 'persist': 'sqlite', 'dbFile': 'edge-gateway-state.db',
         'healthOn': 'critical-unacknowledged', 'x': 400, 'y': 180, 'wires': [['edgegw.proc.alarm.topic'], []]},
        fn('edgegw.proc.alarm.topic', z, 'to alarms topic', ALARM_TOPIC, 620, 180, [['edgegw.proc.alarm.out']]),
        link_out('edgegw.proc.alarm.out', z, 'alarm events (events queue)', ['edgegw.fwd.events.in'], 795, 180),
        {'id': 'edgegw.proc.minute', 'type': 'edgegw-stats', 'z': z, 'name': '1-minute figures', 'windowKind': 'tumbling',
         'windowBy': 'time', 'length': 1, 'lengthUnit': 'min', 'hop': 1, 'hopUnit': 'min', 'align': True, 'timeZone': '',
         'percentiles': False, 'graceSec': 2, 'report': False, 'reportDir': 'reports', 'reportPer': 'day',
         'reportPrefix': 'minute', 'retentionDays': 30, 'persist': 'memory', 'dbFile': '', 'x': 400, 'y': 240,
         'wires': [['edgegw.proc.stats.debug']]},
        {'id': 'edgegw.proc.hourly', 'type': 'edgegw-stats', 'z': z, 'name': 'hourly report', 'windowKind': 'tumbling',
         'windowBy': 'time', 'length': 1, 'lengthUnit': 'h', 'hop': 1, 'hopUnit': 'min', 'align': True, 'timeZone': '',
         'percentiles': True, 'graceSec': 5, 'report': True, 'reportDir': 'reports', 'reportPer': 'day',
         'reportPrefix': 'gateway', 'retentionDays': 90, 'persist': 'sqlite', 'dbFile': 'edge-gateway-state.db',
         'x': 390, 'y': 300, 'wires': [['edgegw.proc.stats.debug']]},
        debug('edgegw.proc.stats.debug', z, 'window figures', 640, 270),
    ]
    # --- Forwarding ---
    z = T['fwd']
    nodes += [
        comment('edgegw.fwd.comment', z, 'Forwarding: read me (double-click)', f"""Every scan becomes one message on `devices/<device>/data` through a durable queue (`store-forward`, SQLite in `queues/` under the user directory): while the broker is away the queue grows, and everything arrives afterwards, in order.

```
devices/boiler/data
{{"device_id":"boiler","group":"fast","ts":1764619200000,
 "values":{{"flow_temp":61.2,"return_temp":48.9,"pump_speed":2410,"pump_on":true,"alarm":false}},
 "quality":{{"flow_temp":"good", ...}},"units":{{"flow_temp":"degC", ...}},
 "seq":1234,"id":"5f0c...","queue":"devices"}}
```

`seq` grows by one per message and never repeats: a consumer that sees a gap knows something is missing.

Heartbeats and alarm events go the same durable way, through a second queue, `events`, with its own `seq` (so a gap in the data's `seq` always means lost data):

- `edge-gateway/<gateway id>/heartbeat` every 10 s (`gateway-heartbeat`): CPU, memory, disk of the user directory, uptime, and the depth of both queues.
- `edge-gateway/<gateway id>/alarms`: the alarm and watchdog events of the Processing and Supervision tabs, through the link in *gateway events*.
- `edge-gateway/<gateway id>/status`: `online`, retained; `offline` as the broker config's last will.
- The gateway id is the host name unless set otherwise; the broker is the embedded one unless `--mqtt-url` names another.

Home Assistant discovery: every tag of every scan is announced once (and again when its unit or type changes) as a retained config on `homeassistant/sensor/<gateway>_<device>_<tag>/config` (binary_sensor for booleans), with the device, unit, device_class and state_class, reading its state from `devices/<device>/data`: Home Assistant shows the gateway with no configuration. Configs of your own can join through the link in *HA discovery*."""),
        link_in('edgegw.fwd.in', z, 'acquired scans', ['edgegw.acq.out', 'edgegw.proc.calc.out'], 175, 120, [['edgegw.fwd.shape', 'edgegw.ha.discovery']]),
        fn('edgegw.fwd.shape', z, 'device data', DEVICE_DATA, 340, 120, [['edgegw.fwd.queue']]),
        {'id': 'edgegw.fwd.queue', 'type': 'edgegw-store-forward', 'z': z, 'name': 'devices queue', 'target': 'edgegw.fwd.target',
         'queue': 'devices', 'storage': 'sqlite', 'durability': 'normal', 'batchMs': 20, 'batchMax': 500,
         'maxMessages': 1000000, 'maxMB': 1024, 'maxAgeH': '', 'policy': 'drop-oldest', 'retentionH': 0, 'ackOutput': False,
         'x': 540, 'y': 120, 'wires': [[], ['edgegw.fwd.dead']]},
        debug('edgegw.fwd.dead', z, 'dead letters and drops', 770, 120, active=True),
        link_in('edgegw.fwd.events.in', z, 'gateway events', ['edgegw.proc.alarm.out', 'edgegw.sup.watchdog.out'], 175, 200, [['edgegw.fwd.events']]),
        {'id': 'edgegw.fwd.heartbeat', 'type': 'edgegw-gateway-heartbeat', 'z': z, 'name': 'heartbeat', 'gatewayId': '', 'interval': 10,
         'topic': '', 'x': 350, 'y': 260, 'wires': [['edgegw.fwd.events']]},
        {'id': 'edgegw.fwd.events', 'type': 'edgegw-store-forward', 'z': z, 'name': 'events queue', 'target': 'edgegw.fwd.target',
         'queue': 'events', 'storage': 'sqlite', 'durability': 'normal', 'batchMs': 20, 'batchMax': 500,
         'maxMessages': 100000, 'maxMB': 64, 'maxAgeH': '', 'policy': 'drop-oldest', 'retentionH': 0, 'ackOutput': False,
         'x': 560, 'y': 230, 'wires': [[], ['edgegw.fwd.dead']]},
        {'id': 'edgegw.fwd.queue.status', 'type': 'status', 'z': z, 'name': 'queue status', 'scope': ['edgegw.fwd.queue', 'edgegw.fwd.events'],
         'x': 170, 'y': 320, 'wires': [['edgegw.fwd.queue.depth']]},
        fn('edgegw.fwd.queue.depth', z, 'queue depth', QUEUE_STATUS, 340, 320, [['edgegw.fwd.heartbeat']], outputs=1),
        link_in('edgegw.ha.in', z, 'HA discovery', [], 175, 420, [['edgegw.ha.publish']]),
        {'id': 'edgegw.ha.discovery', 'type': 'edgegw-ha-discovery', 'z': z, 'name': 'Home Assistant discovery', 'gatewayId': '', 'prefix': 'homeassistant',
         'x': 200, 'y': 480, 'wires': [['edgegw.ha.publish']]},
        mqtt_out('edgegw.ha.publish', z, 'discovery configs (retained)', '', 400, 420, retain='true'),
    ]
    # --- Commands ---
    z = T['cmd']
    nodes += [
        comment('edgegw.cmd.comment', z, 'Commands: read me (double-click)', """Writes from MQTT: `devices/<device>/commands` with a JSON object of tag values, e.g. on `devices/boiler/commands`:

```
{"setpoint": 21.5, "pump_on": true}
```

The device checks every value first (tag known and writable, type, range); a command with one bad value writes nothing. Each write is in `audit.jsonl` in the user directory (who, tag, old and new value).

Every command gets one reply on `devices/<device>/commands/result`:

```
{"ok": true, "ts": 1764619200000}
{"ok": false, "error": "flow_temp: tag is read-only", "ts": 1764619200000}
```

The meter's tags are all read-only, so its commands are refused with the reason; a device the gateway does not have is answered too."""),
        {'id': 'edgegw.mb.commands', 'type': 'mqtt in', 'z': z, 'name': 'devices/+/commands', 'topic': 'devices/+/commands',
         'qos': '1', 'datatype': 'buffer', 'broker': 'edgegw.mqtt.broker', 'nl': False, 'rap': True, 'rh': 0, 'inputs': 0,
         'x': 180, 'y': 140, 'wires': [['edgegw.cmd.route']]},
        {'id': 'edgegw.cmd.route', 'type': 'switch', 'z': z, 'name': 'by device', 'property': 'topic', 'propertyType': 'msg',
         'rules': [{'t': 'eq', 'v': 'devices/boiler/commands', 'vt': 'str'}, {'t': 'eq', 'v': 'devices/meter/commands', 'vt': 'str'},
                   {'t': 'else'}], 'checkall': 'false', 'repair': False, 'outputs': 3, 'x': 390, 'y': 140,
         'wires': [['edgegw.cmd.to.boiler'], ['edgegw.cmd.to.meter'], ['edgegw.cmd.unknown']]},
        link_out('edgegw.cmd.to.boiler', z, 'to boiler', ['edgegw.acq.cmd.boiler'], 555, 100),
        link_out('edgegw.cmd.to.meter', z, 'to meter', ['edgegw.acq.cmd.meter'], 555, 140),
        fn('edgegw.cmd.unknown', z, 'unknown device', ROUTE_UNKNOWN, 570, 180, [['edgegw.cmd.result']]),
        link_in('edgegw.cmd.results', z, 'command outcomes', ['edgegw.acq.results'], 175, 260, [['edgegw.cmd.result']]),
        fn('edgegw.cmd.result', z, 'command result', COMMAND_RESULT, 780, 260, [['edgegw.cmd.publish']]),
        mqtt_out('edgegw.cmd.publish', z, 'devices/<device>/commands/result', '', 1010, 260),
    ]
    # --- Supervision ---
    z = T['sup']
    nodes += [
        comment('edgegw.sup.comment', z, 'Supervision: read me (double-click)', f"""- `watchdog` *devices*: each of `boiler`, `meter` and `plant-can` must deliver a good scan at least every 10 s; a silent one raises an alarm on `edge-gateway/<gateway id>/alarms` (and /health says so).
- A second forwarding path: every device's latest values, at most every 5 s, go by HTTP POST to a digital twin that these flows serve themselves (`POST /twin` on the editor port; `GET /twin` shows what it holds). A `circuit-breaker` guards the path: after 3 failures in a row it opens and refuses requests (status red, output 2) until a probe after 10 s succeeds.

Watch the breaker open: click the button of the inject *toggle twin outage*. The twin answers 503 from then on; within a few updates the breaker opens. Click it again: the next probe succeeds and the breaker closes.

/health reports the watchdog, the breaker, the queue, the alarms and the devices."""),
        link_in('edgegw.sup.in', z, 'acquired scans', ['edgegw.acq.out'], 175, 120, [['edgegw.sup.watchdog', 'edgegw.sup.twin.select']]),
        {'id': 'edgegw.sup.watchdog', 'type': 'edgegw-watchdog', 'z': z, 'name': 'devices', 'keyBy': 'topic',
         'keys': 'boiler\nmeter\nplant-can', 'learn': False, 'timeout': '10', 'badIsSilence': True, 'hardware': False,
         'devicePath': '/dev/watchdog', 'systemd': False, 'keepalive': '5', 'x': 370, 'y': 100,
         'wires': [[], ['edgegw.sup.watchdog.topic']]},
        fn('edgegw.sup.watchdog.topic', z, 'to alarms topic', ALARM_TOPIC, 600, 100, [['edgegw.sup.watchdog.out']]),
        link_out('edgegw.sup.watchdog.out', z, 'watchdog alarms (events queue)', ['edgegw.fwd.events.in'], 775, 100),
        fn('edgegw.sup.twin.select', z, 'latest per device, every 5 s', TWIN_SELECT, 410, 180, [['edgegw.sup.breaker']]),
        {'id': 'edgegw.sup.breaker', 'type': 'edgegw-circuit-breaker', 'z': z, 'name': 'twin breaker', 'thresholdType': 'consecutive',
         'failures': '3', 'rate': '50', 'window': '60', 'minCalls': '10', 'openTimeout': '10', 'maxOpenTimeout': '120',
         'probes': '1', 'fallback': True, 'watch': '', 'x': 650, 'y': 180,
         'wires': [['edgegw.sup.twin.post'], ['edgegw.sup.refused'], ['edgegw.sup.breaker.state']]},
        {'id': 'edgegw.sup.twin.post', 'type': 'http request', 'z': z, 'name': 'POST /twin', 'method': 'POST', 'ret': 'txt',
         'paytoqs': 'ignore', 'url': '', 'tls': '', 'persist': False, 'proxy': '', 'insecureHTTPParser': False,
         'authType': '', 'senderr': False, 'headers': [], 'x': 860, 'y': 160, 'wires': [['edgegw.sup.twin.ok']]},
        {'id': 'edgegw.sup.twin.ok', 'type': 'switch', 'z': z, 'name': '2xx?', 'property': 'statusCode', 'propertyType': 'msg',
         'rules': [{'t': 'btwn', 'v': '200', 'vt': 'num', 'v2': '299', 'v2t': 'num'}, {'t': 'else'}], 'checkall': 'false',
         'repair': False, 'outputs': 2, 'x': 1030, 'y': 160, 'wires': [['edgegw.sup.success'], ['edgegw.sup.failure']]},
        {'id': 'edgegw.sup.success', 'type': 'change', 'z': z, 'name': 'breaker = success',
         'rules': [{'t': 'set', 'p': 'breaker', 'pt': 'msg', 'to': 'success', 'tot': 'str'}], 'x': 870, 'y': 240,
         'wires': [['edgegw.sup.breaker']]},
        {'id': 'edgegw.sup.failure', 'type': 'change', 'z': z, 'name': 'breaker = failure',
         'rules': [{'t': 'set', 'p': 'breaker', 'pt': 'msg', 'to': 'failure', 'tot': 'str'}], 'x': 870, 'y': 290,
         'wires': [['edgegw.sup.breaker']]},
        {'id': 'edgegw.sup.twin.errors', 'type': 'catch', 'z': z, 'name': 'request errors', 'scope': ['edgegw.sup.twin.post'],
         'uncaught': False, 'x': 660, 'y': 290, 'wires': [['edgegw.sup.failure']]},
        debug('edgegw.sup.refused', z, 'refused while open', 880, 340),
        debug('edgegw.sup.breaker.state', z, 'breaker state changes', 890, 390, active=True, complete='payload'),
        {'id': 'edgegw.sup.twin.in', 'type': 'http in', 'z': z, 'name': 'POST /twin', 'url': '/twin', 'method': 'post',
         'upload': False, 'swaggerDoc': '', 'x': 190, 'y': 480, 'wires': [['edgegw.sup.twin.endpoint']]},
        {'id': 'edgegw.sup.twin.get', 'type': 'http in', 'z': z, 'name': 'GET /twin', 'url': '/twin', 'method': 'get',
         'upload': False, 'swaggerDoc': '', 'x': 190, 'y': 530, 'wires': [['edgegw.sup.twin.endpoint']]},
        fn('edgegw.sup.twin.endpoint', z, 'digital twin', TWIN_ENDPOINT, 400, 500, [['edgegw.sup.twin.response']]),
        {'id': 'edgegw.sup.twin.response', 'type': 'http response', 'z': z, 'name': '', 'statusCode': '', 'headers': {},
         'x': 590, 'y': 500, 'wires': []},
        inject('edgegw.sup.twin.toggle', z, 'toggle twin outage', '', 200, 600, [['edgegw.sup.twin.flag']], once=False),
        fn('edgegw.sup.twin.flag', z, 'outage flag', TWIN_TOGGLE, 400, 600, [[]]),
    ]
    return nodes


# Node-RED substitutes ${VAR} only when it is a property's whole value: composed values (topics)
# are composed by the runtime (EDGEGW_STATUS_TOPIC) or by function nodes (env.get)
RUNTIME_ENV = {k: '${' + k + '}' for k in ('EDGEGW_MQTT_URL', 'EDGEGW_SIM_PORT', 'EDGEGW_DEMO_CANLOG', 'EDGEGW_DEMO_DBC')}
RUNTIME_ENV.update({'STATUS_TOPIC': '${EDGEGW_STATUS_TOPIC}', 'FWD_CLIENT': '${EDGEGW_GATEWAY_ID}'})
EXAMPLE_ENV = {
    'STATUS_TOPIC': 'edge-gateway/my-gateway/status',
    'FWD_CLIENT': 'my-gateway',
    'EDGEGW_MQTT_URL': 'mqtt://127.0.0.1:1883',
    'EDGEGW_SIM_PORT': '15030',
    'EDGEGW_DEMO_CANLOG': 'node_modules/@edgegw/node-red-gateway/flows/demo/plant.log',
    'EDGEGW_DEMO_DBC': 'node_modules/@edgegw/node-red-gateway/flows/demo/plant.dbc',
}


def example():
    """The same pipeline on one tab, stages stacked, ids of their own (importable next to the
    default flows), concrete values instead of the runtime's variables."""
    nodes = build(EXAMPLE_ENV)
    tabs = [n for n in nodes if n['type'] == 'tab']
    offset, y0 = {}, 0
    for t in tabs:
        ys = [n['y'] for n in nodes if n.get('z') == t['id']]
        offset[t['id']] = y0
        y0 += max(ys) + 80
    text = json.dumps([n for n in nodes if n['type'] != 'tab'])
    text = text.replace('edgegw.', 'egwx.')
    out = json.loads(text)
    tab = {'id': 'egwx.tab', 'type': 'tab', 'label': 'Gateway pipeline (edge gateway)', 'disabled': False,
           'info': 'The default flows of the edge-gateway runtime on one tab. Set the broker URL in the config node "gateway broker" and "gateway broker (queued)".'}
    for n in out:
        if 'z' in n:
            old = n['z'].replace('egwx.', 'edgegw.')
            n['y'] += offset[old]
            n['z'] = tab['id']
            if n['type'] == 'comment':
                n['info'] = n['info'].replace('the simulator port (`--sim-port`, default 5020)', 'port 15030')
    return [tab] + out


def versioned(nodes):
    # our nodes carry their config version (nodes/common/migrations.ts): the flows are current
    for n in nodes:
        if n['type'].startswith('edgegw-'):
            n['version'] = 1
    return nodes


if __name__ == '__main__':
    with open(os.path.join(ROOT, 'flows/gateway.json'), 'w') as f:
        json.dump(versioned(build(RUNTIME_ENV)), f, indent=2, ensure_ascii=False)
        f.write('\n')
    with open(os.path.join(ROOT, 'examples/gateway-pipeline.json'), 'w') as f:
        json.dump(versioned(example()), f, indent=2, ensure_ascii=False)
        f.write('\n')
