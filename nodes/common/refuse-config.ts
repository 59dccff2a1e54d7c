// A node whose configuration cannot work stays deployed but inert, and says why everywhere a
// user looks: its status, the debug sidebar and log (node.error naming the field), /health
// ('down'), and for each message it does its safe thing (pass it on, drop it, or fail it so a
// Catch node sees it; the log gets the failure once a minute with a count, not per message).
import { TelemetryScope } from './telemetry';
import { LOOK, StatusDisplay } from './node-status';
import { reportFailure, reportRepeatedFailure } from './report-failure';
import { RepeatedErrorLog } from './repeated-errors';
import type { DoneFn, Node, NodeMessage, SendFn } from './red';
import type { StatusArgs } from './status-text';

export interface Refusal {
  /** the health entry's type (the node's kind) */
  kind: string;
  /** the status key, e.g. 'watchdog.status.badConfig' */
  statusKey: string;
  statusArgs?: StatusArgs;
  /** the English message for the log, naming the field, line or tag */
  message: string;
  /** the error a message fails with, when it is not the log's message (e.g. translated for a Catch node) */
  inputError?: string;
  /** what a message does while the node is inert; default: it fails with the message (or inputError) */
  onInput?: 'fail' | 'drop' | ((msg: NodeMessage, send: SendFn) => void);
  /** anything the node opened before it found the problem */
  onClose?: () => void;
}

export function refuseConfig(node: Node, refusal: Refusal): void {
  new StatusDisplay(node).show(LOOK.refused, refusal.statusKey, refusal.statusArgs);
  node.error(refusal.message);
  const telemetry = new TelemetryScope(node, refusal.kind);
  telemetry.health('down', { error: refusal.message });
  const onInput = refusal.onInput ?? 'fail';
  // every message fails for the same reason: logged once a minute with a count, not per message
  const repeats = new RepeatedErrorLog((line) => node.error(line));
  node.on('input', (msg: NodeMessage, send: SendFn, done: DoneFn) => {
    if (onInput === 'fail') {
      const err = new Error(refusal.inputError ?? refusal.message);
      if (!repeats.report(err.message, () => reportFailure(node, msg, done, err))) reportRepeatedFailure(node, msg, err);
      return;
    }
    if (onInput !== 'drop') onInput(msg, send);
    done();
  });
  node.on('close', (_removed: boolean, done: () => void) => {
    refusal.onClose?.();
    repeats.close();
    telemetry.close();
    done();
  });
}
