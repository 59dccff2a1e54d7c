// A pymodbus server (TCP, or RTU on a pty) whose registers are encoded and decoded by Python's
// own `struct`, independently of our codec: the reference for every type and byte/word order.
//
// The Python side derives each order from struct alone: a value packed big- ('>') or
// little-endian ('<'), then cut into registers read big- or little-endian:
//   ABCD = value '>', registers '>'      CDAB = value '<', registers '<'
//   BADC = value '>', registers '<'      DCBA = value '<', registers '>'
// Strings are ASCII, NUL-padded, registers read '>' (ABCD/CDAB) or '<' (BADC/DCBA).
//
// Commands go to the peer as JSON lines on stdin and come back as JSON lines on stdout.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';

export const PYTHON = '/usr/bin/python3';

/** Python: encode/decode a value of a tag type in an order, with struct only. */
export const PY_CODEC = String.raw`
import struct, json, sys
FMT = {'int16': 'h', 'uint16': 'H', 'int32': 'i', 'uint32': 'I', 'int64': 'q', 'uint64': 'Q', 'float32': 'f', 'float64': 'd'}
ENDIAN = {'ABCD': ('>', '>'), 'CDAB': ('<', '<'), 'BADC': ('>', '<'), 'DCBA': ('<', '>')}

def py_value(typ, value):
    if typ in ('int16', 'uint16', 'int32', 'uint32', 'int64', 'uint64'):
        return int(value)
    if typ in ('float32', 'float64'):
        return float(value)
    return value

def encode(typ, order, value):
    if typ == 'bool':
        return [1 if value else 0]
    if typ.startswith('string:'):
        n = int(typ.split(':')[1])
        raw = value.encode('ascii').ljust(2 * n, b'\0')
        return list(struct.unpack(('>' if order in ('ABCD', 'CDAB') else '<') + 'H' * n, raw))
    vend, rend = ENDIAN[order]
    raw = struct.pack(vend + FMT[typ], py_value(typ, value))
    return list(struct.unpack(rend + 'H' * (len(raw) // 2), raw))

def decode(typ, order, regs):
    if typ == 'bool':
        return regs[0] != 0
    if typ.startswith('bit:'):
        return (regs[0] >> int(typ.split(':')[1])) & 1 == 1
    if typ.startswith('string:'):
        raw = struct.pack(('>' if order in ('ABCD', 'CDAB') else '<') + 'H' * len(regs), *regs)
        return raw.split(b'\0')[0].decode('latin-1').strip()
    vend, rend = ENDIAN[order]
    raw = struct.pack(rend + 'H' * len(regs), *regs)
    v = struct.unpack(vend + FMT[typ], raw)[0]
    return str(v) if typ in ('int64', 'uint64') else v

def width(typ):
    if typ in ('bool',) or typ.startswith('bit:'):
        return 1
    if typ.startswith('string:'):
        return int(typ.split(':')[1])
    return struct.calcsize(FMT[typ]) // 2
`;

