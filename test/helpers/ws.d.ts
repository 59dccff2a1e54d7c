// The slice of `ws` (a dependency of Node-RED, so present wherever node-red is) that the tests use
// to talk to a Node-RED editor's comms websocket; Node 20 has no WebSocket client of its own.
declare module 'ws' {
  import { EventEmitter } from 'node:events';
  class WebSocket extends EventEmitter {
    static readonly OPEN: number;
    constructor(url: string);
    readonly readyState: number;
    send(data: string): void;
    close(): void;
    terminate(): void;
  }
  export default WebSocket;
}
