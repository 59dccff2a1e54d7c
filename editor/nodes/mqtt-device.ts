// The mqtt-device node's editor: the broker, the device profile (picked from the profiles this
// runtime knows: GET edgegw/profiles), the device's topic and id.
import { field } from '../fields/validator';
import { italicWhenNamed } from '../components/node-labels';

interface ProfileEntry {
  id: string;
  name: string;
  protocol: string;
  origin: string;
  tags: number;
  writable: string[];
}

interface ProfileList {
  profiles: ProfileEntry[];
  refused: { file: string; line?: number; field: string; reason: string }[];
}

interface MqttDeviceNode extends EditorNodeInstance {
  profile?: string;
  topic?: string;
}

RED.nodes.registerType('edgegw-mqtt-device', {
  category: 'edge gateway',
  color: '#F0B86E',
  defaults: {
    name: { value: '' },
    version: { value: 1 },
    broker: { value: '', type: 'mqtt-broker', required: true },
    profile: field('mqtt-device', 'profile'),
    topic: field('mqtt-device', 'topic'),
    device: field('mqtt-device', 'device'),
    qos: field('mqtt-device', 'qos'),
    staleAfter: field('mqtt-device', 'staleAfter'),
  },
  inputs: 1,
  outputs: 1,
  icon: 'mqtt-device.svg',
  label(this: MqttDeviceNode) {
    return this.name || (this.topic ? `${this.topic} (${this.profile || 'mqtt-device'})` : 'mqtt-device');
  },
  paletteLabel: 'mqtt device',
  labelStyle: italicWhenNamed,
  oneditprepare(this: MqttDeviceNode) {
    const node = this;
    const select = $('#node-input-profile');
    const saved = node.profile || '';
    $.getJSON<ProfileList>('edgegw/profiles?protocol=mqtt', (list) => {
      select.empty();
      for (const p of list.profiles) {
        const writable = p.writable.length ? `, ${node._('mqtt-device.label.writable', { tags: p.writable.join(', ') })}` : '';
        $('<option>')
          .val(p.id)
          .text(`${p.name} (${p.id}: ${p.tags} ${node._('mqtt-device.label.tags')}${writable})`)
          .appendTo(select);
      }
      // a profile that is not loaded now (removed, or its file refused) stays selectable
      if (saved && !list.profiles.some((p) => p.id === saved))
        $('<option>')
          .val(saved)
          .text(`${saved} (${node._('mqtt-device.label.notLoaded')})`)
          .appendTo(select);
      select.val(saved);
      const refused = list.refused.map((r) => `${r.file}${r.line ? `:${r.line}` : ''} ${r.field}: ${r.reason}`);
      $('#node-mqtt-device-refused')
        .text(refused.join('\n'))
        .toggle(refused.length > 0);
    }).fail(() => {
      if (saved) $('<option>').val(saved).text(saved).appendTo(select);
      select.val(saved);
    });
  },
});
