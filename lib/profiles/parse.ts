// A profile file read into a DeviceProfile, or refused with a ProfileError at the first problem
// (file, line, field). Modbus tag tables are checked by the same rules as modbus-device's own
// table (lib/modbus/tag-table), their errors pointed at the line of the offending entry.
import { basename } from 'node:path';
import { readTagTableJson } from '../modbus/tag-table';
import { ProfileError } from './errors';
import { FieldReader } from './read-fields';
import { fieldName, parseSourceText, type SourceText } from './source-text';
import { PROFILE_PROTOCOLS, type DeviceProfile, type ModbusProfile, type MqttCommand, type MqttProfile, type MqttTag, type MqttTopic, type ProfileOrigin } from './types';

export const PROFILE_ID = /^[a-z0-9][a-z0-9._-]{0,63}$/;
const TAG_NAME = /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,63}$/;
/** placeholders a topic may hold; no MQTT wildcard in a topic a command is published on */
const PLACEHOLDER = /\{(\w+)\}/g;
const KNOWN_PLACEHOLDERS = new Set(['topic', 'device']);
const COMMON = ['id', 'name', 'protocol', 'manufacturer', 'model', 'source', 'notes', 'tags'];

export function parseProfile(text: string, file: string, origin: ProfileOrigin = 'user'): DeviceProfile {
  return readProfile(parseSourceText(text, file), origin);
}

export function readProfile(src: SourceText, origin: ProfileOrigin): DeviceProfile {
  const r = FieldReader.root(src);
  const protocol = r.oneOf('protocol', PROFILE_PROTOCOLS);
  const base = {
    id: r.string('id', { required: true, pattern: PROFILE_ID, rule: 'must be lower case letters, digits, . _ - (at most 64)' }),
    name: r.string('name', { required: true }),
    manufacturer: r.string('manufacturer'),
    model: r.string('model'),
    source: r.string('source'),
    notes: r.string('notes'),
    file: src.file,
    origin,
  };
  const stem = basename(src.file).replace(/\.(ya?ml|json)$/i, '');
  if (stem !== base.id) r.fail('id', `must be the file's name without extension ('${stem}'), so a profile is found by its file`);
  return protocol === 'mqtt' ? readMqttProfile(r, base) : readModbusProfile(r, src, base);
}

