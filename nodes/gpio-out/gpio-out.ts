// gpio-out: drives a GPIO line of the host from msg.payload (lib/gpio): at its initial level from
// deploy, one write at a time, and in its safe level when stopped or redeployed (Node-RED starts
// the new node after the old one's close is done, so the safe write comes first). Each level set
// is passed on as a one-sample scan in the tag contract. Where the host has no GPIO the node says
// so in a grey status and does nothing else.
import type { NodeAPI, Node, NodeDef, NodeMessage, SendFn, DoneFn } from '../common/red';
import { GPIO_OUT_FIELDS } from '../../lib/gpio/fields';
import { currentGpioHost } from '../../lib/gpio/host';
import { levelOf } from '../../lib/gpio/levels';
import { resolveLine } from '../../lib/gpio/open-line';
import { GpioOutput } from '../../lib/gpio/output';
import { gpioSample } from '../../lib/gpio/tags';
import { readFields, type FieldValues } from '../../lib/config/fields';
import { scanMessage } from '../../lib/tags/contract';
import { migrateNodeConfig } from '../common/migrations';
import { LOOK, StatusDisplay } from '../common/node-status';
import { refuseConfig } from '../common/refuse-config';
import { reportFailure } from '../common/report-failure';

export = function (RED: NodeAPI) {
  function GpioOutNode(this: Node, def: NodeDef) {
    RED.nodes.createNode(this, def);
    def = migrateNodeConfig(def);
    const node = this;
    let fields: FieldValues<typeof GPIO_OUT_FIELDS.fields>;
    try {
      fields = readFields(GPIO_OUT_FIELDS, def);
    } catch (err) {
      return refuseConfig(node, { kind: 'gpio-out', statusKey: 'gpio-out.status.badConfig', message: `gpio-out: ${(err as Error).message}` });
    }
    const status = new StatusDisplay(node);
    const host = currentGpioHost();
    let closed = false;
    let unavailable = false;

    const showLevel = (output: GpioOutput, sysfsNumber: number) => status.show(LOOK.ok, output.level ? 'gpio-out.status.on' : 'gpio-out.status.off', { gpio: sysfsNumber });

    const opening = (async () => {
      const resolved = await resolveLine(host, fields.chip, fields.line);
      if (resolved.kind === 'unavailable') {
        unavailable = true;
        status.show(LOOK.waiting, 'gpio-out.status.unavailable');
        return undefined;
      }
      const { sysfsNumber } = resolved;
      const output = GpioOutput.open(host, { sysfsNumber, activeLow: fields.activeLow, initial: fields.initial === 'on', safe: fields.safe });
      if (closed) {
        await output.close();
        return undefined;
      }
      showLevel(output, sysfsNumber);
      return { output, sysfsNumber };
    })();
    opening.catch((err: Error) => {
      node.error(`gpio-out: ${err.message}`);
      status.show(LOOK.failed, 'gpio-out.status.failed', { gpio: `${fields.chip || 'header'}:${fields.line}` });
    });

    node.on('input', (msg: NodeMessage, send: SendFn, done: DoneFn) => {
      let level: boolean;
      try {
        level = levelOf(msg.payload);
      } catch (err) {
        return reportFailure(node, msg, done, new Error(`gpio-out: ${(err as Error).message}`));
      }
      opening
        .then(async (opened) => {
          // no GPIO here: the message is taken and dropped, as the status says
          if (!opened) return unavailable ? done() : done(new Error('gpio-out: the line did not open (see the status)'));
          await opened.output.set(level);
          showLevel(opened.output, opened.sysfsNumber);
          send({ ...scanMessage(fields.device, [gpioSample(fields.device, fields.tag, level, Date.now())]) });
          done();
        })
        .catch((err: Error) => reportFailure(node, msg, done, new Error(`gpio-out: ${err.message}`)));
    });

    node.on('close', (_removed: boolean, done: () => void) => {
      closed = true;
      opening
        // a line that did not open was reported when it failed; there is nothing to leave safe
        .then(
          (opened) => opened?.output.close(),
          () => undefined,
        )
        .catch((err: Error) => node.error(`gpio-out: safe state: ${err.message}`))
        .finally(() => done());
    });
  }
  RED.nodes.registerType('edgegw-gpio-out', GpioOutNode);
};
