// The operator API's one OpenAPI 3.1 document. It is served at GET <base>/openapi.json and it is
// the source of request validation: the parameter and request body schemas below are compiled by
// Ajv (validate.ts), so what the document says a request may be is what the API accepts.
// Every operationId names a handler (routes.ts); the router refuses to start when the two differ.

import { DEVICE_ID } from '../registry/identity';
import { DEVICE_STATUSES } from '../registry/record';

type Json = Record<string, unknown>;

export const API_VERSION = '1.0.0';

/** A tag or device name in a path: one segment, percent-encoded as needed. */
const NAME = { type: 'string', minLength: 1, maxLength: 250 };
const TAG_VALUE = { oneOf: [{ type: 'number' }, { type: 'boolean' }, { type: 'string', maxLength: 65535 }] };

const ref = (name: string): Json => ({ $ref: `#/components/schemas/${name}` });
const json = (schema: Json, description: string): Json => ({ description, content: { 'application/json': { schema } } });
const problem = (description: string): Json => json(ref('Error'), description);

/** The answers every guarded operation may give besides its own. */
const REFUSALS: Json = {
  '400': problem('The request does not match this document; `field` names the part at fault'),
  '401': problem('No or bad credentials (WWW-Authenticate says which scheme)'),
  '403': problem('The credentials lack the scope, or the caller is not on loopback while no API keys are configured'),
  '429': problem('Too many requests; Retry-After says when to try again'),
};

const query = (name: string, schema: Json, description: string, required = false): Json => ({ name, in: 'query', required, description, schema });
const path = (name: string, description: string): Json => ({ name, in: 'path', required: true, description, schema: NAME });

function op(id: string, summary: string, tag: string, scope: 'read' | 'write', responses: Json, extra: Json = {}): Json {
  return { operationId: id, summary, tags: [tag], security: [{ bearer: [scope] }], 'x-scope': scope, ...extra, responses: { ...responses, ...REFUSALS } };
}

const WRITE_ANSWERS: Json = {
  '200': json(ref('WriteAnswer'), 'Written; each tag with the value requested, the value the device holds after encoding, the old value and the value read back'),
  '404': problem('No such device'),
  '409': problem('The device refuses writes now (its identity is not verified), or a later write replaced this one before it was sent'),
  '413': problem('The request body is larger than the limit'),
  '415': problem('The request body is not application/json'),
  '422': problem('A value is refused (unknown tag, read-only in the tag table, wrong type, out of range); nothing was written. `field` names the tag, `problems` lists every one'),
  '502': problem('The device did not take the write; `written`, `failed` and `notAttempted` name the tags'),
  '503': problem('The device is stopping'),
};

