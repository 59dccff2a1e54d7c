// onewire: DS18B20 and other 1-Wire thermometers through the Linux w1 sysfs (lib/onewire), read
// every N seconds and on any input message (one reading at a time), emitted in the tag contract.
import type { NodeAPI, Node, NodeDef, NodeMessage } from '../common/red';
import { OneWireBus } from '../../lib/onewire/bus';
import { ONEWIRE_FIELDS } from '../../lib/onewire/fields';
import { oneWireSamples } from '../../lib/onewire/tags';
import { readFields, type FieldValues } from '../../lib/config/fields';
import { scanMessage } from '../../lib/tags/contract';
import { migrateNodeConfig } from '../common/migrations';
import { LOOK, StatusDisplay } from '../common/node-status';
import { registerDevice } from '../common/device-registry';
import { refuseConfig } from '../common/refuse-config';
import { readPeriodically } from '../common/periodic-reading';

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
    // one registry entry per bus (naming 'tag') or per sensor (naming 'device'), made on first sight
    const registered = new Map<string, ReturnType<typeof registerDevice>>();
    const seen = (device: string, good: boolean) => {
      if (!registered.has(device))
        registered.set(
          device,
          registerDevice(RED, node, { deviceId: device, name: device, transport: 'onewire', address: fields.root }, { protocol: 'onewire', address: fields.root, preferredId: device }),
        );
      registered.get(device)?.seen(good ? 'active' : 'down');
    };
    const bus = new OneWireBus(fields.root);
    const reading = readPeriodically(node, {
      kind: 'onewire',
      intervalMs: fields.interval * 1000,
      read: async () => {
        const samples = oneWireSamples(await bus.read(), { device: fields.device, naming: fields.naming, ts: Date.now() });
        if (reading.closed) return;
        if (samples.length === 0) return status.show(LOOK.waiting, 'onewire.status.none', { root: fields.root });
        const scans: NodeMessage[] = (fields.naming === 'tag' ? [scanMessage(fields.device, samples)] : samples.map((s) => scanMessage(s.device, [s]))).map((m) => m as unknown as NodeMessage);
        node.send([scans]);
        if (fields.naming === 'tag')
          seen(
            fields.device,
            samples.some((s) => s.quality === 'good'),
          );
        else for (const s of samples) seen(s.device, s.quality === 'good');
        const bad = samples.filter((s) => s.quality === 'bad').length;
        if (bad === 0) status.show(LOOK.ok, 'onewire.status.read', { count: samples.length });
        else status.show(LOOK.warning, 'onewire.status.readBad', { count: samples.length, bad });
      },
    });
    status.show(LOOK.waiting, 'onewire.status.waiting');
  }
  RED.nodes.registerType('edgegw-onewire', OneWireNode);
};