const PY_SERVER = String.raw`
import asyncio, logging, os
logging.disable(logging.CRITICAL)
from pymodbus.datastore import ModbusSlaveContext, ModbusServerContext, ModbusSequentialDataBlock, ModbusSparseDataBlock
from pymodbus.server import StartAsyncTcpServer, StartAsyncSerialServer
from pymodbus.transaction import ModbusRtuFramer

cfg = json.loads(sys.argv[1])
AREA = {'coil': 1, 'discrete': 2, 'holding': 3, 'input': 4}

def block(spec):
    if spec is None:
        return ModbusSequentialDataBlock(0, [0] * 10000)
    if isinstance(spec, int):
        return ModbusSequentialDataBlock(0, [0] * spec)
    # a list of [start, count] ranges: addresses outside them answer "illegal data address"
    return ModbusSparseDataBlock({start: [0] * count for start, count in spec}, mutable=False)

slaves = {}
for unit, spec in cfg['units'].items():
    slaves[int(unit)] = ModbusSlaveContext(co=block(spec.get('coil')), di=block(spec.get('discrete')),
        hr=block(spec.get('holding')), ir=block(spec.get('input')), zero_mode=True)
ctx = ModbusServerContext(slaves=dict(slaves), single=False)  # a copy: silencing removes units from it

def slave(unit):
    return slaves[int(unit)]

def handle(req):
    cmd = req['cmd']
    if cmd == 'encode':
        regs = encode(req['type'], req['order'], req['value'])
        slave(req['unit']).setValues(AREA[req['area']], req['address'], regs)
        return {'regs': regs}
    if cmd == 'decode':
        regs = slave(req['unit']).getValues(AREA[req['area']], req['address'], width(req['type']))
        return {'value': decode(req['type'], req['order'], regs), 'regs': regs}
    if cmd == 'set':
        slave(req['unit']).setValues(AREA[req['area']], req['address'], req['values'])
        return {}
    if cmd == 'get':
        vals = slave(req['unit']).getValues(AREA[req['area']], req['address'], req['count'])
        bits = req['area'] in ('coil', 'discrete')
        return {'values': [bool(v) if bits else int(v) for v in vals]}
    if cmd == 'silence':
        unit = int(req['unit'])
        if req['on'] and unit in ctx:
            del ctx[unit]
        elif not req['on']:
            ctx[unit] = slaves[unit]
        return {}
    raise ValueError('unknown command ' + cmd)

async def commands():
    loop = asyncio.get_running_loop()
    while True:
        line = await loop.run_in_executor(None, sys.stdin.readline)
        if not line:
            os._exit(0)
        req = json.loads(line)
        try:
            out = handle(req)
            out['id'] = req['id']
            out['ok'] = True
        except Exception as exc:
            out = {'id': req['id'], 'ok': False, 'error': repr(exc)}
        print(json.dumps(out), flush=True)

async def main():
    if cfg['transport'] == 'tcp':
        server = await StartAsyncTcpServer(context=ctx, address=('127.0.0.1', cfg.get('port', 0)), defer_start=True, ignore_missing_slaves=True, allow_reuse_address=True)
        task = asyncio.create_task(server.serve_forever())
        await asyncio.wait([server.serving, task], return_when=asyncio.FIRST_COMPLETED)
        if not server.serving.done():
            sys.stderr.write('cannot listen on port %s\n' % cfg.get('port', 0))
            os._exit(1)
        port = server.server.sockets[0].getsockname()[1]
        print(json.dumps({'ready': True, 'port': port}), flush=True)
    else:
        server = await StartAsyncSerialServer(context=ctx, framer=ModbusRtuFramer, port=cfg['path'], baudrate=cfg.get('baud', 19200), defer_start=True, ignore_missing_slaves=True)
        await server.start()
        print(json.dumps({'ready': True}), flush=True)
    await commands()

asyncio.run(main())
`;

export type AreaName = 'coil' | 'discrete' | 'holding' | 'input';
/** registers per area: a size (sequential from 0) or [start, count] ranges (a sparse map) */
export type UnitLayout = Partial<Record<AreaName, number | Array<[number, number]>>>;

export interface TypedPeerOptions {
  transport: 'tcp' | 'rtu';
  /** RTU: the pty the server opens */
  path?: string;
  baud?: number;
  /** TCP: a fixed port (for restarts); default ephemeral */
  port?: number;
  units: Record<number, UnitLayout>;
}

export interface TypedPeer {
  port?: number;
  /** Python encodes `value` (64-bit as a decimal string) into the registers at `address`. */
  encode(unit: number, area: AreaName, address: number, type: string, order: string, value: unknown): Promise<number[]>;
  /** Python decodes the registers at `address` (64-bit come back as decimal strings). */
  decode(unit: number, area: AreaName, address: number, type: string, order: string): Promise<{ value: unknown; regs: number[] }>;
  set(unit: number, area: AreaName, address: number, values: Array<number | boolean>): Promise<void>;
  get(unit: number, area: AreaName, address: number, count: number): Promise<Array<number | boolean>>;
  /** A silent unit does not answer at all (as on a real bus). */
  silence(unit: number, on: boolean): Promise<void>;
  stop(): Promise<void>;
  output(): string;
}

