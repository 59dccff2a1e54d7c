// Function 43 / MEI type 14, Read Device Identification, as the Modbus Application Protocol
// v1.1b3 section 6.21 has it: answered byte for byte over a raw TCP socket (whole MBAP frames),
// and read by pymodbus' own client, which decodes it with its ReadDeviceInformationResponse.
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { connect, type Socket } from 'node:net';
import { once } from 'node:events';
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { ModbusServer } from '../../../lib/modbus/server/server';
import { serverOptionsFromSettings } from '../../../lib/modbus/server/config';
import { ServerConfigError } from '../../../lib/modbus/server/types';
import { mbapFrame } from '../../../lib/modbus/server/framing';
import { needPeers, PEER } from '../../helpers/peers';

const hex = (s: string) => Buffer.from(s.replace(/\s+/g, ''), 'hex');
/** An object of a response: id, length, the ASCII bytes. */
const obj = (id: number, text: string) => Buffer.concat([Buffer.from([id, text.length]), Buffer.from(text, 'latin1')]);

/** Sends whole MBAP frames one at a time and returns the whole answer frame. */
class RawClient {
  private buf = Buffer.alloc(0);
  private constructor(private readonly sock: Socket) {
    sock.on('data', (chunk: Buffer) => (this.buf = Buffer.concat([this.buf, chunk])));
  }

  static async open(port: number): Promise<RawClient> {
    const sock = connect(port, '127.0.0.1');
    await once(sock, 'connect');
    return new RawClient(sock);
  }

  async frame(transactionId: number, unit: number, pdu: Buffer): Promise<Buffer> {
    this.sock.write(mbapFrame(transactionId, unit, pdu));
    const deadline = Date.now() + 5000;
    for (;;) {
      if (this.buf.length >= 7 && this.buf.length >= 6 + this.buf.readUInt16BE(4)) {
        const frame = Buffer.from(this.buf.subarray(0, 6 + this.buf.readUInt16BE(4)));
        this.buf = this.buf.subarray(frame.length);
        return frame;
      }
      if (Date.now() > deadline) throw new Error(`no answer to ${pdu.toString('hex')}`);
      await new Promise((r) => setTimeout(r, 5));
    }
  }

  /** The answer PDU to a request PDU (unit 1). */
  async request(pdu: string): Promise<Buffer> {
    return (await this.frame(7, 1, hex(pdu))).subarray(7);
  }

  close(): void {
    this.sock.destroy();
  }
}

const IDENTITY = {
  vendorName: 'edgegw',
  productCode: 'EGW-1',
  majorMinorRevision: '2.3',
  vendorUrl: 'https://example.com',
  productName: 'Gateway',
  modelName: 'GW100',
  userApplicationName: '',
};

const BASIC = Buffer.concat([obj(0, 'edgegw'), obj(1, 'EGW-1'), obj(2, '2.3')]);
const REGULAR = Buffer.concat([BASIC, obj(3, 'https://example.com'), obj(4, 'Gateway'), obj(5, 'GW100')]);

function startServer(deviceIdentification: Partial<typeof IDENTITY> | undefined): ModbusServer {
  return new ModbusServer({ transport: { kind: 'tcp', host: '127.0.0.1', port: 0 }, units: [1], sizes: { coil: 8, discrete: 8, holding: 8, input: 8 }, deviceIdentification });
}

const portOf = (s: ModbusServer) => (s.address() as { port: number }).port;

