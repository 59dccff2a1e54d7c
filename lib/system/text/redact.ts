// Credentials in URLs never leave the process: every URL we report (/health, logs, error
// messages) goes through redactUrl, and log lines from code we do not own (Node-RED's MQTT
// node: "Connection failed to broker: mqtt://user:pw@host") through redactUrlsInText.

export const REDACTED = '***';

/** Query parameters whose values are secrets (compared case-insensitively). */
const SECRET_PARAMS = new Set(['password', 'passwd', 'pwd', 'pass', 'token', 'access_token', 'auth', 'apikey', 'api_key', 'key', 'secret', 'sig', 'signature']);

// scheme://userinfo@ — userinfo is everything up to the last '@' before the host part ends
// (a password may itself hold '@' or ':'). Stops at whitespace, quotes and the path.
const USERINFO = /\b([a-z][a-z0-9+.-]*:\/\/)([^\s/?#@"'<>]*(?:@[^\s/?#@"'<>]*)*)@/gi;
const SECRET_QUERY = /([?&;])([^=&;#\s"'<>]+)=([^&;#\s"'<>]*)/g;

function redactUserinfo(userinfo: string): string {
  const colon = userinfo.indexOf(':');
  // no colon: the whole userinfo may be a token (https://TOKEN@host)
  if (colon < 0) return REDACTED;
  return `${userinfo.slice(0, colon)}:${REDACTED}`;
}

/**
 * The URL with its password (or a bare userinfo token) and secret query values replaced by
 * "***". The user name is kept: it tells an operator which account failed. Text that is not a
 * URL is returned with the same treatment applied wherever a URL appears in it.
 */
export function redactUrl(url: string | undefined): string | undefined {
  if (url === undefined) return undefined;
  return redactUrlsInText(url);
}

/** Every URL inside a free text (a log line, an error message) redacted like redactUrl. */
export function redactUrlsInText(text: string): string {
  if (!text.includes('://')) return text;
  return text
    .replace(USERINFO, (_m, scheme: string, userinfo: string) => `${scheme}${redactUserinfo(userinfo)}@`)
    .replace(SECRET_QUERY, (m, sep: string, name: string, value: string) => (SECRET_PARAMS.has(name.toLowerCase()) && value !== '' ? `${sep}${name}=${REDACTED}` : m));
}
