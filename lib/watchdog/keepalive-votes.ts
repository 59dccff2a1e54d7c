// Every watchdog node that keeps the machine (hardware device) or the service (systemd) alive
// votes here: a keepalive goes out only while every voter is healthy, so one node whose keys
// went silent stops the keepalive even when another node's keys are fine. One table per
// process, shared through globalThis (see lib/health/registry.ts for why).

export class KeepaliveVotes {
  private readonly votes = new Map<string, boolean>();

  set(voter: string, healthy: boolean): void {
    this.votes.set(voter, healthy);
  }

  remove(voter: string): void {
    this.votes.delete(voter);
  }

  allHealthy(): boolean {
    for (const v of this.votes.values()) if (!v) return false;
    return true;
  }

  /** The voters that are not healthy. */
  unhealthy(): string[] {
    return [...this.votes].filter(([, v]) => !v).map(([k]) => k);
  }

  size(): number {
    return this.votes.size;
  }
}

const KEY = Symbol.for('edgegw.watchdog.votes');

export function keepaliveVotes(): KeepaliveVotes {
  const g = globalThis as unknown as Record<symbol, KeepaliveVotes | undefined>;
  return (g[KEY] ??= new KeepaliveVotes());
}