function checkTopic(r: FieldReader, key: string, topic: string, publish: boolean): void {
  for (const m of topic.matchAll(PLACEHOLDER)) if (!KNOWN_PLACEHOLDERS.has(m[1])) r.fail(key, `unknown placeholder {${m[1]}} (use {topic} or {device})`);
  const levels = topic.replace(PLACEHOLDER, 'x').split('/');
  levels.forEach((l, i) => {
    if (publish && /[+#]/.test(l)) r.fail(key, 'a topic published on cannot hold + or #');
    if (l.includes('#') && (l !== '#' || i !== levels.length - 1)) r.fail(key, "'#' must be a whole level, and the last");
    if (l.includes('+') && l !== '+') r.fail(key, "'+' must be a whole level");
  });
}

function readMqttProfile(r: FieldReader, base: Omit<MqttProfile, 'protocol' | 'topics' | 'tags' | 'interval' | 'staleAfter'>): MqttProfile {
  r.only([...COMMON, 'mqtt']);
  const m = r.object('mqtt', true)!;
  m.only(['topics', 'availability', 'interval', 'staleAfter']);
  const topics = m.list(
    'topics',
    (t): MqttTopic => {
      t.only(['topic', 'format', 'timestamp']);
      const topic = t.string('topic', { required: true });
      checkTopic(t, 'topic', topic, false);
      const ts = t.object('timestamp');
      ts?.only(['path', 'format']);
      const path = ts ? ts.jsonPath('path') : undefined;
      if (ts && !path) ts.fail('path', 'is required');
      return { topic, format: t.oneOf('format', ['json', 'plain'], 'json'), timestamp: ts && path ? { path, format: ts.oneOf('format', ['iso', 'epoch-s', 'epoch-ms'], 'iso') } : undefined };
    },
    { required: true },
  );
  const seenTopic = new Set<string>();
  topics.forEach((t, i) => {
    if (seenTopic.has(t.topic)) m.fail('topics', `entry ${i + 1}: topic ${t.topic} is listed twice`);
    seenTopic.add(t.topic);
  });
  const interval = m.number('interval', { default: 60, positive: true });
  const staleAfter = m.number('staleAfter', { default: interval * 2, positive: true });
  if (staleAfter < interval) m.fail('staleAfter', `must be at least the interval (${interval} s)`);
  const av = m.object('availability');
  let availability: MqttProfile['availability'];
  if (av) {
    av.only(['topic', 'online', 'offline']);
    const topic = av.string('topic', { required: true });
    checkTopic(av, 'topic', topic, false);
    availability = { topic, online: av.string('online') ?? 'online', offline: av.string('offline') ?? 'offline' };
  }
  const names = new Set<string>();
  const tags = r.list(
    'tags',
    (t): MqttTag => {
      t.only(['name', 'description', 'unit', 'type', 'scale', 'offset', 'access', 'topic', 'path', 'values', 'invalid', 'quality', 'command']);
      const name = t.string('name', { required: true, pattern: TAG_NAME, rule: 'must be letters, digits, _ . - (at most 64), starting with a letter, digit or _' });
      if (names.has(name)) t.fail('name', `tag '${name}' is declared twice`);
      names.add(name);
      const topic = t.string('topic') ?? (topics.length === 1 ? topics[0].topic : t.fail('topic', `is required: the profile has ${topics.length} topics`));
      const ofTopic = topics.find((x) => x.topic === topic) ?? t.fail('topic', `'${topic}' is not one of mqtt.topics (${topics.map((x) => x.topic).join(', ')})`);
      const path = t.jsonPath('path');
      if (ofTopic.format === 'json' && !path) t.fail('path', `is required: ${topic} carries JSON`);
      if (ofTopic.format === 'plain' && path) t.fail('path', `${topic} carries plain values: a path has nothing to read`);
      const type = t.oneOf('type', ['number', 'boolean', 'string'], 'number');
      const scale = t.number('scale', { default: 1, nonZero: true });
      const offset = t.number('offset', { default: 0 });
      if (type !== 'number' && (scale !== 1 || offset !== 0)) t.fail(scale !== 1 ? 'scale' : 'offset', `only a number tag is scaled (this one is ${type})`);
      const access = t.oneOf('access', ['r', 'rw'], 'r');
      const invalid = t.scalars('invalid');
      if (invalid?.some((v) => typeof v !== 'number')) t.fail('invalid', 'lists numbers a device sends for "no reading"');
      const q = t.object('quality');
      let quality: MqttTag['quality'];
      if (q) {
        q.only(['path', 'good', 'bad']);
        const qp = q.jsonPath('path') ?? q.fail('path', 'is required');
        if (ofTopic.format !== 'json') q.fail('path', `${topic} carries plain values: quality needs a JSON field`);
        quality = { path: qp, good: q.scalars('good') ?? q.fail('good', 'is required: the values that mean good'), bad: q.scalars('bad') ?? [] };
      }
      const c = t.object('command');
      const command = c ? readCommand(c) : undefined;
      if (command && access !== 'rw') t.fail('command', 'only a writable tag (access: rw) has a command');
      if (access === 'rw' && !command) t.fail('access', 'a writable tag needs a command (topic and payload)');
      return {
        name,
        description: t.string('description'),
        unit: t.string('unit'),
        type,
        scale,
        offset,
        access,
        topic,
        path,
        values: t.dictionary('values'),
        invalid: invalid as number[] | undefined,
        quality,
        command,
      };
    },
    { required: true },
  );
  return { ...base, protocol: 'mqtt', topics, tags, availability, interval, staleAfter };
}

function readCommand(c: FieldReader): MqttCommand {
  c.only(['topic', 'payload', 'values', 'confirm']);
  const topic = c.string('topic', { required: true });
  checkTopic(c, 'topic', topic, true);
  const payload = c.string('payload') ?? '{value}';
  const values = c.dictionary('values');
  const k = c.object('confirm');
  let confirm: MqttCommand['confirm'];
  if (k) {
    k.only(['topic', 'path', 'format', 'timeout']);
    const ct = k.string('topic', { required: true });
    checkTopic(k, 'topic', ct, true);
    const path = k.jsonPath('path');
    const format = k.oneOf('format', ['json', 'plain'], path ? 'json' : 'plain');
    if (format === 'json' && !path) k.fail('path', 'is required for a JSON confirmation');
    confirm = { topic: ct, path, format, timeoutS: k.number('timeout', { default: 5, positive: true }) };
  }
  return { topic, payload, values: values && Object.fromEntries(Object.entries(values).map(([key, v]) => [key, String(v)])), confirm };
}

function readModbusProfile(r: FieldReader, src: SourceText, base: Omit<ModbusProfile, 'protocol' | 'tags' | 'notation' | 'groups' | 'defaults'>): ModbusProfile {
  r.only([...COMMON, 'modbus']);
  const m = r.object('modbus', true)!;
  m.only(['notation', 'defaults', 'groups']);
  const notation = m.oneOf('notation', ['zero', 'one', 'modicon'], 'zero');
  const defaults = m.object('defaults')?.obj;
  const groups = m.list('groups', (g) => {
    g.only(['name', 'interval']);
    return { name: g.string('name', { required: true }), interval: g.number('interval', { default: 1000, positive: true }) };
  });
  const rows = r.list('tags', (t) => t.obj, { required: true });
  const checked = readTagTableJson(rows, { notation, groups: groups.length ? groups.map((g) => g.name) : undefined });
  const first = checked.errors[0];
  if (first) {
    const entry = first.entry !== undefined ? first.entry - 1 : undefined;
    const path = entry === undefined ? ['tags'] : first.field && first.field !== '(entry)' ? ['tags', entry, first.field] : ['tags', entry];
    throw new ProfileError(src.file, src.lineOf(path), fieldName(path), first.reason);
  }
  return { ...base, protocol: 'modbus', notation, defaults, groups, tags: rows };
}
