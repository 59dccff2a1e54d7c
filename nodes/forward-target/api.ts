// What a forward-target config node offers its client nodes, and how its settings become options.
import type { Node, NodeDef } from '../common/red';
import type { Destination } from '../../lib/forward/destination';
import type { MqttDestinationOptions } from '../../lib/forward/mqtt';

export interface ForwardTargetNode extends Node {
  /** a new Destination for the client node `clientId`; throws the configuration error */
  destination(clientId: string): Destination;
  /** e.g. mqtt://127.0.0.1:1883, credentials redacted */
  describe: string;
  configError?: string;
}

export const TARGET_TYPES = ['mqtt'] as const;

export function mqttOptionsFromSettings(def: NodeDef, credentials: Record<string, string | undefined> = {}): MqttDestinationOptions {
  const num = (v: unknown) => (v === '' || v === undefined || v === null ? undefined : Number(v));
  const useTls = def.usetls === true || def.usetls === 'true';
  return {
    url: String(def.url ?? '').trim(),
    qos: (num(def.qos) ?? 1) as 1 | 2,
    protocolVersion: (num(def.protocolVersion) ?? 5) as 4 | 5,
    topic: String(def.topic ?? ''),
    retain: def.retain === true || def.retain === 'true',
    publish: def.publish === 'message' ? 'message' : 'payload',
    maxInFlight: num(def.maxInFlight),
    maxBatch: num(def.maxBatch),
    keepaliveS: num(def.keepaliveS),
    username: credentials.user || undefined,
    password: credentials.password || undefined,
    tls: useTls
      ? {
          ca: (def.ca as string) || undefined,
          cert: (def.cert as string) || undefined,
          key: credentials.key || undefined,
          servername: (def.servername as string) || undefined,
          rejectUnauthorized: def.rejectUnauthorized !== false && def.rejectUnauthorized !== 'false',
        }
      : undefined,
  };
}

