// The watchdog node's editor: the keys it watches (or learns), their timeouts, and the hardware or
// systemd watchdog it keeps alive.
import { field } from '../fields/validator';
import { italicWhenNamed } from '../components/node-labels';
import { eachEntryLine } from '../components/line-table';
import { t } from '../components/i18n';

interface WatchdogNode extends EditorNodeInstance {
  learn?: boolean;
}

RED.nodes.registerType<WatchdogNode>('edgegw-watchdog', {
  category: 'edge gateway',
  color: '#E9A08F',
  defaults: {
    name: { value: '' },
    version: { value: 1 },
    keyBy: field('watchdog', 'keyBy'),
    keys: {
      value: '',
      validate(v: string | undefined) {
        const seen = new Map<string, number>();
        const duplicate = eachEntryLine(v, (line, n) => {
          const key = line.replace(/\s+\d+(\.\d+)?(ms|s|m|h)$/, '');
          const first = seen.get(key);
          if (first !== undefined) return t('watchdog.errors.duplicateKey', { key, line: n, first });
          seen.set(key, n);
          return null;
        });
        if (duplicate !== null) return duplicate;
        if (!this.learn && seen.size === 0) return t('watchdog.errors.noKeys');
        return true;
      },
    },
    learn: { value: true },
    timeout: field('watchdog', 'timeout'),
    badIsSilence: { value: false },
    hardware: { value: false },
    devicePath: field('watchdog', 'devicePath'),
    systemd: { value: false },
    keepalive: field('watchdog', 'keepalive'),
  },
  inputs: 1,
  outputs: 2,
  icon: 'watchdog.svg',
  label() {
    return this.name || 'watchdog';
  },
  paletteLabel: 'watchdog',
  outputLabels(i) {
    return this._(i === 0 ? 'watchdog.outputs.passthrough' : 'watchdog.outputs.alarms');
  },
  labelStyle: italicWhenNamed,
  oneditprepare() {
    const toggle = (): void => {
      $('.watchdog-device-row').toggle($('#node-input-hardware').is(':checked'));
      $('.watchdog-keepalive-row').toggle($('#node-input-hardware').is(':checked') || $('#node-input-systemd').is(':checked'));
    };
    $('#node-input-hardware, #node-input-systemd').on('change', toggle);
    toggle();
  },
});
