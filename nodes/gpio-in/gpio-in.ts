// gpio-in: a GPIO line of the host as a tag (lib/gpio): its level at deploy and at each debounced
// edge the user asked for, as a one-sample scan in the tag contract. Where the host has no GPIO
// the node says so in a grey status and does nothing else.
import type { NodeAPI, Node, NodeDef } from '../common/red';
import { GPIO_IN_FIELDS } from '../../lib/gpio/fields';
import { currentGpioHost } from '../../lib/gpio/host';
import { GpioInput, type LevelChange } from '../../lib/gpio/input';
import { GpioIoError, type GpioLine } from '../../lib/gpio/line';
import { resolveLine } from '../../lib/gpio/open-line';
import { gpioSample } from '../../lib/gpio/tags';
import { readFields, type FieldValues } from '../../lib/config/fields';
import { scanMessage } from '../../lib/tags/contract';
import { migrateNodeConfig } from '../common/migrations';
import { LOOK, StatusDisplay } from '../common/node-status';
import { refuseConfig } from '../common/refuse-config';

export = function (RED: NodeAPI) {
  function GpioInNode(this: Node, def: NodeDef) {
    RED.nodes.createNode(this, def);
    def = migrateNodeConfig(def);
    const node = this;
    let fields: FieldValues<typeof GPIO_IN_FIELDS.fields>;
    try {
      fields = readFields(GPIO_IN_FIELDS, def);
    } catch (err) {
      return refuseConfig(node, { kind: 'gpio-in', statusKey: 'gpio-in.status.badConfig', message: `gpio-in: ${(err as Error).message}` });
    }
    const status = new StatusDisplay(node);
    const host = currentGpioHost();
    let input: GpioInput | undefined;
    let closed = false;

    const send = (level: boolean | null, change: LevelChange | 'error', error?: string) => {
      const sample = gpioSample(fields.device, fields.tag, level, Date.now(), error);
      node.send({ ...scanMessage(fields.device, [sample]), edge: change });
    };

    const start = async () => {
      const resolved = await resolveLine(host, fields.chip, fields.line);
      if (closed) return;
      if (resolved.kind === 'unavailable') return status.show(LOOK.waiting, 'gpio-in.status.unavailable');
      const { sysfsNumber } = resolved;
      let line: GpioLine;
      try {
        line = host.open(sysfsNumber, 'in');
      } catch (err) {
        throw new GpioIoError(sysfsNumber, 'open', err);
      }
      const opened = new GpioInput(
        line,
        { sysfsNumber, edge: fields.edge, debounceMs: fields.debounce, activeLow: fields.activeLow },
        {
          level: (level, change) => {
            send(level, change);
            status.show(LOOK.ok, level ? 'gpio-in.status.on' : 'gpio-in.status.off', { gpio: sysfsNumber });
          },
          error: (err) => {
            node.error(err.message);
            send(null, 'error', err.message);
            status.show(LOOK.failed, 'gpio-in.status.failed', { gpio: sysfsNumber });
          },
        },
      );
      input = opened;
      await opened.start(fields.initialRead);
      if (!closed && opened.level !== undefined) status.show(LOOK.ok, opened.level ? 'gpio-in.status.on' : 'gpio-in.status.off', { gpio: sysfsNumber });
    };

    status.show(LOOK.waiting, 'gpio-in.status.waiting');
    start().catch((err: Error) => {
      if (closed) return;
      node.error(`gpio-in: ${err.message}`);
      status.show(LOOK.failed, 'gpio-in.status.failed', { gpio: `${fields.chip || 'header'}:${fields.line}` });
    });

    node.on('close', (_removed: boolean, done: () => void) => {
      closed = true;
      try {
        input?.close();
      } catch (err) {
        // Node-RED would swallow a throw from here without a word: say it, and stop anyway
        node.error(`gpio-in: ${(err as Error).message}`);
      }
      done();
    });
  }
  RED.nodes.registerType('edgegw-gpio-in', GpioInNode);
};
