// mqtt-device: a field device that publishes over MQTT, read by its device profile (lib/profiles,
// lib/mqtt/device) into scans in the tag contract, with its quality: bad with the reason for a
// value the profile cannot read, stale after silence, bad at once on its last will. Writes (an
// input { tag: value } or the operator API) publish the profile's command and wait for the
// device's confirmation. A changed profile file is picked up while running; a broken edit keeps
// the profile in use and says why.
import type { NodeAPI, Node, NodeDef, NodeMessage } from '../common/red';
import { readFields, type FieldValues } from '../../lib/config/fields';
import { MQTT_DEVICE_FIELDS } from '../../lib/mqtt/device/fields';
import { acquireProfileLibrary } from '../../lib/profiles/shipped';
import type { ProfileError } from '../../lib/profiles/errors';
import { apiDirectory } from '../../lib/api/directory';
import { DeviceIdRegistry, deviceIdFromName } from '../../lib/fleet/device-ids';
import { registerDevice } from '../common/device-registry';
import { counter } from '../../lib/metrics/registry';
import { parseBoundedJson, type JsonLimits } from '../../lib/system/bounded/json';
import { migrateNodeConfig } from '../common/migrations';
import { refuseConfig } from '../common/refuse-config';
import { reportFailure } from '../common/report-failure';
import { auditLogOf } from '../common/settings';
import { BrokerLink, isMqttBroker, type BrokerState } from './broker-link';
import { registerProfileRoutes } from './admin';
import { DeviceSession } from './session';

/** A command is a flat {tag: value} object: small and shallow. */
const COMMAND_LIMITS: Partial<JsonLimits> = { maxBytes: 64 * 1024, maxDepth: 4, maxEntries: 1000 };

