// MqttDestination: forwards queued messages to an MQTT broker with QoS 1 (PUBACK is the ack) or
// QoS 2 (PUBCOMP is the ack), MQTT 5 or 3.1.1, TLS, username/password, topic templates, retain.
// Each message carries seq, id and queue: as top-level fields when its payload is a JSON object,
// and always as MQTT 5 user properties, so a consumer can prove that nothing is missing.
//
// The queue, not mqtt.js, owns redelivery: nothing is published while disconnected, and messages
// in flight when the connection drops are taken out of mqtt.js's store and reported 'retry', so
// the forwarder resends them in order instead of mqtt.js replaying them on its own.
import { ConfigFieldError, readValue, type FieldValue } from '../config/fields';
import { MQTT_SETTINGS } from './fields';
import { connect, type IClientOptions, type IClientPublishOptions, type MqttClient } from 'mqtt';
import type { DeliveryOutcome, Destination, DestinationStatus, QueuedMessage } from './destination';
import { TopicTemplate, TopicTemplateError } from './topic-template';
import { redactSecrets, redactUrl } from '../system/text/redact';

export interface MqttDestinationOptions {
  /** mqtt://, mqtts://, ws://, wss:// */
  url: string;
  clientId?: string;
  username?: string;
  password?: string;
  /** 5 (default) or 4 (3.1.1) */
  protocolVersion?: 4 | 5;
  qos?: 1 | 2;
  /** see lib/forward/topic-template.ts; empty = "{topic}" */
  topic?: string;
  retain?: boolean;
  /** what is published: msg.payload (default) or the whole message { topic, payload, tag/tags, ... } as JSON */
  publish?: 'payload' | 'message';
  maxInFlight?: number;
  maxBatch?: number;
  keepaliveS?: number;
  connectTimeoutMs?: number;
  reconnectMs?: number;
  tls?: { ca?: string; cert?: string; key?: string; rejectUnauthorized?: boolean; servername?: string };
}

export class MqttDestinationConfigError extends ConfigFieldError {
  constructor(field: string, message: string, value?: unknown) {
    super(field, value, message, 'mqtt destination ');
    this.name = 'MqttDestinationConfigError';
  }
}

export class MqttDestination implements Destination {
  readonly describe: string;
  readonly maxBatch: number;
  readonly maxInFlight: number;
  /** one connection: PUBACK/PUBCOMP come back in publish order, so a failure is always a suffix */
  readonly ordered = true;
  private readonly qos: 1 | 2;
  private readonly v5: boolean;
  private readonly retain: boolean;
  private readonly publishWhat: 'payload' | 'message';
  private readonly topic: TopicTemplate;
  private client: MqttClient | undefined;
  private current: DestinationStatus = { state: 'disconnected' };
  private readonly listeners = new Set<(s: DestinationStatus) => void>();
  private closed = false;

  constructor(private readonly o: MqttDestinationOptions) {
    let url: URL;
    try {
      url = new URL(o.url);
    } catch {
      throw new MqttDestinationConfigError('url', `"${redactUrl(o.url)}" is not a URL (e.g. mqtt://127.0.0.1:1883)`);
    }
    if (!['mqtt:', 'mqtts:', 'ws:', 'wss:', 'tcp:', 'ssl:'].includes(url.protocol)) throw new MqttDestinationConfigError('url', `scheme ${url.protocol} is not mqtt:, mqtts:, ws: or wss:`);
    this.describe = redactUrl(url).replace(/\/$/, '');
    this.qos = mqttSetting('qos', o.qos) as 1 | 2;
    this.v5 = mqttSetting('protocolVersion', o.protocolVersion) === 5;
    this.retain = !!o.retain;
    this.publishWhat = o.publish ?? 'payload';
    this.maxInFlight = mqttSetting('maxInFlight', o.maxInFlight);
    // several batches in the window keep the pipe full: a batch's slot frees only when all of it is acked
    this.maxBatch = Math.min(this.maxInFlight, mqttSetting('maxBatch', o.maxBatch) ?? Math.max(1, Math.floor(this.maxInFlight / 4)));
    try {
      this.topic = new TopicTemplate(o.topic ?? '');
    } catch (err) {
      throw new MqttDestinationConfigError('topic', (err as Error).message);
    }
  }

  status(): DestinationStatus {
    return this.current;
  }

