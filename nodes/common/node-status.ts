// A node's status as the editor shows it: a look (fill, shape) and a text of catalog keys with
// their arguments (status-text.ts), sent only when it changes, because every status goes to every
// open editor and a node that reports on each message would flood them with the same text.
import type { Node, NodeStatus } from './red';
import { statusText, type StatusArgs, type StatusPart } from './status-text';

export interface StatusLook {
  fill: NonNullable<NodeStatus['fill']>;
  shape: NonNullable<NodeStatus['shape']>;
}

export const LOOK = {
  ok: { fill: 'green', shape: 'dot' },
  waiting: { fill: 'grey', shape: 'ring' },
  busy: { fill: 'yellow', shape: 'ring' },
  warning: { fill: 'yellow', shape: 'dot' },
  failed: { fill: 'red', shape: 'dot' },
  refused: { fill: 'red', shape: 'ring' },
} as const satisfies Record<string, StatusLook>;

/** The status object for a look and one key (a config node hands such objects to its users). */
export function keyedStatus(look: StatusLook, key: string, args?: StatusArgs): NodeStatus {
  return { fill: look.fill, shape: look.shape, text: statusText(args ? { key, args } : { key }) };
}

export class StatusDisplay {
  private shown: string | undefined;

  constructor(private readonly node: Pick<Node, 'status'>) {}

  /** Shows one key with its arguments. */
  show(look: StatusLook, key: string, args?: StatusArgs): void {
    this.showParts(look, args ? { key, args } : { key });
  }

  /** Shows several keys side by side (e.g. a state and a problem beside it). */
  showParts(look: StatusLook, ...parts: StatusPart[]): void {
    this.showStatus({ fill: look.fill, shape: look.shape, text: statusText(...parts) });
  }

  /** Shows a status made elsewhere (a config node's keyedStatus), still only when it changes. */
  showStatus(status: NodeStatus): void {
    const id = `${status.fill}/${status.shape}/${status.text}`;
    if (id === this.shown) return;
    this.shown = id;
    this.node.status(status);
  }

  clear(): void {
    this.shown = undefined;
    this.node.status({});
  }
}