export = function (RED: NodeAPI) {
  const userDir = typeof RED.settings.userDir === 'string' ? RED.settings.userDir : undefined;
  const messages = counter('edgegw_mqtt_device_messages_total', 'Device messages received, by what became of them', ['device', 'node', 'outcome']);
  registerProfileRoutes(RED, userDir);

  function MqttDeviceNode(this: Node, def: NodeDef) {
    RED.nodes.createNode(this, def);
    def = migrateNodeConfig(def);
    const node = this;
    const refuse = (statusKey: string, message: string, onClose?: () => void) =>
      refuseConfig(node, { kind: 'mqtt-device', statusKey, message: `mqtt-device ${def.name || def.id}: ${message}`, inputError: `mqtt-device not running: ${message}`, onClose });

    let fields: FieldValues<typeof MQTT_DEVICE_FIELDS.fields>;
    try {
      fields = readFields(MQTT_DEVICE_FIELDS, def);
    } catch (err) {
      return refuse('mqtt-device.status.badConfig', (err as Error).message);
    }
    const broker = RED.nodes.getNode(def.broker as string);
    if (!isMqttBroker(broker)) return refuse('mqtt-device.status.noBroker', 'broker: choose an mqtt-broker config node');

    const { library, release } = acquireProfileLibrary(userDir);
    const profile = library.get(fields.profile);
    if (!profile || profile.protocol !== 'mqtt') {
      const why = library.refusalOf(fields.profile);
      const message = why
        ? `profile: ${why.message}`
        : !profile
          ? `profile: no device profile named '${fields.profile}' (known: ${library.ids().join(', ')})`
          : `profile: ${fields.profile} is a ${profile.protocol} profile (mqtt-device reads mqtt profiles)`;
      return refuse('mqtt-device.status.badProfile', message, release);
    }

    // a stable id kept in the user directory: the same device keeps it across redeploys and renames
    // (the runtime's device registry; devices.json in a palette install, where none is open)
    const registered = registerDevice(
      RED,
      node,
      { deviceId: fields.device || undefined, nodeId: node.id, name: def.name || undefined, transport: 'mqtt', address: fields.topic },
      { protocol: 'mqtt', address: fields.topic, profile: fields.profile, preferredId: fields.device || fields.topic },
    );
    let device = fields.device || registered?.deviceId;
    if (!device) {
      try {
        device = userDir
          ? new DeviceIdRegistry(userDir, (m) => node.warn(m)).resolve({ nodeId: node.id, name: def.name || undefined, transport: 'mqtt', address: fields.topic }, fields.topic)
          : deviceIdFromName(fields.topic);
      } catch (err) {
        node.warn(`device id registry: ${(err as Error).message}; the device is named from its topic`);
        device = deviceIdFromName(fields.topic);
      }
    }

    const labels = { device, node: node.id };
    const session = new DeviceSession({
      node,
      device,
      seen: registered && ((status) => registered.seen(status)),
      accepted: registered && (() => registered.accepted()),
      topic: fields.topic,
      staleAfterS: fields.staleAfter,
      audit: auditLogOf(RED),
      // the link exists before start() subscribes or a write publishes
      publish: (topic, payload) => link.publish(topic, payload),
      subscribe: (filters, onMessage) => link.subscribe(filters, onMessage),
      send: (msg: NodeMessage) => node.send(msg),
      counted: (outcome, n) => messages.inc({ ...labels, outcome }, n),
    });
    const link = new BrokerLink(broker, node, Number(fields.qos), (s: BrokerState) => session.brokerState(s));
    session.start(profile);

    const onChanged = (ids: string[]) => {
      if (!ids.includes(fields.profile)) return;
      const next = library.get(fields.profile);
      if (!next) return session.profileProblem(`profile ${fields.profile} was removed; the last one read stays in use`);
      if (next.protocol !== 'mqtt') return session.profileProblem(`profile ${fields.profile} is now a ${next.protocol} profile; the last mqtt one stays in use`);
      session.start(next);
      node.log(`profile ${fields.profile} reloaded from ${next.file}`);
    };
    const onRefused = (errors: ProfileError[]) => {
      const mine = errors.find(
        (e) => e.file === session.profileFile || e.file.endsWith(`/${fields.profile}.yaml`) || e.file.endsWith(`/${fields.profile}.yml`) || e.file.endsWith(`/${fields.profile}.json`),
      );
      if (mine) session.profileProblem(`profile edit refused, the last good one stays in use: ${mine.message}`);
    };
    library.on('changed', onChanged);
    library.on('refused', onRefused);

    const unregisterApi = apiDirectory().register('devices', {
      id: node.id,
      device,
      snapshot: () => session.snapshot(),
      write: (values, actor) => session.write(values, actor),
    });

    node.on('input', (msg: NodeMessage, _send, done) => {
      const actor = `flow:${node.z ?? '-'}/node:${node.id}${typeof msg._msgid === 'string' ? `/msg:${msg._msgid.slice(0, 64)}` : ''}`;
      let values: unknown = msg.payload;
      try {
        // JSON text (a command from MQTT) is measured before it is parsed: size, depth, keys
        if (typeof values === 'string' || Buffer.isBuffer(values)) values = parseBoundedJson(values, 'command payload', COMMAND_LIMITS);
      } catch (err) {
        return reportFailure(node, msg, done, err as Error);
      }
      if (!values || typeof values !== 'object' || Array.isArray(values)) return reportFailure(node, msg, done, new Error('a write is a payload { "<tag>": value, ... }'));
      session.write(values as Record<string, unknown>, actor).then(
        () => done(),
        (err: Error) => (session.closed ? done() : reportFailure(node, msg, done, err)),
      );
    });

    node.on('close', (_removed: boolean, done: () => void) => {
      unregisterApi();
      library.off('changed', onChanged);
      library.off('refused', onRefused);
      session.close();
      release();
      for (const outcome of ['read', 'bad', 'ignored', 'held']) messages.remove({ ...labels, outcome });
      link.close(done);
    });
  }

  RED.nodes.registerType('edgegw-mqtt-device', MqttDeviceNode);
};
