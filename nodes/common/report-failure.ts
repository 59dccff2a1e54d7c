// How our nodes report a failed input to Catch nodes. `done(err)` makes Node-RED deep-clone the
// message for every Catch node; a hostile message (nested 100,000 deep, 50 MB) would overflow
// the stack in that clone and stop the runtime. Within the limits of lib/system/bounded-copy the
// message goes as it is (done(err)); beyond them a shallow summary of it goes to node.error, so
// Catch nodes still see the error, its _msgid and topic. done() is then not called: without an
// error it is a success to Complete nodes, and a flow that answers each message from Catch and
// Complete (the default flows' command results) would answer one failure twice, error then ok.
import { boundedMessage } from '../../lib/system/bounded/copy';
import type { DoneFn, Node, NodeMessage } from './red';

export function reportFailure(node: Node, msg: NodeMessage, done: DoneFn, err: Error): void {
  let safe: ReturnType<typeof boundedMessage>;
  try {
    safe = boundedMessage(msg);
  } catch {
    safe = { msg: { _msgid: msg._msgid, _truncated: 'the message could not be inspected' }, truncated: 'uninspectable' };
  }
  if (!safe.truncated) {
    done(err);
    return;
  }
  node.error(err, safe.msg);
}
