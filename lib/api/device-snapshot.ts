// What GET /devices says of one polled device: what its poller, its line and its identity check
// already know (status, last poll, error counts, breaker state, identity), in one object.
import type { LineState } from '../modbus/line/types';
import type { IdentityState } from '../modbus/poller/identity';
import { deviceStatus } from '../modbus/poller/device-status';
import type { PollerStats } from '../modbus/poller/poller';

export interface DeviceFacts {
  unit: number;
  line: { state(): LineState };
  stats: PollerStats;
  /** epoch ms of the latest poll cycle */
  lastPollAt?: number;
  lastError?: string;
  identity?: { snapshot(): IdentityState };
}

export function deviceSnapshot(f: DeviceFacts): Record<string, unknown> {
  let line: LineState | undefined;
  try {
    line = f.line.state();
  } catch {
    line = undefined; // a closed line has no state to report
  }
  const unit = line?.units[f.unit];
  const { tags, good, bad, stale, uncertain, cycles, overruns, requests, failedRequests, splits, requestsPerScan } = f.stats;
  return {
    unit: f.unit,
    status: deviceStatus(line, f.unit, f.stats).key,
    connection: line?.connection ?? 'closed',
    lastPollAt: f.lastPollAt ?? null,
    lastError: f.lastError ?? null,
    tags: { total: tags, good, bad, stale, uncertain },
    polls: { cycles, overruns, requests, failedRequests, splits, requestsPerScan },
    errors: { requests: unit?.errors ?? 0, timeouts: unit?.timeouts ?? 0, lastError: unit?.lastError ?? null },
    breaker: { state: unit?.breaker ?? 'closed', suspendedForMs: unit?.suspendedForMs ?? 0, queued: unit?.queued ?? 0 },
    identity: f.identity ? f.identity.snapshot() : null,
  };
}
