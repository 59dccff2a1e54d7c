// A misbehaving Modbus TCP server for fault tests: for each request it asks `behaviour` what to
// send back (a correct answer, an exception, a truncated or garbage frame, nothing, or a hang-up).
import { createServer, type Server, type Socket } from 'node:net';
import { once } from 'node:events';

export interface RogueRequest {
  transactionId: number;
  unit: number;
  fc: number;
  address: number;
  count: number;
  /** running number of requests this server has seen */
  n: number;
}

export type RogueReply =
  | { kind: 'ok' } // registers = address + i, bits = (address + i) odd
  | { kind: 'exception'; code: number }
  | { kind: 'truncated' } // the first half of a correct answer
  | { kind: 'garbage'; bytes?: Buffer } // random bytes (no valid MBAP header)
  | { kind: 'wrong-length' } // a valid MBAP header around a PDU of the wrong size
  | { kind: 'wrong-unit' }
  | { kind: 'silent' }
  | { kind: 'hangup' };

export interface RogueServer {
  port: number;
  requests(): number;
  connections(): number;
  setBehaviour(b: (r: RogueRequest) => RogueReply): void;
  /** closes every client connection (the server keeps listening) */
  dropClients(): void;
  close(): Promise<void>;
}

export function correctAnswer(r: RogueRequest): Buffer {
  let pdu: Buffer;
  if (r.fc === 3 || r.fc === 4) {
    pdu = Buffer.alloc(2 + 2 * r.count);
    pdu[0] = r.fc;
    pdu[1] = 2 * r.count;
    for (let i = 0; i < r.count; i++) pdu.writeUInt16BE((r.address + i) & 0xffff, 2 + 2 * i);
  } else if (r.fc === 1 || r.fc === 2) {
    const bytes = Math.ceil(r.count / 8);
    pdu = Buffer.alloc(2 + bytes);
    pdu[0] = r.fc;
    pdu[1] = bytes;
    for (let i = 0; i < r.count; i++) if ((r.address + i) % 2 === 1) pdu[2 + (i >> 3)] |= 1 << (i & 7);
  } else {
    pdu = Buffer.alloc(5);
    pdu[0] = r.fc;
    pdu.writeUInt16BE(r.address, 1);
    pdu.writeUInt16BE(r.count, 3);
  }
  return frame(r.transactionId, r.unit, pdu);
}

function frame(tid: number, unit: number, pdu: Buffer): Buffer {
  const out = Buffer.alloc(7 + pdu.length);
  out.writeUInt16BE(tid, 0);
  out.writeUInt16BE(0, 2);
  out.writeUInt16BE(pdu.length + 1, 4);
  out[6] = unit;
  pdu.copy(out, 7);
  return out;
}

export async function startRogueServer(behaviour: (r: RogueRequest) => RogueReply = () => ({ kind: 'ok' })): Promise<RogueServer> {
  let b = behaviour;
  let n = 0;
  const sockets = new Set<Socket>();
  const srv: Server = createServer((sock) => {
    sockets.add(sock);
    sock.on('error', () => undefined);
    sock.on('close', () => sockets.delete(sock));
    let buf = Buffer.alloc(0);
    sock.on('data', (chunk: Buffer) => {
      buf = Buffer.concat([buf, chunk]);
      while (buf.length >= 12) {
        const len = buf.readUInt16BE(4);
        if (buf.length < 6 + len) break;
        const req: RogueRequest = {
          transactionId: buf.readUInt16BE(0),
          unit: buf[6],
          fc: buf[7],
          address: buf.readUInt16BE(8),
          count: buf[7] === 5 || buf[7] === 6 ? 1 : buf.readUInt16BE(10),
          n: ++n,
        };
        buf = buf.subarray(6 + len);
        const reply = b(req);
        switch (reply.kind) {
          case 'ok':
            sock.write(correctAnswer(req));
            break;
          case 'exception':
            sock.write(frame(req.transactionId, req.unit, Buffer.from([req.fc | 0x80, reply.code])));
            break;
          case 'truncated': {
            const full = correctAnswer(req);
            sock.write(full.subarray(0, Math.max(1, full.length >> 1)));
            break;
          }
          case 'garbage':
            sock.write(reply.bytes ?? Buffer.from('this is not modbus at all \xff\xfe', 'latin1'));
            break;
          case 'wrong-length':
            sock.write(frame(req.transactionId, req.unit, Buffer.from([req.fc, 7, 1, 2, 3])));
            break;
          case 'wrong-unit': {
            const full = correctAnswer(req);
            full[6] = (req.unit + 1) & 0xff;
            sock.write(full);
            break;
          }
          case 'silent':
            break;
          case 'hangup':
            sock.destroy();
            return;
        }
      }
    });
  });
  srv.listen(0, '127.0.0.1');
  await once(srv, 'listening');
  return {
    port: (srv.address() as { port: number }).port,
    requests: () => n,
    connections: () => sockets.size,
    setBehaviour(nb) {
      b = nb;
    },
    dropClients() {
      for (const s of sockets) s.destroy();
    },
    async close() {
      for (const s of sockets) s.destroy();
      await new Promise<void>((r) => srv.close(() => r()));
    },
  };
}
