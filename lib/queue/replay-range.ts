// A replay request (msg.replay = { from, to } on the store-forward node) as a time range. Times are
// epoch ms or ISO text; a missing `to` is now.

export interface ReplayRange {
  from: number;
  to: number;
}

/** A replay request that is not a time range; it quotes what was given. */
export class ReplayRangeError extends Error {
  constructor(readonly given: unknown) {
    super(`msg.replay must be { from, to } with times (epoch ms or ISO text), from <= to; got ${JSON.stringify(given)}`);
    this.name = 'ReplayRangeError';
  }
}

function timeOf(v: unknown): number | undefined {
  if (typeof v === 'number' && Number.isFinite(v)) return v;
  if (typeof v === 'string' && v.trim()) {
    const t = Date.parse(v);
    return Number.isNaN(t) ? undefined : t;
  }
  return undefined;
}

/** The range a replay request asks for; throws ReplayRangeError when it is none. */
export function replayRange(request: unknown, now: number): ReplayRange {
  const r = request as { from?: unknown; to?: unknown } | null | undefined;
  const from = timeOf(r?.from);
  const to = r?.to === undefined ? now : timeOf(r.to);
  if (from === undefined || to === undefined || from > to) throw new ReplayRangeError(request);
  return { from, to };
}
