// What a forward-target config node offers its client nodes, and how its editor settings and
// credentials become the settings of lib/forward/create.ts (under the validators' field names).
import type { Node, NodeDef } from '../common/red';
import type { Destination } from '../../lib/forward/destination';
import { mqttSetting, type MqttDestinationOptions } from '../../lib/forward/mqtt';
import type { DestinationSettings } from '../../lib/forward/create';
import { textOf } from '../../lib/system/text/text-of';
import { redactUrl } from '../../lib/system/text/redact';

export interface ForwardTargetNode extends Node {
  /** a new Destination for the client node `clientId`; throws the configuration error */
  destination(clientId: string): Destination;
  /** e.g. mqtt://127.0.0.1:1883, credentials redacted */
  describe: string;
  configError?: string;
}

/** The credentials the editor keeps for a forward-target (whichever the type uses). */
export type TargetCredentials = Record<string, string | undefined>;

/** '' (an empty editor field) means "the destination's default" */
const given = (v: unknown) => (v === '' || v === null ? undefined : v);
const text = (v: unknown) => (typeof v === 'string' ? v.trim() || undefined : given(v));
const secret = (credentials: TargetCredentials, key: string) => credentials[key] || undefined;

function mqttOptionsFromSettings(def: NodeDef, credentials: TargetCredentials = {}): MqttDestinationOptions {
  const useTls = def.usetls === true || def.usetls === 'true';
  return {
    url: textOf(def.url ?? '').trim(),
    clientId: textOf(def.clientId ?? '').trim() || 'edgegw',
    qos: mqttSetting('qos', def.qos) as 1 | 2,
    protocolVersion: mqttSetting('protocolVersion', def.protocolVersion) as 4 | 5,
    topic: textOf(def.topic ?? ''),
    retain: mqttSetting('retain', def.retain),
    publish: mqttSetting('publish', def.publish),
    maxInFlight: mqttSetting('maxInFlight', def.maxInFlight),
    maxBatch: mqttSetting('maxBatch', def.maxBatch),
    keepaliveS: mqttSetting('keepaliveS', def.keepaliveS),
    username: secret(credentials, 'user'),
    password: secret(credentials, 'password'),
    tls: useTls
      ? {
          ca: (def.ca as string) || undefined,
          cert: (def.cert as string) || undefined,
          key: secret(credentials, 'key'),
          servername: (def.servername as string) || undefined,
          rejectUnauthorized: def.rejectUnauthorized !== false && def.rejectUnauthorized !== 'false',
        }
      : undefined,
  };
}

/** Settings every HTTP-based destination (http, influxdb) shares. */
function httpCommon(def: NodeDef): DestinationSettings {
  return {
    url: text(def.url),
    timeoutMs: given(def.timeoutMs),
    maxBatch: given(def.maxBatch),
    maxInFlight: given(def.maxInFlight),
    rejectUnauthorized: given(def.rejectUnauthorized),
    ca: text(def.ca),
  };
}

/**
 * The settings of the forward-target's type (`def.kind`) for createDestination/destinationFactory.
 * Credentials: `user`/`password` (http Basic auth, influxdb v1, postgres), `bearerToken` (http),
 * `token` (influxdb v2), `key` (mqtt TLS client key).
 */
export function destinationSettings(kind: string, def: NodeDef, credentials: TargetCredentials = {}): DestinationSettings {
  switch (kind) {
    case 'http':
      return {
        ...httpCommon(def),
        method: given(def.method),
        batching: given(def.batching),
        content: given(def.content),
        headers: text(def.headers),
        retryStatuses: text(def.retryStatuses),
        username: secret(credentials, 'user'),
        password: secret(credentials, 'password'),
        bearerToken: secret(credentials, 'bearerToken'),
      };
    case 'influxdb':
      return {
        ...httpCommon(def),
        version: given(def.influxVersion),
        database: text(def.database),
        retentionPolicy: text(def.retentionPolicy),
        org: text(def.org),
        bucket: text(def.bucket),
        valueFields: given(def.valueFields),
        nonTagMessages: given(def.nonTagMessages),
        fallbackMeasurement: text(def.fallbackMeasurement),
        username: secret(credentials, 'user'),
        password: secret(credentials, 'password'),
        token: secret(credentials, 'token'),
      };
    case 'postgres':
      return {
        host: text(def.host),
        port: given(def.port),
        database: text(def.database),
        user: secret(credentials, 'user'),
        password: secret(credentials, 'password'),
        ssl: given(def.usetls),
        sslRejectUnauthorized: given(def.rejectUnauthorized),
        table: text(def.table),
        createTable: given(def.createTable),
        timeoutMs: given(def.timeoutMs),
        maxBatch: given(def.maxBatch),
        maxInFlight: given(def.maxInFlight),
      };
    default:
      return mqttOptionsFromSettings(def, credentials) as unknown as DestinationSettings;
  }
}

/** For the description of a target whose configuration is wrong (shown in status and /health: redacted). */
export function targetAddress(kind: string, def: NodeDef): string {
  if (kind === 'postgres') return `postgres://${textOf(def.host || '127.0.0.1')}:${textOf(def.port || 5432)}/${textOf(def.database || '')}`;
  return redactUrl(textOf(def.url ?? kind));
}