export async function startTypedPeer(opts: TypedPeerOptions): Promise<TypedPeer> {
  const cfg = JSON.stringify({ transport: opts.transport, path: opts.path, baud: opts.baud, port: opts.port, units: opts.units });
  const proc: ChildProcess = spawn(PYTHON, ['-u', '-c', PY_CODEC + PY_SERVER, cfg], { stdio: ['pipe', 'pipe', 'pipe'] });
  let stderr = '';
  proc.stderr!.on('data', (d) => (stderr += d));
  const pending = new Map<number, { resolve: (v: any) => void; reject: (e: Error) => void }>();
  let nextId = 1;
  let ready: (v: { port?: number }) => void;
  let failed: (e: Error) => void;
  const readyP = new Promise<{ port?: number }>((res, rej) => {
    ready = res;
    failed = rej;
  });
  const rl = createInterface({ input: proc.stdout! });
  rl.on('line', (line) => {
    let msg: any;
    try {
      msg = JSON.parse(line);
    } catch {
      return;
    }
    if (msg.ready) return ready(msg);
    const p = pending.get(msg.id);
    if (!p) return;
    pending.delete(msg.id);
    if (msg.ok) p.resolve(msg);
    else p.reject(new Error(`peer: ${msg.error}`));
  });
  const exited = new Promise<void>((res) => proc.once('exit', () => res()));
  proc.once('exit', (code) => {
    failed(new Error(`pymodbus peer exited (${code}) before it was ready: ${stderr}`));
    for (const p of pending.values()) p.reject(new Error(`pymodbus peer exited: ${stderr}`));
    pending.clear();
  });
  const timer = setTimeout(() => failed(new Error(`pymodbus peer not ready after 15 s: ${stderr}`)), 15000);
  let info: { port?: number };
  try {
    info = await readyP;
  } catch (err) {
    proc.kill('SIGKILL');
    await exited;
    throw err;
  } finally {
    clearTimeout(timer);
  }
  const request = (cmd: Record<string, unknown>): Promise<any> =>
    new Promise((resolve, reject) => {
      const id = nextId++;
      pending.set(id, { resolve, reject });
      proc.stdin!.write(JSON.stringify({ ...cmd, id }) + '\n');
    });
  return {
    port: info.port,
    encode: async (unit, area, address, type, order, value) => (await request({ cmd: 'encode', unit, area, address, type, order, value })).regs,
    decode: async (unit, area, address, type, order) => {
      const r = await request({ cmd: 'decode', unit, area, address, type, order });
      return { value: r.value, regs: r.regs };
    },
    set: async (unit, area, address, values) => {
      await request({ cmd: 'set', unit, area, address, values });
    },
    get: async (unit, area, address, count) => (await request({ cmd: 'get', unit, area, address, count })).values,
    silence: async (unit, on) => {
      await request({ cmd: 'silence', unit, on });
    },
    async stop() {
      if (proc.exitCode !== null || proc.signalCode !== null) return;
      rl.close();
      proc.stdin!.end();
      proc.kill('SIGTERM');
      await exited;
    },
    output: () => stderr,
  };
}

/** Python's struct encodes each vector: [{type, order, value}] -> registers (for pure codec tests). */
export function pythonEncode(vectors: Array<{ type: string; order: string; value: unknown }>): number[][] {
  const script = PY_CODEC + '\nprint(json.dumps([encode(v["type"], v["order"], v["value"]) for v in json.loads(sys.stdin.read())]))\n';
  const r = spawnSync(PYTHON, ['-c', script], { input: JSON.stringify(vectors), encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`python struct encoding failed: ${r.stderr}`);
  return JSON.parse(r.stdout);
}

/** Python's struct decodes each vector's registers: -> values (64-bit as decimal strings). */
export function pythonDecode(vectors: Array<{ type: string; order: string; regs: number[] }>): unknown[] {
  const script = PY_CODEC + '\nprint(json.dumps([decode(v["type"], v["order"], v["regs"]) for v in json.loads(sys.stdin.read())]))\n';
  const r = spawnSync(PYTHON, ['-c', script], { input: JSON.stringify(vectors), encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`python struct decoding failed: ${r.stderr}`);
  return JSON.parse(r.stdout);
}

/** Whether /usr/bin/python3 exists (struct is in its standard library). */
export function havePython(): [string, boolean, string] {
  return ['/usr/bin/python3', spawnSync(PYTHON, ['-c', 'import struct'], { stdio: 'ignore' }).status === 0, 'apt-get install python3'];
}
