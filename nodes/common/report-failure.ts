// How our nodes report a failed input to Catch nodes. `done(err)` makes Node-RED deep-clone the
// message for every Catch node; a hostile message (nested 100,000 deep, 50 MB) would overflow
// the stack in that clone and stop the runtime. Within the limits of lib/system/bounded-copy the
// message goes as it is (done(err)); beyond them a shallow summary of it goes to node.error, so
// Catch nodes still see the error, its _msgid and topic. done() is then not called: without an
// error it is a success to Complete nodes, and a flow that answers each message from Catch and
// Complete (the default flows' command results) would answer one failure twice, error then ok.
import { boundedMessage } from '../../lib/system/bounded/copy';
import type { DoneFn, Node, NodeMessage } from './red';

function safeMessage(msg: NodeMessage): ReturnType<typeof boundedMessage> {
  try {
    return boundedMessage(msg);
  } catch {
    return { msg: { _msgid: msg._msgid, _truncated: 'the message could not be inspected' }, truncated: 'uninspectable' };
  }
}

export function reportFailure(node: Node, msg: NodeMessage, done: DoneFn, err: Error): void {
  const safe = safeMessage(msg);
  if (!safe.truncated) {
    done(err);
    return;
  }
  node.error(err, safe.msg);
}

/** The part of Node-RED's flow a node reports errors to: Catch nodes, without the log line node.error adds. */
interface ErrorHandlingFlow {
  handleError(node: Node, err: unknown, msg: NodeMessage): boolean;
}

/**
 * A failure already reported and counted (RepeatedErrorLog): the Catch nodes of the flow still get
 * it, the log does not get it again. done() is not called, as above: an error is no completion.
 */
export function reportRepeatedFailure(node: Node, msg: NodeMessage, err: Error): void {
  const flow = (node as Node & { _flow?: Partial<ErrorHandlingFlow> })._flow;
  if (typeof flow?.handleError === 'function') flow.handleError(node, err, safeMessage(msg).msg);
}
