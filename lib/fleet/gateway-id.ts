// The gateway's id: one MQTT topic level (edge-gateway/{gateway_id}/...) and part of Home
// Assistant object ids. The runtime sets it (settings gatewayId, env EDGEGW_GATEWAY_ID for the
// flows); nodes in a plain Node-RED fall back to the host name.
import { hostname } from 'node:os';
import { GATEWAY_ID_SOURCE } from './fields';

export const GATEWAY_ID_PATTERN = new RegExp(GATEWAY_ID_SOURCE);

/**
 * A host name made into an id: lower case, [a-z0-9_-] only (dots, spaces and the MQTT
 * wildcards become '-'), at most 64 characters, "gateway" when nothing usable is left.
 */
export function sanitiseGatewayId(name: string): string {
  const id = name
    .toLowerCase()
    .replace(/[^a-z0-9_-]+/g, '-')
    .replace(/^[-_]+|[-_]+$/g, '')
    .slice(0, 64)
    .replace(/[-_]+$/, '');
  return id || 'gateway';
}

/** A node's configured id, else the runtime's EDGEGW_GATEWAY_ID, else the sanitised host name. */
export function effectiveGatewayId(configured: unknown, env: NodeJS.ProcessEnv = process.env): string {
  const own = typeof configured === 'string' ? configured.trim() : '';
  if (own) {
    if (!GATEWAY_ID_PATTERN.test(own)) throw new Error(`gatewayId: "${own}" is not a gateway id: 1-64 letters, digits, '-' or '_' (one MQTT topic level)`);
    return own;
  }
  const fromEnv = env.EDGEGW_GATEWAY_ID?.trim();
  if (fromEnv && GATEWAY_ID_PATTERN.test(fromEnv)) return fromEnv;
  return sanitiseGatewayId(hostname());
}
