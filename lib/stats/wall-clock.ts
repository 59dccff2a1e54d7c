// Window boundaries on the wall clock of an IANA time zone, through Intl (no tz database of our
// own). A day runs from local midnight to the next local midnight: 23 or 25 hours on a daylight
// saving change. Shorter windows (a length that divides 24 h: a minute, 15 minutes, an hour) start
// at local midnight and follow each other every `length` ms of real time, so an hourly window
// starts on the local hour also in zones half an hour off UTC (Asia/Kolkata); the last window of a
// day ends at the next midnight.

export const DAY_MS = 86_400_000;

export class TimeZoneError extends Error {
  constructor(readonly timeZone: string) {
    super(`timeZone: "${timeZone}" is not an IANA time zone this Node.js knows (e.g. "UTC", "Europe/Berlin")`);
    this.name = 'TimeZoneError';
  }
}

const formats = new Map<string, Intl.DateTimeFormat>();

function formatFor(timeZone: string): Intl.DateTimeFormat {
  let f = formats.get(timeZone);
  if (!f) {
    try {
      f = new Intl.DateTimeFormat('en-US', {
        timeZone,
        hourCycle: 'h23',
        year: 'numeric',
        month: 'numeric',
        day: 'numeric',
        hour: 'numeric',
        minute: 'numeric',
        second: 'numeric',
      });
    } catch {
      throw new TimeZoneError(timeZone);
    }
    formats.set(timeZone, f);
  }
  return f;
}

export function checkTimeZone(timeZone: string): void {
  formatFor(timeZone);
}

export interface LocalTime {
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
  second: number;
}

export function localTime(ts: number, timeZone: string): LocalTime {
  const parts = formatFor(timeZone).formatToParts(new Date(ts));
  const get = (type: string) => Number(parts.find((p) => p.type === type)?.value);
  return { year: get('year'), month: get('month'), day: get('day'), hour: get('hour'), minute: get('minute'), second: get('second') };
}

/** ms to add to UTC to get the local wall time at instant ts. */
export function offsetAt(ts: number, timeZone: string): number {
  const t = localTime(ts, timeZone);
  const wall = Date.UTC(t.year, t.month - 1, t.day, t.hour, t.minute, t.second);
  return wall - (ts - (((ts % 1000) + 1000) % 1000));
}

/** The instant of local midnight starting the local day that contains ts. */
export function localMidnight(ts: number, timeZone: string): number {
  const t = localTime(ts, timeZone);
  const wall = Date.UTC(t.year, t.month - 1, t.day);
  let m = wall - offsetAt(wall, timeZone);
  m = wall - offsetAt(m, timeZone);
  // a zone that skips midnight itself (DST at 00:00) starts its day at the first instant after
  if (m > ts) m = wall - offsetAt(m - 1, timeZone);
  return m;
}

export interface Span {
  start: number;
  end: number;
}

/**
 * The window of `lengthMs` containing ts: aligned to local midnight in `timeZone` (lengthMs must
 * divide a day, or be a day), or, without a zone, to multiples of lengthMs since the epoch.
 */
export function alignedSpan(ts: number, lengthMs: number, timeZone: string | undefined): Span {
  if (!timeZone) {
    const start = Math.floor(ts / lengthMs) * lengthMs;
    return { start, end: start + lengthMs };
  }
  const midnight = localMidnight(ts, timeZone);
  const next = localMidnight(midnight + 26 * 3_600_000, timeZone);
  if (lengthMs >= DAY_MS) return { start: midnight, end: next };
  const start = midnight + Math.floor((ts - midnight) / lengthMs) * lengthMs;
  return { start, end: Math.min(start + lengthMs, next) };
}

/** "2026-03-29T02:00:00+02:00": ISO 8601 local time with its offset (CSV cells, file names). */
export function isoLocal(ts: number, timeZone: string): string {
  const off = offsetAt(ts, timeZone);
  const d = new Date(ts + off);
  const sign = off < 0 ? '-' : '+';
  const a = Math.abs(off) / 60000;
  const hh = String(Math.floor(a / 60)).padStart(2, '0');
  const mm = String(a % 60).padStart(2, '0');
  const ms = d.getUTCMilliseconds();
  const base = d.toISOString().slice(0, ms ? 23 : 19);
  return `${base}${sign}${hh}:${mm}`;
}
