// Follows the frame boundaries of a Modbus TCP response stream (MBAP headers) alongside
// modbus-serial's TcpPort, which trusts every length field it reads. A header that cannot be
// Modbus (protocol id not 0, length outside 2..254) means the stream is out of sync: the
// connection must then be dropped, because a TCP byte stream has no marker to resync on.

export class MbapStreamTracker {
  /** the header bytes seen so far of the frame that begins (0..6), kept in plain fields: no Buffer per frame */
  private headerLen = 0;
  private tidHi = 0;
  private tidLo = 0;
  private protocol = 0;
  private lenHi = 0;
  private need = 0;
  private tid = -1;

  /**
   * Feeds received bytes. Returns -1 when they are consistent with Modbus TCP framing, else the
   * offset of the first byte of the header that is not (bytes before it are sound frames).
   */
  feed(chunk: Buffer): number {
    let i = 0;
    const n = chunk.length;
    while (i < n) {
      if (this.need > 0) {
        const take = Math.min(this.need, n - i);
        this.need -= take;
        i += take;
        if (this.need === 0) this.tid = -1;
        continue;
      }
      const headerStart = i - this.headerLen;
      while (this.headerLen < 6 && i < n) {
        const b = chunk[i++];
        switch (this.headerLen++) {
          case 0:
            this.tidHi = b;
            break;
          case 1:
            this.tidLo = b;
            break;
          case 2:
            this.protocol = b << 8;
            break;
          case 3:
            this.protocol |= b;
            break;
          case 4:
            this.lenHi = b;
            break;
          case 5: {
            const length = (this.lenHi << 8) | b;
            if (this.protocol !== 0 || length < 2 || length > 254) {
              this.reset();
              return Math.max(0, headerStart);
            }
            this.tid = (this.tidHi << 8) | this.tidLo;
            this.need = length;
            break;
          }
        }
      }
      if (this.headerLen < 6) break;
      this.headerLen = 0;
    }
    return -1;
  }

  /** Whether a frame has begun and not yet ended. */
  midFrame(): boolean {
    return this.need > 0 || this.headerLen > 0;
  }

  /** Transaction id of the frame under way; -1 when its header is not complete. */
  currentTid(): number {
    return this.tid;
  }

  reset(): void {
    this.headerLen = 0;
    this.need = 0;
    this.tid = -1;
  }
}
