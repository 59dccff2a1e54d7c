// The forward-target config node's editor: where store-and-forward sends (MQTT, HTTP, InfluxDB,
// PostgreSQL). The type decides which fields count: a field of another type is never an error.
import { field } from '../fields/validator';

interface ForwardTargetNode extends EditorNodeInstance {
  kind?: string;
  url?: string;
  method?: string;
  influxVersion?: string;
  database?: string;
  bucket?: string;
  host?: string;
  port?: number | string;
  table?: string;
}

/** What a property holds: the form's text, a number or a ticked box, or nothing yet. */
type FieldValue = string | number | boolean | null | undefined;
type Check = (this: ForwardTargetNode, v: FieldValue) => boolean;

const EXAMPLE_URL: Record<string, string | undefined> = { mqtt: 'mqtt://127.0.0.1:1883', http: 'http://127.0.0.1:8080/telemetry', influxdb: 'http://127.0.0.1:8086' };

/** A field as the open dialog has it, else as the node saved it. */
function formValue(node: ForwardTargetNode, name: string): FieldValue {
  const input = $(`#node-config-input-${name}`);
  return input.length ? (input.is(':checkbox') ? input.is(':checked') : input.val()) : (node[name] as FieldValue);
}
const kindOf = (node: ForwardTargetNode): FieldValue => formValue(node, 'kind') || 'mqtt';
const versionOf = (node: ForwardTargetNode): FieldValue => formValue(node, 'influxVersion') || 'v1';
function blankOr(test: (s: string) => boolean): (v: FieldValue) => boolean {
  return (v) => v === '' || v === undefined || v === null || test(String(v).trim());
}
function onlyFor(kinds: string[], test: Check): Check {
  return function (v) {
    return !kinds.includes(String(kindOf(this))) || test.call(this, v);
  };
}
const required = (v: FieldValue): boolean => String(v === undefined || v === null ? '' : v).trim() !== '';
const IDENT = '[A-Za-z_][A-Za-z0-9_$]{0,62}';

