// system-tags: the host's own figures (CPU, memory, disk of the user directory, uptime, SoC
// temperature, network rates, this Node-RED process) as one scan of tags every N seconds
// (lib/system/host/system-tags.ts). Any input message asks for a reading now.
import type { NodeAPI, Node, NodeDef, NodeMessage } from '../common/red';
import { SystemTagSampler } from '../../lib/system/host/system-tags';
import { publishSystemSamples, withdrawSystemSamples } from '../../lib/system/host/latest-samples';
import { SYSTEM_TAGS_FIELDS } from '../../lib/system/host/fields';
import { readFields, type FieldValues } from '../../lib/config/fields';
import { scanMessage, tagMessage } from '../../lib/tags/contract';
import { migrateNodeConfig } from '../common/migrations';
import { LOOK, StatusDisplay } from '../common/node-status';
import { registerDevice } from '../common/device-registry';
import { refuseConfig } from '../common/refuse-config';
import { readPeriodically } from '../common/periodic-reading';

export = function (RED: NodeAPI) {
  function SystemTagsNode(this: Node, def: NodeDef) {
    RED.nodes.createNode(this, def);
    def = migrateNodeConfig(def);
    const node = this;
    let fields: FieldValues<typeof SYSTEM_TAGS_FIELDS.fields>;
    try {
      fields = readFields(SYSTEM_TAGS_FIELDS, def);
    } catch (err) {
      return refuseConfig(node, {
        kind: 'system-tags',
        statusKey: 'system-tags.status.badConfig',
        message: `system-tags: ${(err as Error).message}`,
      });
    }
    const status = new StatusDisplay(node);
    const registered = registerDevice(
      RED,
      node,
      { deviceId: fields.device, nodeId: node.id, name: def.name || fields.device },
      { protocol: 'system', address: 'localhost', preferredId: fields.device },
    );
    const sampler = new SystemTagSampler({
      device: fields.device,
      procRoot: fields.procRoot,
      sysRoot: fields.sysRoot,
      diskPath: (RED.settings.userDir as string | undefined) ?? process.cwd(),
    });
    const reading = readPeriodically(node, {
      kind: 'system-tags',
      intervalMs: fields.interval * 1000,
      read: async () => {
        const samples = await sampler.sample();
        if (reading.closed) return;
        // the heartbeat reads these rather than measuring the host again
        publishSystemSamples(node.id, samples, fields.interval * 1000);
        const out: NodeMessage[] = [scanMessage(fields.device, samples) as unknown as NodeMessage];
        if (fields.output === 'both') for (const s of samples) out.push(tagMessage(s) as unknown as NodeMessage);
        node.send([out]);
        registered?.seen();
        const bad = samples.filter((s) => s.quality === 'bad').length;
        if (bad === 0) status.show(LOOK.ok, 'system-tags.status.read', { count: samples.length });
        else status.show(LOOK.warning, 'system-tags.status.readBad', { count: samples.length, bad });
      },
      onClose: () => {
        withdrawSystemSamples(node.id);
        sampler.close();
      },
    });
    status.show(LOOK.waiting, 'system-tags.status.waiting');
  }
  RED.nodes.registerType('edgegw-system-tags', SystemTagsNode);
};