describe('read device identification over a raw socket', () => {
  const server = startServer(IDENTITY);
  let client: RawClient;
  before(async () => {
    await server.start();
    client = await RawClient.open(portOf(server));
  });
  after(async () => {
    client.close();
    await server.close();
  });

  test('basic stream (code 01): the three basic objects in one frame, conformity 0x82 (regular, individual access)', async () => {
    const answer = await client.frame(0x1234, 1, hex('2b 0e 01 00'));
    assert.deepEqual(answer, hex('1234 0000 001c 01  2b 0e 01 82 00 00 03  00 06 656467656777  01 05 4547572d31  02 03 322e33'));
  });

  test('regular stream (code 02): basic and the regular objects that are not blank', async () => {
    assert.deepEqual(await client.request('2b 0e 02 00'), Buffer.concat([hex('2b 0e 02 82 00 00 06'), REGULAR]));
  });

  test('extended stream (code 03) is answered at the device level (regular), the code echoed', async () => {
    assert.deepEqual(await client.request('2b 0e 03 00'), Buffer.concat([hex('2b 0e 03 82 00 00 06'), REGULAR]));
  });

  test('a stream from an object id: from that object on; an id the stream does not hold restarts it at 0', async () => {
    assert.deepEqual(await client.request('2b 0e 02 04'), Buffer.concat([hex('2b 0e 02 82 00 00 02'), obj(4, 'Gateway'), obj(5, 'GW100')]));
    assert.deepEqual(await client.request('2b 0e 01 05'), Buffer.concat([hex('2b 0e 01 82 00 00 03'), BASIC]), 'object 5 is not basic');
    assert.deepEqual(await client.request('2b 0e 02 06'), Buffer.concat([hex('2b 0e 02 82 00 00 06'), REGULAR]), 'object 6 is blank: not held');
  });

  test('one specific object (code 04)', async () => {
    assert.deepEqual(await client.request('2b 0e 04 05'), hex('2b 0e 04 82 00 00 01 05 05 4757313030'));
    assert.deepEqual(await client.request('2b 0e 04 00'), Buffer.concat([hex('2b 0e 04 82 00 00 01'), obj(0, 'edgegw')]));
  });

  test('exceptions per section 6.21: 01 another MEI type, 02 an object code 04 names that is not held, 03 a bad read device id code', async () => {
    assert.deepEqual(await client.request('2b 0d 01 00'), hex('ab 01'), 'MEI 13 (CANopen) is not served');
    assert.deepEqual(await client.request('2b'), hex('ab 01'), 'no MEI type');
    assert.deepEqual(await client.request('2b 0e 04 06'), hex('ab 02'), 'a blank regular object');
    assert.deepEqual(await client.request('2b 0e 04 07'), hex('ab 02'), 'a reserved object id');
    assert.deepEqual(await client.request('2b 0e 04 80'), hex('ab 02'), 'an extended object id (none held)');
    assert.deepEqual(await client.request('2b 0e 00 00'), hex('ab 03'), 'read device id code 00');
    assert.deepEqual(await client.request('2b 0e 05 00'), hex('ab 03'), 'read device id code 05');
    assert.deepEqual(await client.request('2b 0e 01'), hex('ab 03'), 'a request one byte short');
    assert.deepEqual(await client.request('2b 0e 01 00 00'), hex('ab 03'), 'a request one byte long');
    assert.equal(server.status().exceptions, 9);
  });
});

describe('read device identification: more follows', () => {
  const long = { ...IDENTITY, vendorUrl: 'u'.repeat(200), productName: 'p'.repeat(100) };
  const server = startServer(long);
  let client: RawClient;
  before(async () => {
    await server.start();
    client = await RawClient.open(portOf(server));
  });
  after(async () => {
    client.close();
    await server.close();
  });

  test('an answer past 253 bytes stops before the object that does not fit, naming it as the next', async () => {
    const first = await client.request('2b 0e 02 00');
    assert.deepEqual(first, Buffer.concat([hex('2b 0e 02 82 ff 04 04'), BASIC, obj(3, 'u'.repeat(200))]));
    assert.ok(first.length <= 253, `${first.length} bytes`);
    const rest = await client.request('2b 0e 02 04');
    assert.deepEqual(rest, Buffer.concat([hex('2b 0e 02 82 00 00 02'), obj(4, 'p'.repeat(100)), obj(5, 'GW100')]));
  });

  test('the longest object (244 characters) fits one answer of exactly 253 bytes', async () => {
    const widest = startServer({ ...IDENTITY, productName: 'w'.repeat(244) });
    await widest.start();
    const c = await RawClient.open(portOf(widest));
    try {
      const answer = await c.request('2b 0e 04 04');
      assert.equal(answer.length, 253);
      assert.deepEqual(answer, Buffer.concat([hex('2b 0e 04 82 00 00 01'), obj(4, 'w'.repeat(244))]));
    } finally {
      c.close();
      await widest.close();
    }
  });
});