RED.nodes.registerType<ForwardTargetNode>('edgegw-forward-target', {
  category: 'config',
  defaults: {
    name: { value: '' },
    version: { value: 1 },
    kind: field('forward-target', 'kind'),
    url: {
      value: 'mqtt://127.0.0.1:1883',
      validate(v: FieldValue) {
        const k = kindOf(this);
        const s = String(v || '').trim();
        if (/^\$\{[^}]+\}$/.test(s)) return true; // an environment variable, substituted at start
        if (k === 'mqtt') return /^(mqtts?|wss?|tcp|ssl):\/\/[^\s]+$/.test(s);
        if (k === 'http' || k === 'influxdb') return /^https?:\/\/[^\s]+$/.test(s);
        return true;
      },
    },
    clientId: { value: '' },
    qos: field('forward-target', 'qos'),
    protocolVersion: field('forward-target', 'protocolVersion'),
    topic: {
      value: 'devices/{device}/data',
      validate: onlyFor(['mqtt'], (v) => {
        const s = String(v || '');
        return !/[+#]/.test(s.replace(/\{[^{}]*\}/g, '')) && !/\{(?!(topic|device|tag|queue|seq|id|msg\.[^{}.]+(\.[^{}.]+)*)\})[^}]*\}/.test(s);
      }),
    },
    retain: field('forward-target', 'retain'),
    publish: field('forward-target', 'publish'),
    method: field('forward-target', 'method'),
    batching: field('forward-target', 'batching'),
    content: field('forward-target', 'content'),
    headers: {
      value: '',
      validate: onlyFor(
        ['http'],
        blankOr((s) => {
          try {
            const o: unknown = JSON.parse(s);
            return typeof o === 'object' && o !== null && !Array.isArray(o);
          } catch {
            return false;
          }
        }),
      ),
    },
    retryStatuses: {
      value: '408, 429',
      validate: onlyFor(
        ['http'],
        blankOr((s) => s.split(',').every((x) => /^4\d\d$/.test(x.trim()))),
      ),
    },
    influxVersion: field('forward-target', 'influxVersion'),
    database: {
      value: '',
      validate(v: FieldValue) {
        const k = kindOf(this);
        return !((k === 'influxdb' && versionOf(this) === 'v1') || k === 'postgres') || required(v);
      },
    },
    retentionPolicy: { value: '' },
    org: {
      value: '',
      validate(v: FieldValue) {
        return !(kindOf(this) === 'influxdb' && versionOf(this) === 'v2') || required(v);
      },
    },
    bucket: {
      value: '',
      validate(v: FieldValue) {
        return !(kindOf(this) === 'influxdb' && versionOf(this) === 'v2') || required(v);
      },
    },
    valueFields: field('forward-target', 'valueFields'),
    nonTagMessages: field('forward-target', 'nonTagMessages'),
    fallbackMeasurement: { value: '', validate: blankOr((s) => !/[\r\n]/.test(s) && !s.startsWith('#')) },
    host: { value: '127.0.0.1', validate: onlyFor(['postgres'], required) },
    port: field('forward-target', 'port'),
    table: { value: '', validate: onlyFor(['postgres'], (v) => new RegExp(`^(${IDENT}\\.)?${IDENT}$`).test(String(v || '').trim())) },
    createTable: field('forward-target', 'createTable'),
    timeoutMs: field('forward-target', 'timeoutMs'),
    maxInFlight: field('forward-target', 'maxInFlight'),
    maxBatch: field('forward-target', 'maxBatch'),
    usetls: field('forward-target', 'usetls'),
    ca: { value: '' },
    cert: { value: '' },
    servername: { value: '' },
    rejectUnauthorized: field('forward-target', 'rejectUnauthorized'),
  },
  credentials: { user: { type: 'text' }, password: { type: 'password' }, key: { type: 'password' }, bearerToken: { type: 'password' }, token: { type: 'password' } },
  label() {
    if (this.name) return this.name;
    if (this.kind === 'postgres') return `postgres://${this.host || '127.0.0.1'}:${this.port || 5432}/${this.database || ''} ${this.table || ''}`;
    if (this.kind === 'http') return `${this.method || 'POST'} ${String(this.url)}`;
    if (this.kind === 'influxdb') return `${String(this.url)} ${this.influxVersion === 'v2' ? this.bucket || '' : this.database || ''}`;
    return String(this.url);
  },
  paletteLabel: 'forward target',
  oneditprepare() {
    let lastKind = $('#node-config-input-kind').val() || 'mqtt';
    const show = (): void => {
      const kind = $('#node-config-input-kind').val() || 'mqtt';
      const tokens = [kind, `${kind}:${$('#node-config-input-influxVersion').val() || 'v1'}`];
      const tls = $('#node-config-input-usetls').is(':checked');
      $('#forward-target-form [data-kinds]').each(function () {
        const row = $(this);
        const kinds = (row.attr('data-kinds') ?? '').split(' ');
        const needsTls = (row.attr('data-tls') || '').split(' ').includes(kind);
        row.toggle(tokens.some((t) => kinds.includes(t)) && (!needsTls || tls));
      });
      const url = $('#node-config-input-url');
      const example = EXAMPLE_URL[kind];
      if (kind !== lastKind && (url.val() === '' || url.val() === EXAMPLE_URL[lastKind]) && example) url.val(example);
      url.attr('placeholder', example || '');
      const batchPlaceholder: Record<string, string> = { mqtt: '25', http: $('#node-config-input-batching').val() === 'array' ? '100' : '10', influxdb: '1000', postgres: '1000' };
      $('#node-config-input-maxBatch').attr('placeholder', batchPlaceholder[kind]);
      $('#node-config-input-timeoutMs').attr('placeholder', kind === 'postgres' ? '30000' : '10000');
      $('#forward-target-form .fwd-help').hide();
      $(`#forward-target-form .fwd-help-${kind}`).show();
      lastKind = kind;
      // re-check the fields whose rules depend on the type
      for (const f of ['url', 'database', 'org', 'bucket', 'table', 'topic', 'headers', 'retryStatuses', 'host', 'port']) $(`#node-config-input-${f}`).trigger('change');
    };
    $('#node-config-input-kind, #node-config-input-influxVersion, #node-config-input-usetls, #node-config-input-batching').on('change', show);
    show();
  },
});
