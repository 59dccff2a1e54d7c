// Who may call the operator API: the API's authentication (lib/api/auth) configured from the
// settings' `edgegw.api` block (keys file, JWT issuer, rate limits). With no key and no JWT
// issuer it answers callers on this host (loopback) only, with read and write.
import type { ApiGuard } from '../../lib/api/auth/types';
import { apiGuardFromSettings } from '../../lib/api/auth/settings';
import type { NodeAPI } from '../common/red';
import { auditLogOf } from '../common/settings';

/** The guard one gateway-api node asks; closed with it. Throws ApiSettingsError for a setting it cannot use. */
export function apiGuardOf(RED: NodeAPI): ApiGuard {
  const edgegw = RED.settings.edgegw as { api?: unknown } | undefined;
  return apiGuardFromSettings(edgegw?.api, RED.settings.userDir ?? process.cwd(), { audit: auditLogOf(RED), warn: (message) => RED.log.warn(message) });
}
