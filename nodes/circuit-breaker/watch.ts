// Outcomes observed on a downstream node, with no wiring back: Node-RED's onComplete hook fires
// when that node calls done() (an error when done(err)), and the node's own error(err, msg) is
// what a Catch node would see; core nodes like http request report failures that way and then
// call done() without an error, so the node's error() is watched too (wrapped on the live
// instance, unwrapped on close). Only messages this breaker let through count, matched by _msgid.
import type { NodeAPI, NodeMessage } from '../common/red';
import type { PendingCall, PendingCalls } from '../../lib/breaker';

export interface DownstreamWatch {
  /** Wraps error() of the watched node's live instance (it may have been redeployed alone); false when there is no such node. */
  ensure(): boolean;
  close(): void;
}

interface CompleteEvent {
  msg?: NodeMessage;
  error?: unknown;
  node?: { id?: string; node?: { _alias?: string } };
}

type ErrorFn = (this: unknown, logMessage: unknown, msg?: NodeMessage) => void;

export function watchDownstream(
  RED: NodeAPI,
  selfId: string,
  watchedId: string,
  pending: PendingCalls,
  onOutcome: (failed: boolean, msg: NodeMessage | undefined, call: PendingCall) => void,
  onError: (err: unknown) => void,
): DownstreamWatch {
  const hookId = `onComplete.edgegwBreaker${selfId.replace(/[^A-Za-z0-9_-]/g, '_')}`;
  const errored = new Set<string>();
  let wrapped: { target: Record<string, unknown>; wrapper: ErrorFn; hadOwn: boolean; original: unknown } | undefined;

  RED.hooks!.add(hookId, (event: CompleteEvent) => {
    try {
      const id = event.node?.id;
      if (id !== watchedId && event.node?.node?._alias !== watchedId) return;
      const msgid = event.msg?._msgid;
      if (typeof msgid !== 'string') return;
      const call = pending.take(msgid);
      const failed = errored.delete(msgid) || Boolean(event.error);
      if (call) onOutcome(failed, event.msg, call);
    } catch (err) {
      onError(err); // a hook must never throw into Node-RED's message delivery
    }
  });

  const unwrap = () => {
    if (!wrapped) return;
    const { target, wrapper, hadOwn, original } = wrapped;
    if (target.error === wrapper) {
      if (hadOwn) target.error = original;
      else delete target.error;
    }
    wrapped = undefined;
  };

  return {
    ensure() {
      const target = RED.nodes.getNode(watchedId) as unknown as Record<string, unknown> | null;
      if (!target) return false;
      if (wrapped?.target === target) return true;
      unwrap();
      const original = target.error as ErrorFn;
      const hadOwn = Object.prototype.hasOwnProperty.call(target, 'error');
      const wrapper: ErrorFn = function (this: unknown, logMessage: unknown, msg?: NodeMessage) {
        const msgid = msg?._msgid;
        if (typeof msgid === 'string' && pending.has(msgid)) {
          if (errored.size >= pending.max) errored.clear(); // outcomes that never completed: forget them
          errored.add(msgid);
        }
        return original.call(this, logMessage, msg);
      };
      target.error = wrapper;
      wrapped = { target, wrapper, hadOwn, original };
      return true;
    },
    close() {
      RED.hooks!.remove(hookId);
      unwrap();
      errored.clear();
    },
  };
}