describe('read device identification: defaults and settings', () => {
  test('a server configured with nothing answers the default basic objects, conformity 0x81 (basic, individual access)', async () => {
    const server = startServer(undefined);
    await server.start();
    const c = await RawClient.open(portOf(server));
    try {
      assert.deepEqual(await c.request('2b 0e 02 00'), Buffer.concat([hex('2b 0e 02 81 00 00 03'), obj(0, 'edgegw'), obj(1, 'edge-gateway'), obj(2, '1.0')]));
      assert.deepEqual(await c.request('2b 0e 04 03'), hex('ab 02'));
    } finally {
      c.close();
      await server.close();
    }
  });

  test('the node settings: blank basic objects read as the defaults, non-ASCII or over-long text is refused naming the field', () => {
    const opts = serverOptionsFromSettings({ transport: 'tcp', port: 0, vendorName: ' ', productCode: 'X1', modelName: 'M' });
    assert.deepEqual(opts.deviceIdentification, { vendorName: 'edgegw', productCode: 'X1', majorMinorRevision: '1.0', vendorUrl: '', productName: '', modelName: 'M', userApplicationName: '' });
    for (const [field, value] of [
      ['productName', 'Zähler'],
      ['vendorUrl', 'x'.repeat(245)],
    ] as const) {
      assert.throws(
        () => serverOptionsFromSettings({ transport: 'tcp', port: 0, [field]: value }),
        (e: unknown) => e instanceof ServerConfigError && e.field === field && /printable ASCII/.test(e.message),
        field,
      );
    }
  });
});

interface PyDeviceId {
  read_code?: number;
  conformity?: number;
  more_follows?: number;
  next_object_id?: number;
  number_of_objects?: number;
  information?: Record<string, string>;
  exception?: number;
  error?: string;
}

const PY_CLIENT = join(__dirname, '..', '..', 'helpers', 'pymodbus_device_id.py');

function pymodbusRead(port: number, code: number, objectId: number): Promise<PyDeviceId> {
  return new Promise((resolve, reject) => {
    execFile('/usr/bin/python3', [PY_CLIENT, '127.0.0.1', String(port), '1', String(code), String(objectId)], { timeout: 30_000 }, (err, stdout, stderr) => {
      if (err) return reject(new Error(`${err.message}: ${stderr}`));
      resolve(JSON.parse(stdout.trim().split('\n').pop() ?? '{}') as PyDeviceId);
    });
  });
}

describe('read device identification judged by pymodbus', () => {
  test('pymodbus reads the basic and regular streams, one object, the "more follows" answer and the exceptions', needPeers(PEER.pymodbus()), async () => {
    const server = startServer({ ...IDENTITY, userApplicationName: 'boiler house 3', vendorUrl: 'u'.repeat(200), productName: 'p'.repeat(100) });
    await server.start();
    try {
      const port = portOf(server);
      const basic = await pymodbusRead(port, 1, 0);
      assert.deepEqual(basic, { read_code: 1, conformity: 0x82, more_follows: 0, next_object_id: 0, number_of_objects: 3, information: { '0': 'edgegw', '1': 'EGW-1', '2': '2.3' } });

      const first = await pymodbusRead(port, 2, 0);
      assert.equal(first.more_follows, 0xff);
      assert.equal(first.next_object_id, 4);
      assert.deepEqual(first.information, { '0': 'edgegw', '1': 'EGW-1', '2': '2.3', '3': 'u'.repeat(200) });
      const rest = await pymodbusRead(port, 2, first.next_object_id);
      assert.equal(rest.more_follows, 0);
      assert.deepEqual(rest.information, { '4': 'p'.repeat(100), '5': 'GW100', '6': 'boiler house 3' });

      const one = await pymodbusRead(port, 4, 6);
      assert.deepEqual(one.information, { '6': 'boiler house 3' });
      assert.equal(one.number_of_objects, 1);

      assert.deepEqual(await pymodbusRead(port, 4, 0x20), { exception: 2 });
    } finally {
      await server.close();
    }
  });
});
