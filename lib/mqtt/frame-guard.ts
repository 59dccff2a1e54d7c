// Follows MQTT's framing (a type byte, the "remaining length" as a 1-4 byte varint, then that
// many bytes) over a byte stream without keeping any of it, so a broker can refuse a packet
// from its first bytes, before a parser buffers it: one 250 MB PUBLISH must not cost 250 MB.
// Works on chunks of any size, split anywhere (a length varint may span two chunks).

export type FrameVerdict = { ok: true } | { ok: false; problem: 'too-large'; size: number; max: number } | { ok: false; problem: 'malformed'; detail: string };

export class MqttFrameGuard {
  /** bytes of the current packet's body still to skip */
  private bodyLeft = 0;
  /** reading the varint: its value so far, and how many bytes of it were read */
  private lengthValue = 0;
  private lengthBytes = 0;
  private state: 'type' | 'length' | 'body' = 'type';
  private failed: FrameVerdict | undefined;
  /** complete packets seen */
  packets = 0;

  constructor(readonly maxPacketBytes: number) {
    if (!Number.isInteger(maxPacketBytes) || maxPacketBytes < 2) throw new RangeError(`maxPacketBytes must be an integer >= 2, not ${maxPacketBytes}`);
  }

  /** Checks the next chunk; once it has said no, it keeps saying no. */
  feed(chunk: Uint8Array): FrameVerdict {
    if (this.failed) return this.failed;
    let i = 0;
    while (i < chunk.length) {
      if (this.state === 'body') {
        const take = Math.min(this.bodyLeft, chunk.length - i);
        this.bodyLeft -= take;
        i += take;
        if (this.bodyLeft === 0) this.endPacket();
        continue;
      }
      if (this.state === 'type') {
        i++;
        this.state = 'length';
        this.lengthValue = 0;
        this.lengthBytes = 0;
        continue;
      }
      const b = chunk[i++];
      this.lengthValue += (b & 0x7f) * 128 ** this.lengthBytes;
      this.lengthBytes++;
      if (b & 0x80) {
        if (this.lengthBytes === 4) return (this.failed = { ok: false, problem: 'malformed', detail: 'remaining length longer than 4 bytes' });
        continue;
      }
      const size = 1 + this.lengthBytes + this.lengthValue;
      if (size > this.maxPacketBytes) return (this.failed = { ok: false, problem: 'too-large', size, max: this.maxPacketBytes });
      this.bodyLeft = this.lengthValue;
      if (this.bodyLeft === 0) this.endPacket();
      else this.state = 'body';
    }
    return { ok: true };
  }

  private endPacket(): void {
    this.packets++;
    this.state = 'type';
  }
}