  onStatus(listener: (s: DestinationStatus) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  start(): Promise<void> {
    if (this.closed) return Promise.reject(new Error(`${this.describe}: the destination is closed`));
    const client = (this.client ??= this.createClient());
    if (client.connected) return Promise.resolve();
    return new Promise<void>((resolve, reject) => {
      const timer = setTimeout(
        () => finish(new Error(`${this.describe}: not connected within ${this.o.connectTimeoutMs ?? 10_000} ms${this.current.detail ? ` (${this.current.detail})` : ''}`)),
        this.o.connectTimeoutMs ?? 10_000,
      );
      const off = this.onStatus((s) => {
        if (s.state === 'connected') finish();
        else if (s.state === 'error') finish(new Error(`${this.describe}: ${s.detail}`));
      });
      const finish = (err?: Error) => {
        clearTimeout(timer);
        off();
        if (err) reject(err);
        else resolve();
      };
    });
  }

  send(batch: readonly QueuedMessage[]): Promise<DeliveryOutcome[]> {
    const client = this.client;
    if (!client || !client.connected || this.closed) {
      const error = `not connected to ${this.describe}`;
      return Promise.resolve(batch.map((m) => ({ seq: m.seq, status: 'retry', error })));
    }
    // one promise for the batch, not one per message (with Promise.all over them): at 10,000
    // messages/s every promise per message shows in the drain's CPU profile
    return new Promise<DeliveryOutcome[]>((resolve) => {
      const outcomes: DeliveryOutcome[] = new Array<DeliveryOutcome>(batch.length);
      let left = batch.length;
      if (left === 0) return resolve(outcomes);
      const settle = (i: number, o: DeliveryOutcome) => {
        outcomes[i] = o;
        if (--left === 0) resolve(outcomes);
      };
      for (let i = 0; i < batch.length; i++) this.publish(client, batch[i], i, settle);
    });
  }

  /** Publishes one message; `settle(i, outcome)` is called once, when its fate is known. */
  private publish(client: MqttClient, m: QueuedMessage, i: number, settle: (i: number, o: DeliveryOutcome) => void): void {
    let topic: string;
    let payload: string | Buffer;
    try {
      topic = this.topic.render(m);
      payload = encodePayload(m, this.publishWhat);
    } catch (err) {
      return settle(i, { seq: m.seq, status: 'rejected', error: (err as Error).message });
    }
    const opts: IClientPublishOptions = this.v5
      ? { qos: this.qos, retain: this.retain, properties: { userProperties: { seq: String(m.seq), id: m.id, queue: m.queue } } }
      : { qos: this.qos, retain: this.retain };
    client.publish(topic, payload, opts, (err) => {
      if (!err) settle(i, { seq: m.seq, status: 'delivered' });
      else if (/topic|payload|malformed|not authori[sz]ed|Invalid/i.test(err.message) && !/closed|removed|disconnect/i.test(err.message))
        settle(i, { seq: m.seq, status: 'rejected', error: `${this.describe}: ${err.message}` });
      else settle(i, { seq: m.seq, status: 'retry', error: `${this.describe}: ${err.message}` });
    });
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    const client = this.client;
    this.client = undefined;
    if (!client) return;
    this.dropInFlight(client);
    await new Promise<void>((resolve) => client.end(true, {}, () => resolve()));
    client.removeAllListeners();
    this.setStatus({ state: 'disconnected', detail: 'closed' });
    this.listeners.clear();
  }

  private createClient(): MqttClient {
    const o = this.o;
    const opts: IClientOptions = {
      clientId: o.clientId,
      username: o.username || undefined,
      password: o.password || undefined,
      protocolVersion: this.v5 ? 5 : 4,
      clean: true,
      keepalive: o.keepaliveS ?? 30,
      connectTimeout: o.connectTimeoutMs ?? 10_000,
      reconnectPeriod: o.reconnectMs ?? 1000,
      ...(o.tls?.ca ? { ca: o.tls.ca } : {}),
      ...(o.tls?.cert ? { cert: o.tls.cert } : {}),
      ...(o.tls?.key ? { key: o.tls.key } : {}),
      ...(o.tls?.servername ? { servername: o.tls.servername } : {}),
      ...(o.tls ? { rejectUnauthorized: o.tls.rejectUnauthorized !== false } : {}),
    };
    this.setStatus({ state: 'connecting' });
    const client = connect(o.url, opts);
    client.on('connect', () => this.setStatus({ state: 'connected' }));
    client.on('reconnect', () => this.setStatus({ state: 'connecting', detail: this.current.detail }));
    client.on('close', () => {
      this.dropInFlight(client);
      if (!this.closed && this.current.state !== 'error') this.setStatus({ state: 'disconnected', detail: this.current.detail });
    });
    client.on('offline', () => {
      if (this.current.state !== 'error') this.setStatus({ state: 'disconnected', detail: this.current.detail });
    });
    // mqtt.js keeps reconnecting after an error; the status says why until it connects
    client.on('error', (err: Error) => this.setStatus({ state: 'error', detail: redactSecrets(err.message, [o.password]) }));
    return client;
  }

  /** Messages sent on a connection that closed: out of mqtt.js's store, reported 'retry'. */
  private dropInFlight(client: MqttClient): void {
    const outgoing = (client as unknown as { outgoing?: Record<string, unknown> }).outgoing ?? {};
    for (const id of Object.keys(outgoing)) client.removeOutgoingMessage(Number(id));
  }

  private setStatus(s: DestinationStatus): void {
    if (s.state === this.current.state && s.detail === this.current.detail) return;
    this.current = s;
    for (const l of [...this.listeners]) l(s);
  }
}

/** The published bytes: a JSON object payload gains seq, id, queue as top-level fields. */
export function encodePayload(m: QueuedMessage, what: 'payload' | 'message'): string | Buffer {
  const meta = { seq: m.seq, id: m.id, queue: m.queue };
  if (what === 'message') return JSON.stringify({ ...m.msg, ...meta });
  // the payload's JSON text from the enqueue: msg is never parsed. A text that may have a key of
  // meta (the words anywhere in it) takes the exact path below instead.
  if (m.payloadJson !== undefined && !META_KEYS.some((k) => m.payloadJson!.includes(`"${k}"`))) return withMeta(m.payloadJson, meta);
  const p = m.msg.payload;
  if (p === undefined || p === null) return '';
  if (typeof p === 'string') return p;
  if (typeof p === 'number' || typeof p === 'boolean') return String(p);
  if (isBufferJson(p)) return Buffer.from(p.data);
  if (Array.isArray(p)) return JSON.stringify(p);
  if (typeof p === 'object') return objectWithMeta(p as Record<string, unknown>, meta);
  throw new TopicTemplateError('', 'payload', `payload of message seq ${m.seq} cannot be published`);
}

const META_KEYS = ['seq', 'id', 'queue'] as const;

/**
 * JSON of `{ ...p, ...meta }`. A scan's payload has a key per tag: spreading a 1,000-key object
 * builds a slow dictionary-mode copy just to stringify it, so the meta fields are appended to
 * the payload's own JSON text instead (same text as the spread whenever p has no key of meta).
 */
function objectWithMeta(p: Record<string, unknown>, meta: { seq: number; id: string; queue: string }): string {
  if (META_KEYS.some((k) => Object.prototype.hasOwnProperty.call(p, k))) return JSON.stringify({ ...p, ...meta });
  const json = JSON.stringify(p);
  // an object with its own toJSON may turn into anything: only a JSON object text is extended
  if (typeof json !== 'string' || json[0] !== '{' || json[json.length - 1] !== '}') return JSON.stringify({ ...p, ...meta });
  return withMeta(json, meta);
}

/** A JSON object text with seq, id, queue appended as its last keys. */
function withMeta(json: string, meta: { seq: number; id: string; queue: string }): string {
  const tail = `"seq":${JSON.stringify(meta.seq)},"id":${JSON.stringify(meta.id)},"queue":${JSON.stringify(meta.queue)}}`;
  return json === '{}' ? `{${tail}` : `${json.slice(0, -1)},${tail}`;
}

function isBufferJson(p: unknown): p is { type: 'Buffer'; data: number[] } {
  return !!p && typeof p === 'object' && (p as { type?: unknown }).type === 'Buffer' && Array.isArray((p as { data?: unknown }).data);
}

/** A setting read with its declaration (lib/forward/fields.ts); a refused value is an MqttDestinationConfigError. */
export function mqttSetting<K extends keyof typeof MQTT_SETTINGS>(field: K, value: unknown): FieldValue<(typeof MQTT_SETTINGS)[K]> {
  try {
    return readValue(field, MQTT_SETTINGS[field], value);
  } catch (err) {
    if (err instanceof ConfigFieldError) throw new MqttDestinationConfigError(field, err.reason, value);
    throw err;
  }
}
