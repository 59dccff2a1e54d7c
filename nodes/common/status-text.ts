// Node status texts that the editor translates into each user's browser language. Node-RED's own
// nodes send a catalog key as the status text (`node-red:common.status.connected`) and the editor
// looks it up; a key is all the editor understands, so a status with figures ("3 keys ok") is sent
// as the key followed by its arguments, and resources/status-text.js (loaded by each node's
// editor script) looks the key up with them:
//
//   @edgegw/node-red-gateway/watchdog:watchdog.status.ok?count=3
//
// Parts shown side by side are joined by " · ". The namespace is the node set whose catalog holds
// the key; every catalog of ours has the set's name as its top-level key, so it follows from the
// key. Argument values are percent-encoded, and so is "_", because the editor runs the whole text
// through i18next first, which would read "__x__" in a value as a placeholder.

export const MODULE_NAME = '@edgegw/node-red-gateway';

/** What the editor shows of a status argument; longer values are cut (the canvas has no room). */
export const SHOWN_ARG_LENGTH = 60;

export const PART_SEPARATOR = ' · ';

export type StatusArgs = Readonly<Record<string, string | number>>;

/** One translated piece of a status: a catalog key (`<set>.status.<name>`) and its arguments. */
export interface StatusPart {
  readonly key: string;
  readonly args?: StatusArgs;
}

const KEY = /^([a-z][a-z0-9-]*)\.[A-Za-z0-9.]+$/;
const PART = /^@edgegw\/node-red-gateway\/([a-z][a-z0-9-]*):([A-Za-z0-9.-]+)(?:\?(.*))?$/;

export class StatusKeyError extends Error {
  constructor(readonly key: string) {
    super(`status key "${key}" is not <set>.<path> (e.g. watchdog.status.ok)`);
    this.name = 'StatusKeyError';
  }
}

function encodeValue(value: string | number): string {
  const text = String(value);
  const shown = text.length > SHOWN_ARG_LENGTH ? `${text.slice(0, SHOWN_ARG_LENGTH - 1)}…` : text;
  return encodeURIComponent(shown).replace(/_/g, '%5F');
}

function encodePart(part: StatusPart): string {
  const set = KEY.exec(part.key)?.[1];
  if (!set) throw new StatusKeyError(part.key);
  const args = Object.entries(part.args ?? {});
  const query = args.map(([name, value]) => `${encodeURIComponent(name)}=${encodeValue(value)}`).join('&');
  return `${MODULE_NAME}/${set}:${part.key}${query ? `?${query}` : ''}`;
}

/** The status text for these parts (one key, or several shown side by side). */
export function statusText(...parts: readonly StatusPart[]): string {
  return parts.map(encodePart).join(PART_SEPARATOR);
}

/** The parts of a status text made by statusText; undefined for any other text. Arguments come back as text. */
export function parseStatusText(text: string): StatusPart[] | undefined {
  const parts: StatusPart[] = [];
  for (const piece of text.split(PART_SEPARATOR)) {
    const m = PART.exec(piece);
    if (!m || !m[2].startsWith(`${m[1]}.`)) return undefined;
    const args: Record<string, string> = {};
    for (const pair of m[3] ? m[3].split('&') : []) {
      const eq = pair.indexOf('=');
      args[decodeURIComponent(pair.slice(0, eq))] = decodeURIComponent(pair.slice(eq + 1));
    }
    parts.push(m[3] ? { key: m[2], args } : { key: m[2] });
  }
  return parts;
}
