// The slice of the Node-RED runtime API our node wrappers use. Typed here (instead of pulling
// @types/node-red) so the wrappers compile against exactly what Node-RED 4.1 and 5 provide.
import type { EventEmitter } from 'node:events';

export interface NodeMessage {
  _msgid?: string;
  topic?: string;
  payload?: unknown;
  [key: string]: unknown;
}

export interface NodeStatus {
  fill?: 'red' | 'green' | 'yellow' | 'blue' | 'grey';
  shape?: 'ring' | 'dot';
  text?: string;
}

export type SendFn = (msg: NodeMessage | null | (NodeMessage | NodeMessage[] | null)[]) => void;
export type DoneFn = (err?: Error | string) => void;

export interface Node extends EventEmitter {
  id: string;
  type: string;
  z?: string;
  name?: string;
  credentials?: Record<string, string | undefined>;
  send: SendFn;
  status(status: NodeStatus | Record<string, never>): void;
  log(msg: unknown): void;
  warn(msg: unknown): void;
  error(msg: unknown, m?: NodeMessage): void;
  debug(msg: unknown): void;
  on(event: 'input', listener: (msg: NodeMessage, send: SendFn, done: DoneFn) => void): this;
  on(event: 'close', listener: (removed: boolean, done: () => void) => void): this;
  // never[]: any listener fits; Node-RED, not this code, calls it with the event's own arguments
  on(event: string, listener: (...args: never[]) => void): this;
}

export interface NodeDef {
  id: string;
  type: string;
  name?: string;
  z?: string;
  [key: string]: unknown;
}

/**
 * An Express route handler or middleware, as the editor's admin API takes them. `never` parameters:
 * a handler declares the parts of req/res it reads; Express, not this code, calls it.
 */
export type HttpHandler = (req: never, res: never, next: () => void) => unknown;

export interface NodeAPI {
  nodes: {
    createNode(node: Node, def: NodeDef): void;
    registerType(
      type: string,
      ctor: (this: Node, def: NodeDef) => void,
      opts?: { credentials?: Record<string, { type: string }>; settings?: Record<string, { value: unknown; exported: boolean }> },
    ): void;
    getNode(id: string): Node | null;
  };
  httpAdmin?: { get(path: string, ...handlers: HttpHandler[]): void; post(path: string, ...handlers: HttpHandler[]): void };
  auth?: { needsPermission(permission: string): HttpHandler };
  // settings.js is the user's own JavaScript: any key, any shape; each node narrows what it reads
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- see above
  settings: Record<string, any>;
  log: { info(m: unknown): void; warn(m: unknown): void; error(m: unknown): void; debug(m: unknown): void };
  _(key: string, subs?: Record<string, unknown>): string;
  version(): string;
  /** Node-RED's message hooks (onComplete, onSend, ...), labelled "<hook>.<label>" */
  hooks?: { add(id: string, fn: (event: never) => unknown): void; remove(id: string): void };
  util?: { cloneMessage<T>(msg: T): T };
  events?: EventEmitter;
}
