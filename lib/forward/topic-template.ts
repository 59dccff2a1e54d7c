// Topic templates of forwarded messages, e.g. "devices/{device}/data". Placeholders:
//   {topic}        msg.topic
//   {device}       msg.tag.device, else msg.tags[0].device, else the first segment of msg.topic
//   {tag}          msg.tag.name, else msg.topic after its first "/"
//   {queue} {seq} {id}   the queue's name, the message's seq and UUID
//   {msg.a.b}      any field of the message by dot path (e.g. {msg.site}, {msg.tag.unit})
// An empty template means "{topic}". Unknown placeholders fail at deploy; a placeholder with no
// value in a message, or a value that would make an invalid topic (+, #, empty), rejects that
// message (dead letter) with an error naming the placeholder and the seq.
import { messageHead, type MessageHead, type QueuedMessage } from './destination';
import { textOf } from '../system/text/text-of';

export class TopicTemplateError extends Error {
  constructor(
    readonly template: string,
    readonly placeholder: string,
    message: string,
  ) {
    super(`topic template "${template}": ${message}`);
    this.name = 'TopicTemplateError';
  }
}

type Part = string | { name: string; get: (m: QueuedMessage) => unknown };

const head = (m: QueuedMessage): MessageHead => m.head ?? messageHead(m.msg);

const NAMED: Record<string, (m: QueuedMessage) => unknown> = {
  topic: (m) => head(m).topic,
  device: (m) => head(m).device,
  tag: (m) => head(m).tag,
  queue: (m) => m.queue,
  seq: (m) => m.seq,
  id: (m) => m.id,
};

export class TopicTemplate {
  private readonly parts: Part[] = [];

  constructor(readonly template: string) {
    const text = template.trim() || '{topic}';
    const re = /\{([^{}]*)\}/g;
    let last = 0;
    for (let m = re.exec(text); m; m = re.exec(text)) {
      if (m.index > last) this.parts.push(text.slice(last, m.index));
      this.parts.push(placeholder(template, m[1].trim()));
      last = m.index + m[0].length;
    }
    if (last < text.length) this.parts.push(text.slice(last));
    for (const p of this.parts) {
      if (typeof p === 'string' && /[{}]/.test(p)) throw new TopicTemplateError(template, p, `unbalanced brace in "${p}"`);
      if (typeof p === 'string' && /[+#]/.test(p)) throw new TopicTemplateError(template, p, 'a publish topic cannot contain + or #');
    }
  }

  /** The topic of one message; throws TopicTemplateError naming the placeholder and seq. */
  render(m: QueuedMessage): string {
    let out = '';
    for (const p of this.parts) {
      if (typeof p === 'string') {
        out += p;
        continue;
      }
      const v = p.get(m);
      if (v === undefined || v === null || v === '' || typeof v === 'object') {
        throw new TopicTemplateError(this.template, p.name, `{${p.name}} has no ${v && typeof v === 'object' ? 'scalar ' : ''}value in message seq ${m.seq}`);
      }
      const s = textOf(v);
      if (/[+#\u0000]/.test(s)) throw new TopicTemplateError(this.template, p.name, `{${p.name}} of message seq ${m.seq} is "${s}", which has + or # (not allowed in a publish topic)`);
      out += s;
    }
    if (!out) throw new TopicTemplateError(this.template, '', `empty topic for message seq ${m.seq}`);
    return out;
  }
}

function placeholder(template: string, name: string): Part {
  if (NAMED[name]) return { name, get: NAMED[name] };
  if (name.startsWith('msg.') && name.length > 4) {
    const path = name.slice(4).split('.');
    if (path.some((k) => !k)) throw new TopicTemplateError(template, name, `{${name}}: empty field name in the path`);
    return {
      name,
      get: (m) => path.reduce<unknown>((o, k) => (o && typeof o === 'object' ? (o as Record<string, unknown>)[k] : undefined), m.msg),
    };
  }
  throw new TopicTemplateError(
    template,
    name,
    `unknown placeholder {${name}} (known: ${Object.keys(NAMED)
      .map((k) => `{${k}}`)
      .join(' ')} {msg.<field>})`,
  );
}
