// onewire: DS18B20 and other 1-Wire thermometers through the Linux w1 sysfs (lib/onewire), read
// every N seconds and on any input message, emitted in the tag contract.
import type { NodeAPI, Node, NodeDef, NodeMessage } from '../common/red';
import { OneWireBus } from '../../lib/onewire/bus';
import { ONEWIRE_FIELDS } from '../../lib/onewire/fields';
import { oneWireSamples } from '../../lib/onewire/tags';
import { readFields, type FieldValues } from '../../lib/config/fields';
import { scanMessage } from '../../lib/tags/contract';
import { migrateNodeConfig } from '../common/migrations';
import { LOOK, StatusDisplay } from '../common/node-status';
import { refuseConfig } from '../common/refuse-config';

export = function (RED: NodeAPI) {
  function OneWireNode(this: Node, def: NodeDef) {
    RED.nodes.createNode(this, def);
    def = migrateNodeConfig(def);
    const node = this;
    let fields: FieldValues<typeof ONEWIRE_FIELDS.fields>;
    try {
      fields = readFields(ONEWIRE_FIELDS, def);
    } catch (err) {
      return refuseConfig(node, {
        kind: 'onewire',
        statusKey: 'onewire.status.badConfig',
        message: `onewire: ${(err as Error).message}`,
      });
    }
    const status = new StatusDisplay(node);
    const bus = new OneWireBus(fields.root);
    let closed = false;
    // a read of several sensors takes ~750 ms each on a real bus: one at a time, a tick that
    // finds one running is skipped, and an input message waits for the running one
    let running: Promise<void> | undefined;
    const readOnce = async () => {
      const samples = oneWireSamples(await bus.read(), { device: fields.device, naming: fields.naming, ts: Date.now() });
      if (closed) return;
      if (samples.length === 0) return status.show(LOOK.waiting, 'onewire.status.none', { root: fields.root });
      const scans: NodeMessage[] = (fields.naming === 'tag' ? [scanMessage(fields.device, samples)] : samples.map((s) => scanMessage(s.device, [s]))).map((m) => m as unknown as NodeMessage);
      node.send([scans]);
      const bad = samples.filter((s) => s.quality === 'bad').length;
      if (bad === 0) status.show(LOOK.ok, 'onewire.status.read', { count: samples.length });
      else status.show(LOOK.warning, 'onewire.status.readBad', { count: samples.length, bad });
    };
    const read = () => (running ??= readOnce().finally(() => (running = undefined)));
    const tick = () => {
      if (running) return;
      read().catch((err: Error) => node.error(`onewire: ${err.message}`));
    };
    const timer = setInterval(tick, fields.interval * 1000);
    const first = setTimeout(tick, 0);
    status.show(LOOK.waiting, 'onewire.status.waiting');

    node.on('input', (_msg: NodeMessage, _send, done) => {
      read().then(() => done(), done);
    });
    node.on('close', (_removed: boolean, done: () => void) => {
      closed = true;
      clearInterval(timer);
      clearTimeout(first);
      done();
    });
  }
  RED.nodes.registerType('edgegw-onewire', OneWireNode);
};
