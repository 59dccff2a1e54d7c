// Node-RED deep-copies a message for every wire after the first, so that one node's changes are
// never seen by another. A 1,000-tag scan wired to four nodes is copied three times (lodash
// cloneDeep of 1,000 samples each time): on a busy gateway that copying, and the garbage it
// leaves, is a good part of the runtime's CPU. Some of our nodes only read what they receive:
// they never change the message, and never pass it (or a part of it) on. Messages for those can
// be shared safely, and this onSend hook shares them:
// - every destination of a message reads only: all of them get the one message, no copy;
// - some do, some do not: the others are served as Node-RED serves them (the first the message,
//   the rest a copy each), and the read-only ones share one copy among them.
// Nothing changes for a message with one destination, or with at most one read-only destination.
// A node that passes its input on unchanged (a link in, the watchdog's first output) reads only
// when everything it passes the message to does: the default flows' acquisition link out feeds
// three tabs' link ins, and Node-RED would copy each scan for the second and the third.

/** Node types (ours) that only read their input messages: no change, no pass-through. */
export const READ_ONLY_TYPES: ReadonlySet<string> = new Set(['edgegw-store-forward', 'edgegw-tag-calc', 'edgegw-stats', 'edgegw-alarm', 'edgegw-ha-discovery']);

/**
 * Node types that only read some messages: the historian stores a scan's samples (and keeps them
 * until its batch commits, unchanged), but answers msg.query and msg.playback with the message
 * itself, changed.
 */
const READ_ONLY_MESSAGES: ReadonlyMap<string, (msg: Record<string, unknown>) => boolean> = new Map([['edgegw-historian', (m) => m.query === undefined && m.playback === undefined]]);

/**
 * Node types that send their input message on, unchanged and uncopied, from one output (its
 * index), and otherwise only read it: a link in (its input handler is `send(msg)`), the watchdog
 * (a heartbeat's message goes on from output 1; output 2 carries its own events).
 */
export const PASS_THROUGH_OUTPUT: ReadonlyMap<string, number> = new Map([
  ['link in', 0],
  ['edgegw-watchdog', 0],
]);

/** How far a message is followed through pass-through nodes; deeper (or a loop) counts as changed. */
const MAX_PASS_THROUGH_DEPTH = 4;

/** Whether a node of `type` only reads `msg`. */
export function readsOnly(type: string | undefined, msg: object): boolean {
  if (type === undefined) return false;
  if (READ_ONLY_TYPES.has(type)) return true;
  return READ_ONLY_MESSAGES.get(type)?.(msg as Record<string, unknown>) ?? false;
}

/** A node's outputs: for each, the ids of the nodes it is wired to. */
export type WiresOf = (id: string) => readonly (readonly string[])[] | undefined;

/**
 * Whether the node `id` only reads `msg`: its type reads only, or it passes the message on to
 * nodes that all read only (followed to MAX_PASS_THROUGH_DEPTH).
 */
export function nodeReadsOnly(id: string, msg: object, typeOf: (id: string) => string | undefined, wiresOf?: WiresOf, depth = 0): boolean {
  const type = typeOf(id);
  if (readsOnly(type, msg)) return true;
  const output = type === undefined || !wiresOf ? undefined : PASS_THROUGH_OUTPUT.get(type);
  if (output === undefined || depth >= MAX_PASS_THROUGH_DEPTH) return false;
  const wires = wiresOf!(id);
  if (!wires) return false;
  for (const next of wires[output] ?? []) if (!nodeReadsOnly(next, msg, typeOf, wiresOf, depth + 1)) return false;
  return true;
}

/** The part of Node-RED's SendEvent this hook reads and changes. */
export interface SendEventLike {
  msg: unknown;
  destination: { id: string };
  cloneMessage: boolean;
}

/**
 * Sets which send events share their message instead of copying it (see above). `typeOf` gives
 * a node id's type; `clone` is Node-RED's cloneMessage; `wiresOf` a node id's wires (without it,
 * pass-through nodes count as changing what they receive). Returns how many copies were saved.
 */
export function shareReadOnly<E extends SendEventLike>(events: readonly E[], typeOf: (id: string) => string | undefined, clone: (msg: unknown) => unknown, wiresOf?: WiresOf): number {
  if (events.length < 2) return 0;
  let groups: Map<unknown, E[]> | undefined;
  for (const e of events) {
    if (!e.msg || typeof e.msg !== 'object') continue;
    groups ??= new Map();
    const g = groups.get(e.msg);
    if (g) g.push(e);
    else groups.set(e.msg, [e]);
  }
  if (!groups) return 0;
  let saved = 0;
  for (const [msg, group] of groups) {
    if (group.length < 2) continue;
    const readers: E[] = [];
    const others: E[] = [];
    for (const e of group) (nodeReadsOnly(e.destination.id, msg as object, typeOf, wiresOf) ? readers : others).push(e);
    if (others.length === 0) {
      for (const e of group) e.cloneMessage = false;
      saved += group.length - 1;
      continue;
    }
    if (readers.length < 2) continue;
    // the first other node gets the message itself, the rest a copy each; the readers one copy
    others.forEach((e, i) => (e.cloneMessage = i > 0));
    const copy = clone(msg);
    for (const e of readers) {
      e.msg = copy;
      e.cloneMessage = false;
    }
    saved += readers.length - 1;
  }
  return saved;
}

const HOOK = 'onSend.edgegwShareReadOnly';

interface HookHost {
  hooks?: { add(id: string, fn: (event: never) => unknown): void };
  nodes: { getNode(id: string): { type?: string; wires?: readonly (readonly string[])[] } | null };
  util?: { cloneMessage<T>(msg: T): T };
}

/** Adds the hook to this runtime (once: Node-RED refuses a second hook of the same label). */
export function installShareReadOnly(RED: HookHost): void {
  const hooks = RED.hooks;
  const util = RED.util;
  if (!hooks || !util) return;
  const typeOf = (id: string) => RED.nodes.getNode(id)?.type;
  const clone = (msg: unknown) => util.cloneMessage(msg);
  const wiresOf: WiresOf = (id) => RED.nodes.getNode(id)?.wires;
  try {
    hooks.add(HOOK, (events: SendEventLike[]) => {
      shareReadOnly(events, typeOf, clone, wiresOf);
    });
  } catch {
    // already added by another of our node types in this runtime
  }
}
