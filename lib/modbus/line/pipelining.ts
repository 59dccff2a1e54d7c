// `maxInFlight: 'auto'`: whether a Modbus TCP device gains from pipelined requests, measured on
// the connection itself right after it opens.
//
// Why measure: a device that sets TCP_NODELAY answers pipelined requests at once, and 4 in
// flight beat one at a time. A device whose TCP stack leaves Nagle on (libmodbus servers,
// many embedded stacks) holds every answer after the first of a burst until the first is
// acknowledged, and the client acknowledges late (delayed ACK, 40 ms on Linux) when it has
// nothing to send: the end of every pipelined scan stalls and pipelining falls to a few % of
// one at a time. Nothing in the protocol tells the two apart; the round trips do.
//
// The probe repeats one read the line's users asked for (reads have no side effect; an
// exception answer times the round trip as well): a few single requests one after another,
// then rounds of a burst of `burst` requests sent together (timed until its last answer) and
// one single, until the bursts stalled clearly more than the singles or enough went through.
import { performance } from 'node:perf_hooks';
import { ModbusExceptionError } from '../errors';
import type { ModbusConnection, TransportRequest } from '../transport/transport';
import type { PipeliningChoice } from './types';

export type { PipeliningChoice, PipeliningMode } from './types';

/**
 * Probe sizes: warm-up singles (not timed), timed singles, then rounds of one burst and one
 * single, at most `rounds`. The stall does not come at every burst: Linux acknowledges at once
 * while in quick-ACK mode (a new connection, after an idle gap) and delays its ACKs again only
 * after a while; on loopback against libmodbus the first stall came between the 3rd and the
 * 31st burst, then one burst in 4 to 15.
 */
export const PROBE = { warmup: 3, singles: 8, rounds: 100, evidence: 4, budgetMs: 2000 } as const;

/**
 * A request or burst counts as held when it took more than WORSE_FACTOR times its requests one
 * after another plus STALL_MS: a delayed-ACK timer (40 ms at least on Linux, 200 ms elsewhere)
 * is above that, and a device far enough away that its round trips dwarf the stall still gains
 * from pipelining. A loaded host holds requests too (a peer process waiting for a CPU), singles
 * as much as bursts, while Nagle holds bursts only: the singles of the same rounds count
 * against the bursts' stalls.
 */
const WORSE_FACTOR = 2;
const STALL_MS = 20;

/**
 * Nagle is told when the bursts' stalls exceed by `evidence` what the singles' stalls predict: a
 * burst wakes the device `burst` times, so a loaded host holds it that much more often (at a load
 * of 11 on 2 cores, 2 bursts in 84 against a TCP_NODELAY peer, no single).
 */
function nagleEvidence(burstStalls: number, singleStalls: number, burst: number): number {
  return burstStalls - burst * singleStalls;
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const ms = (v: number): string => (v >= 10 ? v.toFixed(0) : v >= 1 ? v.toFixed(1) : v.toFixed(2));

export function measuringChoice(): PipeliningChoice {
  return { mode: 'measuring', maxInFlight: 1, text: 'measuring whether the device takes pipelined requests' };
}

export function failedChoice(error: string): PipeliningChoice {
  return { mode: 'one-at-a-time', maxInFlight: 1, reason: 'probe-failed', error, text: `one at a time: the pipelining probe failed (${error})` };
}

/** Whether `count` requests (1, or a burst sent together) that took `tookMs` were held back (see STALL_MS). */
export function isStall(tookMs: number, singleRttMs: number, count: number): boolean {
  return tookMs > WORSE_FACTOR * count * singleRttMs + STALL_MS;
}

/**
 * The choice from timed singles and bursts (ms; `roundSinglesMs`: the singles timed between the
 * bursts): pipelined unless bursts stall well beyond what holds singles (Nagle on the device's side).
 */
export function choosePipelining(singlesMs: number[], burstsMs: number[], burst: number, roundSinglesMs: number[] = []): PipeliningChoice {
  const singleRttMs = median(singlesMs);
  const stalled = burstsMs.filter((b) => isStall(b, singleRttMs, burst));
  const singleStalls = roundSinglesMs.filter((t) => isStall(t, singleRttMs, 1)).length;
  if (nagleEvidence(stalled.length, singleStalls, burst) >= PROBE.evidence) {
    const burstMs = median(stalled);
    return {
      mode: 'one-at-a-time',
      maxInFlight: 1,
      singleRttMs,
      burstMs,
      burst,
      reason: 'nagle',
      text: `one at a time: the device delays pipelined answers (Nagle): ${stalled.length} of ${burstsMs.length} bursts of ${burst} waited ${ms(burstMs)} ms, one request ${ms(singleRttMs)} ms`,
    };
  }
  return { mode: 'pipelined', maxInFlight: burst, singleRttMs, burstMs: median(burstsMs), burst, text: `pipelined ×${burst}, measured ${ms(singleRttMs)} ms RTT` };
}

/** One request on the connection; resolves with its round trip in ms, rejects on anything but an answer or an exception answer. */
function timed(conn: ModbusConnection, req: TransportRequest, timeoutMs: number): Promise<number> {
  const t0 = performance.now();
  return new Promise((resolve, reject) => {
    conn.send({ ...req }, timeoutMs, (_r, err) => {
      if (err && !(err instanceof ModbusExceptionError)) reject(err);
      else resolve(performance.now() - t0);
    });
  });
}

/**
 * Measures `conn` with copies of `template` (a read) and chooses. Nothing else may be in flight
 * on the connection meanwhile. Rejects with the first request's error that was not an answer
 * (timeout, connection lost, malformed frame).
 */
export async function probePipelining(conn: ModbusConnection, template: TransportRequest, burst: number, timeoutMs: number): Promise<PipeliningChoice> {
  for (let i = 0; i < PROBE.warmup; i++) await timed(conn, template, timeoutMs);
  const singles: number[] = [];
  for (let i = 0; i < PROBE.singles; i++) singles.push(await timed(conn, template, timeoutMs));
  const singleRttMs = median(singles);
  const bursts: number[] = [];
  const roundSingles: number[] = [];
  let burstStalls = 0;
  let singleStalls = 0;
  let spent = 0;
  // stops once Nagle is told (decided) or at the end of the rounds or of the budget (a slow device)
  while (bursts.length < PROBE.rounds && nagleEvidence(burstStalls, singleStalls, burst) < PROBE.evidence && spent < PROBE.budgetMs) {
    const t0 = performance.now();
    // every request of the burst settles before the probe goes on: nothing of it stays on the wire
    const settled = await Promise.allSettled(Array.from({ length: burst }, () => timed(conn, template, timeoutMs)));
    const failed = settled.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (failed) throw failed.reason;
    const took = performance.now() - t0;
    bursts.push(took);
    if (isStall(took, singleRttMs, burst)) burstStalls++;
    const single = await timed(conn, template, timeoutMs);
    roundSingles.push(single);
    if (isStall(single, singleRttMs, 1)) singleStalls++;
    spent += took + single;
  }
  return choosePipelining(singles, bursts, burst, roundSingles);
}
