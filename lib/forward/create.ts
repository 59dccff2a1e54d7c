// Which Destination a forward-target's type makes. The settings are validated once, at deploy, so a
// bad field is reported before anything is queued; each client (store-forward node) then gets a
// Destination of its own, so every queue keeps its own connection, order and acks.
import type { Destination } from './destination';
import { HttpDestination, parseHttpDestinationConfig } from './http';
import { InfluxDestination, parseInfluxDestinationConfig } from './influxdb';
import { MqttDestination, type MqttDestinationOptions } from './mqtt';
import { PostgresDestination, parsePostgresDestinationConfig } from './postgres';
import { DESTINATION_TYPES } from './fields';

export { DESTINATION_TYPES };
export type DestinationType = (typeof DESTINATION_TYPES)[number];

/** The forward-target's type is none of DESTINATION_TYPES. */
export class UnknownDestinationTypeError extends Error {
  readonly field = 'kind';
  constructor(readonly kind: string) {
    super(`kind: type "${kind}" is not available (available: ${DESTINATION_TYPES.join(', ')})`);
    this.name = 'UnknownDestinationTypeError';
  }
}

/**
 * The settings of one type, already under the validators' names:
 * - mqtt: MqttDestinationOptions, `clientId` being the base each client's id is made from;
 * - http / influxdb / postgres: what parseHttp/Influx/PostgresDestinationConfig take, credentials included.
 */
export type DestinationSettings = Record<string, unknown>;

export interface DestinationFactory {
  readonly type: DestinationType;
  /** e.g. "POST http://127.0.0.1:8080/in", credentials redacted */
  readonly describe: string;
  /** a new Destination for the client `clientId` (connects nothing until started) */
  create(clientId: string): Destination;
}

function isDestinationType(kind: string): kind is DestinationType {
  return (DESTINATION_TYPES as readonly string[]).includes(kind);
}

function makerFor(kind: DestinationType, settings: DestinationSettings): (clientId: string) => Destination {
  switch (kind) {
    case 'mqtt': {
      const options = settings as unknown as MqttDestinationOptions;
      const base = String(options.clientId ?? '').trim() || 'edgegw';
      // MQTT 3.1.1 brokers may refuse client ids longer than 23..64 characters; 64 is what most take.
      return (clientId) => new MqttDestination({ ...options, clientId: `${base}-${clientId}`.slice(0, 64) });
    }
    // Parsed per client: options hold URL objects, which no two destinations should share.
    case 'http':
      return () => new HttpDestination(parseHttpDestinationConfig(settings));
    case 'influxdb':
      return () => new InfluxDestination(parseInfluxDestinationConfig(settings));
    case 'postgres':
      return () => new PostgresDestination(parsePostgresDestinationConfig(settings));
  }
}

/**
 * Validates `settings` for `kind` now (throws DestinationConfigError, MqttDestinationConfigError or
 * UnknownDestinationTypeError, each naming the field) and returns the factory of its destinations.
 */
export function destinationFactory(kind: string, settings: DestinationSettings): DestinationFactory {
  if (!isDestinationType(kind)) throw new UnknownDestinationTypeError(kind);
  const make = makerFor(kind, settings);
  // A probe validates every field and gives the description; no destination connects before start().
  const probe = make('probe');
  const describe = probe.describe;
  void probe.close().catch(() => undefined);
  return { type: kind, describe, create: make };
}

/** One destination of type `kind` for the client `clientId` (default "edgegw"). */
export function createDestination(kind: string, settings: DestinationSettings, clientId = 'edgegw'): Destination {
  return destinationFactory(kind, settings).create(clientId);
}