export function openApiDocument(basePath = '/api'): Json {
  return {
    openapi: '3.1.0',
    info: {
      title: 'edge-gateway operator API',
      version: API_VERSION,
      description: 'Tags, writes, devices, alarms, queues, history, audit trail and health of one edge gateway.',
      license: { name: 'Apache-2.0', identifier: 'Apache-2.0' },
    },
    servers: [{ url: basePath, description: 'this gateway' }],
    security: [{ bearer: [] }],
    tags: [
      { name: 'tags', description: 'Current tag values and writes' },
      { name: 'devices', description: 'Polled devices' },
      { name: 'alarms', description: 'The active alarm list' },
      { name: 'queues', description: 'Store-and-forward queues' },
      { name: 'history', description: 'Stored samples and the audit trail' },
      { name: 'stream', description: 'Live changes: tags, alarm events, queue state' },
      { name: 'system', description: 'Health and this document' },
    ],
    paths: {
      '/tags': {
        get: op(
          'listTags',
          'Current tag values',
          'tags',
          'read',
          { '200': json({ type: 'array', items: ref('Tag') }, 'Every tag of every tag store that matches') },
          {
            parameters: [query('device', NAME, 'Only the tags of this device'), query('prefix', { type: 'string', maxLength: 500 }, 'Only the tags whose "<device>/<tag>" starts with this')],
          },
        ),
      },
      '/tags/{device}/{tag}': {
        get: op(
          'getTag',
          'One tag value',
          'tags',
          'read',
          { '200': json(ref('Tag'), 'The tag'), '404': problem('No such tag') },
          { parameters: [path('device', 'Device name'), path('tag', 'Tag name')] },
        ),
        put: op('putTag', 'Write one tag', 'tags', 'write', WRITE_ANSWERS, {
          parameters: [path('device', 'Device name (the tag store user device for user tags)'), path('tag', 'Tag name')],
          requestBody: { required: true, content: { 'application/json': { schema: { type: 'object', required: ['value'], additionalProperties: false, properties: { value: TAG_VALUE } } } } },
        }),
      },
      '/devices': {
        get: op('listDevices', 'Polled devices', 'devices', 'read', {
          '200': json({ type: 'array', items: ref('Device') }, 'Status, last poll, error counts, breaker state and identity of each device'),
        }),
      },
      '/devices/{device}/write': {
        post: op('writeDevice', 'Write several tags of one device at once', 'devices', 'write', WRITE_ANSWERS, {
          parameters: [path('device', 'Device name (the tag store user device for user tags)')],
          requestBody: {
            required: true,
            content: { 'application/json': { schema: { type: 'object', minProperties: 1, maxProperties: 1000, additionalProperties: TAG_VALUE, propertyNames: NAME } } },
          },
        }),
      },
      '/alarms': {
        get: op('listAlarms', 'The active alarm list', 'alarms', 'read', { '200': json({ type: 'array', items: ref('Alarm') }, 'Every alarm of every alarm node, highest severity first') }),
      },
      '/alarms/{id}/ack': {
        post: op(
          'ackAlarm',
          'Acknowledge an alarm, or every one with "all"',
          'alarms',
          'write',
          {
            '200': json({ type: 'object', required: ['acknowledged'], properties: { acknowledged: { type: 'array', items: ref('Alarm') } } }, 'The state changes the acknowledgement made'),
            '404': problem('No such alarm in the active list'),
          },
          { parameters: [path('id', 'Alarm id, or "all"')] },
        ),
      },
      '/queues': {
        get: op('listQueues', 'Store-and-forward queues', 'queues', 'read', {
          '200': json({ type: 'array', items: { type: 'object' } }, 'Depth, oldest message, destination state and drops of each queue'),
        }),
      },
      '/health': {
        get: op('getHealth', 'Gateway health (the same as /health)', 'system', 'read', {
          '200': json({ type: 'object' }, 'ok or degraded'),
          '503': json({ type: 'object' }, 'down: the flows are not running'),
        }),
      },
      '/history': {
        get: op(
          'getHistory',
          'Stored samples of a tag, optionally downsampled',
          'history',
          'read',
          {
            '200': {
              description: 'Rows as JSON, or CSV with format=csv',
              content: { 'application/json': { schema: { type: 'array', items: ref('HistoryRow') } }, 'text/csv': { schema: { type: 'string' } } },
            },
            '404': problem('No historian is running'),
          },
          {
            parameters: [
              query('tag', { type: 'string', pattern: '^[^/].*/[^/]+$', maxLength: 500 }, '"<device>/<tag>"', true),
              query('from', { type: 'string', maxLength: 40 }, 'Epoch ms or an ISO date (default: an hour before `to`)'),
              query('to', { type: 'string', maxLength: 40 }, 'Epoch ms or an ISO date (default: now)'),
              query('step', { type: 'integer', minimum: 1 }, 'Downsampling step in ms (default: the stored samples)'),
              query('agg', { type: 'string', enum: ['min', 'max', 'avg', 'last', 'count'] }, 'Aggregate per step (default avg with a step, else last)'),
              query('format', { type: 'string', enum: ['json', 'csv'] }, 'Answer format (default json)'),
              query('limit', { type: 'integer', minimum: 1, maximum: 1000000 }, 'Rows at most'),
            ],
          },
        ),
      },
      '/audit': {
        get: op(
          'getAudit',
          'The audit trail: writes, acknowledgements, deploys, logins',
          'history',
          'read',
          { '200': json({ type: 'array', items: ref('AuditRecord') }, 'Records in the range, oldest first') },
          {
            parameters: [
              query('from', { type: 'string', maxLength: 40 }, 'Epoch ms or an ISO date'),
              query('to', { type: 'string', maxLength: 40 }, 'Epoch ms or an ISO date'),
              query('kind', { type: 'string', enum: ['write', 'alarm-ack', 'deploy', 'login', 'auth-failed', 'api-key'] }, 'Only records of this kind'),
              query('limit', { type: 'integer', minimum: 1, maximum: 10000 }, 'At most this many records, the latest of the range (default 1000)'),
            ],
          },
        ),
      },
      '/stream': {
        get: op(
          'streamEvents',
          'Live stream of tag changes, alarm events and queue state',
          'stream',
          'read',
          {
            '200': {
              description:
                'Server-Sent Events: `event: tags|alarm|queue|error` with one `data:` line of JSON each. The same path upgrades to a WebSocket (one JSON frame per event). A client that does not read is dropped once its backlog passes the limit (SSE `event: error`, WebSocket close 1008), with the reason',
              content: { 'text/event-stream': { schema: { type: 'string' } } },
            },
            '503': problem('Too many stream clients; Retry-After says when to try again'),
          },
          {
            parameters: [
              query('device', { type: 'string', maxLength: 2000 }, 'Only these devices (comma-separated)'),
              query('tag', { type: 'string', maxLength: 2000 }, 'Only these tags: "<device>/<tag>", or a prefix ending in * (comma-separated)'),
              query('minInterval', { type: 'integer', minimum: 0, maximum: 3600000 }, 'At most one change per tag in this many ms (the latest value is sent)'),
              query('events', { type: 'string', pattern: '^(tags|alarms|queues)(,(tags|alarms|queues))*$' }, 'Which kinds of events (default all)'),
              query('access_token', { type: 'string', maxLength: 4000 }, 'The bearer credential, for browsers whose EventSource and WebSocket cannot set the Authorization header'),
            ],
          },
        ),
      },
      '/openapi.json': {
        get: op('getOpenApi', 'This document', 'system', 'read', { '200': json({ type: 'object' }, 'The OpenAPI 3.1 document') }),
      },
    },
    components: {
      securitySchemes: {
        bearer: { type: 'http', scheme: 'bearer', description: 'An API key or a JWT; with no key configured, loopback callers need none' },
      },
      schemas: {
        Error: {
          type: 'object',
          required: ['error'],
          properties: { error: { type: 'string' }, field: { type: 'string', description: 'The request part at fault: "query.from", "body.value", "tag.<name>"...' } },
        },
        Tag: {
          type: 'object',
          required: ['device', 'name', 'value', 'quality', 'ts', 'age'],
          properties: {
            device: { type: 'string' },
            name: { type: 'string' },
            value: { type: ['number', 'boolean', 'string', 'null'] },
            quality: { type: 'string', enum: ['good', 'uncertain', 'bad', 'stale'] },
            unit: { type: 'string' },
            ts: { type: 'integer', description: 'epoch ms of the sample' },
            age: { type: 'number', description: 'seconds since ts' },
            source: { type: 'string' },
            error: { type: 'string' },
          },
        },
        WriteAnswer: {
          type: 'object',
          required: ['device', 'outcome', 'tags'],
          properties: {
            device: { type: 'string' },
            outcome: { type: 'string', enum: ['written'] },
            tags: {
              type: 'array',
              items: {
                type: 'object',
                required: ['tag', 'requested', 'written'],
                properties: { tag: { type: 'string' }, requested: {}, written: {}, old: {}, readBack: { type: 'object' } },
              },
            },
            warnings: { type: 'array', items: { type: 'string' } },
          },
        },
        Device: {
          type: 'object',
          required: ['id', 'device'],
          properties: {
            id: { type: 'string' },
            device: { type: 'string' },
            health: { type: 'object' },
            registry: { ...ref('RegistryEntry'), description: 'What the device registry keeps about the device; absent when it is not registered' },
          },
        },
        RegistryEntry: {
          type: 'object',
          description: 'A device of the device registry (never its broker login)',
          required: ['device_id', 'status', 'first_seen'],
          additionalProperties: false,
          properties: {
            device_id: { type: 'string', pattern: DEVICE_ID.source, description: 'Stable id, kept when the device is renamed or moved' },
            status: { type: 'string', enum: [...DEVICE_STATUSES] },
            protocol: { type: 'string', description: 'modbus, can, onewire, system, mqtt...' },
            address: { type: 'string', description: 'Where it is reached: tcp:10.0.0.5:502:1, a serial path, the address an MQTT device connected from' },
            profile: { type: 'string', description: 'The device profile (or template) it is read with' },
            first_seen: { type: 'string', format: 'date-time' },
            last_seen: { type: 'string', format: 'date-time' },
          },
        },
        Alarm: {
          type: 'object',
          required: ['id', 'tag', 'severity', 'state', 'ts'],
          properties: {
            id: { type: 'string' },
            tag: { type: 'string' },
            severity: { type: 'string' },
            state: { type: 'string', enum: ['active', 'acknowledged', 'cleared-unacknowledged', 'cleared'] },
            message: { type: 'string' },
            ts: { type: 'integer' },
            ackedBy: { type: ['string', 'null'] },
          },
        },
        HistoryRow: {
          type: 'object',
          required: ['tag', 'ts', 'value', 'quality'],
          properties: { tag: { type: 'string' }, ts: { type: 'integer' }, value: { type: ['number', 'boolean', 'string', 'null'] }, quality: { type: 'string' }, count: { type: 'integer' } },
        },
        AuditRecord: {
          type: 'object',
          required: ['ts', 'actor', 'device', 'tag', 'ok'],
          properties: {
            ts: { type: 'integer' },
            kind: { type: 'string' },
            actor: { type: 'string' },
            device: { type: 'string' },
            tag: { type: 'string' },
            old: {},
            new: {},
            ok: { type: 'boolean' },
            error: { type: 'string' },
          },
        },
      },
    },
  };
}
