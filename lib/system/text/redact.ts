// Secrets never leave the process: every URL we report (/health, logs, error messages, a
// destination's describe) goes through redactUrl, log lines from code we do not own (Node-RED's
// MQTT node: "Connection failed to broker: mqtt://user:pw@host") through redactUrlsInText, and
// an error text that may echo a known secret (a server quoting the Authorization header back)
// through redactSecrets. Which names hold a secret (query parameters, headers, settings) is
// decided in one place, isSecretKey.

const REDACTED = '***';

/** Words that make a name secret: "X-Api-Key", "access_token", "bearerToken", "password", "sig". */
const SECRET_WORDS = new Set([
  'password',
  'passwd',
  'pwd',
  'pass',
  'passphrase',
  'p',
  'token',
  'bearer',
  'auth',
  'authorization',
  'apikey',
  'key',
  'secret',
  'sig',
  'signature',
  'cookie',
  'credential',
  'credentials',
]);
/** ...and words ending like these ("authtoken", "privatekey", "clientsecret"). */
const SECRET_ENDINGS = ['token', 'key', 'secret', 'password'];

/**
 * Whether the value under `name` (a query parameter, an HTTP header, a setting) is a secret.
 * The name is cut into words at separators and camelCase humps; any secret word makes it secret.
 */
export function isSecretKey(name: string): boolean {
  const words = name
    .replace(/([a-z0-9])([A-Z])/g, '$1 $2')
    .toLowerCase()
    .split(/[^a-z0-9]+/);
  return words.some((w) => SECRET_WORDS.has(w) || SECRET_ENDINGS.some((end) => w.endsWith(end)));
}

export interface UrlRedaction {
  /**
   * 'keep' (default): an operator sees which account failed; 'mask': the user name is hidden too
   * (a destination's describe, which also labels metrics).
   */
  user?: 'keep' | 'mask';
}

// scheme://userinfo@ — userinfo is everything up to the last '@' before the host part ends
// (a password may itself hold '@' or ':'). Stops at whitespace, quotes and the path.
const USERINFO = /\b([a-z][a-z0-9+.-]*:\/\/)([^\s/?#@"'<>]*(?:@[^\s/?#@"'<>]*)*)@/gi;
const QUERY_PARAM = /([?&;])([^=&;#\s"'<>]+)=([^&;#\s"'<>]*)/g;

function redactUserinfo(userinfo: string, user: 'keep' | 'mask'): string {
  const colon = userinfo.indexOf(':');
  // no colon: the whole userinfo may be a token (https://TOKEN@host)
  if (colon < 0) return REDACTED;
  return `${user === 'keep' ? userinfo.slice(0, colon) : REDACTED}:${REDACTED}`;
}

/**
 * The URL with its password (or a bare userinfo token) and secret query values replaced by
 * "***". Text that is not a URL is returned with the same treatment applied wherever a URL
 * appears in it.
 */
export function redactUrl(url: string | URL, options?: UrlRedaction): string;
export function redactUrl(url: string | URL | undefined, options?: UrlRedaction): string | undefined;
export function redactUrl(url: string | URL | undefined, options: UrlRedaction = {}): string | undefined {
  if (url === undefined) return undefined;
  return redactUrlsInText(typeof url === 'string' ? url : url.href, options);
}

/** Every URL inside a free text (a log line, an error message) redacted like redactUrl. */
export function redactUrlsInText(text: string, options: UrlRedaction = {}): string {
  if (!text.includes('://')) return text;
  const user = options.user ?? 'keep';
  return text
    .replace(USERINFO, (_m, scheme: string, userinfo: string) => `${scheme}${redactUserinfo(userinfo, user)}@`)
    .replace(QUERY_PARAM, (m, sep: string, name: string, value: string) => (isSecretKey(name) && value !== '' ? `${sep}${name}=${REDACTED}` : m));
}

/**
 * Replaces every occurrence of each secret in `text` (also URL-encoded and base64, the forms a
 * URL or a Basic Authorization header gives it) with ***. Secrets shorter than 3 characters
 * are masked too: a short password is still a password.
 */
export function redactSecrets(text: string, secrets: readonly (string | undefined)[]): string {
  let out = text;
  for (const secret of secrets) {
    if (!secret) continue;
    for (const form of new Set([secret, encodeURIComponent(secret), Buffer.from(secret).toString('base64')])) {
      out = out.split(form).join(REDACTED);
    }
  }
  return out;
}

/**
 * A copy of a report (a /health entry's detail) with every URL in its texts redacted and every
 * text under a secret-named key replaced: whatever a node puts in its report, no secret is served.
 */
export function redactDeep(value: unknown, depth = 0): unknown {
  if (typeof value === 'string') return redactUrlsInText(value);
  if (!value || typeof value !== 'object' || depth > 8) return value;
  if (Array.isArray(value)) return value.map((v) => redactDeep(v, depth + 1));
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) out[k] = typeof v === 'string' && isSecretKey(k) && v !== '' ? REDACTED : redactDeep(v, depth + 1);
  return out;
}
