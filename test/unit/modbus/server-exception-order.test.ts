// The server's exceptions in the order of the Modbus Application Protocol specification (01
// function, then 03 quantity or request length, then 02 address, then 03 value), sent over a
// raw TCP socket: the malformed and contradictory requests libmodbus' client cannot send.
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { connect, type Socket } from 'node:net';
import { once } from 'node:events';
import { ModbusServer } from '../../../lib/modbus/server/server';
import { mbapFrame } from '../../../lib/modbus/server/framing';

const hex = (s: string) => Buffer.from(s.replace(/\s+/g, ''), 'hex');

/** One request at a time over one connection; answers are whole MBAP frames. */
class RawClient {
  private buf = Buffer.alloc(0);
  private transaction = 0;
  private constructor(private readonly sock: Socket) {
    sock.on('data', (chunk: Buffer) => (this.buf = Buffer.concat([this.buf, chunk])));
  }

  static async open(port: number): Promise<RawClient> {
    const sock = connect(port, '127.0.0.1');
    await once(sock, 'connect');
    return new RawClient(sock);
  }

  /** Sends a request PDU to unit 1 and returns the answer PDU. */
  async request(pdu: string): Promise<Buffer> {
    const id = ++this.transaction;
    this.sock.write(mbapFrame(id, 1, hex(pdu)));
    const deadline = Date.now() + 5000;
    for (;;) {
      if (this.buf.length >= 7 && this.buf.length >= 6 + this.buf.readUInt16BE(4)) {
        const frame = this.buf.subarray(0, 6 + this.buf.readUInt16BE(4));
        this.buf = this.buf.subarray(frame.length);
        assert.equal(frame.readUInt16BE(0), id, 'the answer to this request');
        return Buffer.from(frame.subarray(7));
      }
      if (Date.now() > deadline) throw new Error(`no answer to ${pdu}`);
      await new Promise((r) => setTimeout(r, 5));
    }
  }

  close(): void {
    this.sock.destroy();
  }
}

describe('exception order over a raw socket', () => {
  // coils 100..115, discrete 200..215, holding 1000..1009, input 3000..3009
  const server = new ModbusServer({
    transport: { kind: 'tcp', host: '127.0.0.1', port: 0 },
    units: [1],
    sizes: { coil: 16, discrete: 16, holding: 10, input: 10 },
    starts: { coil: 100, discrete: 200, holding: 1000, input: 3000 },
  });
  let client: RawClient;
  before(async () => {
    await server.start();
    client = await RawClient.open((server.address() as { port: number }).port);
  });
  after(async () => {
    client.close();
    await server.close();
  });

  const cases: Array<[what: string, pdu: string, answer: string]> = [
    // 01 comes first, whatever follows the function code
    ['an unknown function with data', '2a 0000 0001 ff', 'aa 01'],
    ['an unknown function alone', '41', 'c1 01'],
    ['a function code with the exception bit set', '83 03e8 0001', '83 01'],
    // then 03: the request's length and quantities, even at an address outside every area
    ['FC 3 truncated', '03 03e8', '83 03'],
    ['FC 3 with a byte too many', '03 03e8 0001 00', '83 03'],
    ['FC 3 quantity 0 at an address outside the area', '03 0000 0000', '83 03'],
    ['FC 4 quantity 126 at an address outside the area', '04 0000 007e', '84 03'],
    ['FC 1 quantity 2001 at an address outside the area', '01 0000 07d1', '81 03'],
    ['FC 2 truncated', '02 00c8 00', '82 03'],
    ['FC 5 truncated', '05 0064 ff', '85 03'],
    ['FC 6 with a byte too many', '06 03e8 0001 00', '86 03'],
    ['FC 15 byte count not the quantity at a bad address', '0f 0000 0009 01 ff', '8f 03'],
    ['FC 15 quantity 1969', '0f 0064 07b1 f7' + 'ff'.repeat(247), '8f 03'],
    ['FC 16 byte count not twice the quantity at a bad address', '10 0000 0002 02 0001', '90 03'],
    ['FC 16 data shorter than its byte count', '10 03e8 0002 04 0001', '90 03'],
    ['FC 16 quantity 0', '10 03e8 0000 00', '90 03'],
    ['FC 22 truncated at a bad address', '16 0000 00f2', '96 03'],
    ['FC 23 write quantity 0 at bad addresses', '17 0000 0001 0000 0000 00', '97 03'],
    ['FC 23 read quantity 126', '17 03e8 007e 03e8 0001 02 0001', '97 03'],
    ['FC 23 byte count not twice the write quantity', '17 03e8 0001 03e8 0002 02 0001', '97 03'],
    ['FC 17 with data', '11 00', '91 03'],
    // then 02: addresses
    ['FC 3 below the start', '03 03e7 0001', '83 02'],
    ['FC 3 across the end', '03 03f1 0002', '83 02'],
    ['FC 1 at 0', '01 0000 0001', '81 02'],
    ['FC 2 past the end', '02 00d8 0001', '82 02'],
    ['FC 4 below the start', '04 0bb7 0002', '84 02'],
    ['FC 15 across the start', '0f 0063 0002 01 03', '8f 02'],
    ['FC 16 past the end', '10 03f2 0001 02 0001', '90 02'],
    ['FC 22 below the start', '16 03e7 00f2 0025', '96 02'],
    ['FC 23 read in range, write outside', '17 03e8 0001 0000 0001 02 0001', '97 02'],
    ['FC 23 write in range, read outside', '17 0000 0001 03e8 0001 02 0001', '97 02'],
    // then 03: the value, only at a good address
    ['FC 5 a value neither ON nor OFF at a bad address', '05 0000 1234', '85 02'],
    ['FC 5 a value neither ON nor OFF', '05 0064 1234', '85 03'],
  ];
  for (const [what, pdu, answer] of cases) {
    test(`${what}: ${answer.slice(-2)}`, async () => {
      assert.deepEqual(await client.request(pdu), hex(answer));
    });
  }

  test('refused requests wrote nothing, and the connection still serves', async () => {
    assert.deepEqual(server.getRegisters(1, 'holding', 1000, 10), new Array(10).fill(0));
    assert.deepEqual(server.getBits(1, 'coil', 100, 16), new Array(16).fill(false));
    assert.deepEqual(await client.request('06 03e8 0007'), hex('06 03e8 0007'));
    assert.deepEqual(await client.request('03 03e8 0001'), hex('03 02 0007'));
    assert.equal(server.status().exceptions, cases.length);
  });
});
