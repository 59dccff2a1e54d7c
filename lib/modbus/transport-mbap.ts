// Follows the frame boundaries of a Modbus TCP response stream (MBAP headers) alongside
// modbus-serial's TcpPort, which trusts every length field it reads. A header that cannot be
// Modbus (protocol id not 0, length outside 2..254) means the stream is out of sync: the
// connection must then be dropped, because a TCP byte stream has no marker to resync on.

export class MbapStreamTracker {
  private header = Buffer.alloc(0);
  private need = 0;
  private tid = -1;

  /**
   * Feeds received bytes. Returns -1 when they are consistent with Modbus TCP framing, else the
   * offset of the first byte of the header that is not (bytes before it are sound frames).
   */
  feed(chunk: Buffer): number {
    let i = 0;
    while (i < chunk.length) {
      if (this.need > 0) {
        const take = Math.min(this.need, chunk.length - i);
        this.need -= take;
        i += take;
        if (this.need === 0) this.tid = -1;
        continue;
      }
      const headerStart = i - this.header.length;
      const take = Math.min(6 - this.header.length, chunk.length - i);
      this.header = Buffer.concat([this.header, chunk.subarray(i, i + take)]);
      i += take;
      if (this.header.length < 6) break;
      const protocol = this.header.readUInt16BE(2);
      const length = this.header.readUInt16BE(4);
      if (protocol !== 0 || length < 2 || length > 254) {
        this.reset();
        return Math.max(0, headerStart);
      }
      this.tid = this.header.readUInt16BE(0);
      this.need = length;
      this.header = Buffer.alloc(0);
    }
    return -1;
  }

  /** Whether a frame has begun and not yet ended. */
  midFrame(): boolean {
    return this.need > 0 || this.header.length > 0;
  }

  /** Transaction id of the frame under way; -1 when its header is not complete. */
  currentTid(): number {
    return this.tid;
  }

  reset(): void {
    this.header = Buffer.alloc(0);
    this.need = 0;
    this.tid = -1;
  }
}
