// The tag-store config node's editor: persistence, maximum ages of values, and user tags.
import { field } from '../fields/validator';
import { eachEntryLine, validation } from '../components/line-table';
import { t } from '../components/i18n';

const TYPES = ['number', 'integer', 'boolean', 'string'];

// Quick checks; the runtime applies the full rules and names line and tag.
function checkUserTags(text: string | undefined): string | null {
  const seen = new Set<string>();
  return eachEntryLine(text, (l, n) => {
    const head = l.split('=')[0].trim().split(/\s+/);
    if (!/^[A-Za-z_][A-Za-z0-9_.-]*$/.test(head[0])) return `line ${n}: "${head[0]}" is not a tag name`;
    if (seen.has(head[0])) return `line ${n}: ${head[0]} is already defined`;
    seen.add(head[0]);
    if (!TYPES.includes(head[1])) return `line ${n}: type "${head[1] || ''}" is not one of ${TYPES.join(', ')}`;
    return null;
  });
}
function checkMaxAge(text: string | undefined): string | null {
  return eachEntryLine(text, (l, n) => (/^[^=\s]+\s*=\s*\d+(\.\d+)?$/.test(l) ? null : `line ${n}: expected "<device> = <seconds>" or "<device>/<tag> = <seconds>"`));
}

RED.nodes.registerType('edgegw-tag-store', {
  category: 'config',
  defaults: {
    name: { value: '' },
    version: { value: 1 },
    persist: field('tag-store', 'persist'),
    file: field('tag-store', 'file'),
    maxAge: field('tag-store', 'maxAge'),
    maxAgeRules: {
      value: '',
      validate(v: string | undefined, opt) {
        return validation(checkMaxAge(v), opt);
      },
    },
    userDevice: field('tag-store', 'userDevice'),
    userTags: {
      value: '',
      validate(v: string | undefined, opt) {
        return validation(checkUserTags(v), opt);
      },
    },
  },
  // "tag store" in the user's language, not the type name, beside the tag store in node's field
  label() {
    return this.name || t('tag-store.paletteLabel');
  },
  paletteLabel() {
    return t('tag-store.paletteLabel');
  },
  oneditprepare() {
    const showFile = (): void => void $('.tag-store-file').toggle($('#node-config-input-persist').is(':checked'));
    $('#node-config-input-persist').on('change', showFile);
    showFile();
  },
});
