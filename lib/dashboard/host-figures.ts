// The host's figures for the overview, read where the heartbeat reads them: the latest scan of a
// running system-tags node (the default flows have one), so the host is measured once per
// process. Only when none runs (a palette install) or the feed names a disk of its own does it
// measure the host itself, with a sampler opened on first need and released on close.
import { latestSystemSamples } from '../system/host/latest-samples';
import { SystemTagSampler } from '../system/host/system-tags';
import type { TagSample } from '../tags/contract';

/** What measures the host when no system-tags scan is current. */
export interface OwnHostSampler {
  sample(): Promise<TagSample[]>;
  close(): void;
}

export interface HostFiguresOptions {
  /** the file system whose disk usage is shown */
  diskPath: string;
  /** a disk of the feed's own: system-tags reads the user directory's, so the feed measures */
  ownDisk: boolean;
  /** injected in tests; the process's latest system-tags scan otherwise */
  shared?: () => readonly TagSample[] | undefined;
  /** injected in tests; a SystemTagSampler otherwise */
  openSampler?: (diskPath: string) => OwnHostSampler;
}

export type HostFiguresSource = 'system-tags' | 'own';

export class HostFigures {
  private own: OwnHostSampler | undefined;
  private closed = false;
  /** where the last reading came from */
  source: HostFiguresSource | undefined;

  constructor(private readonly opts: HostFiguresOptions) {}

  async read(): Promise<readonly TagSample[]> {
    const shared = this.opts.ownDisk ? undefined : (this.opts.shared ?? latestSystemSamples)();
    if (shared?.length) {
      this.source = 'system-tags';
      return shared;
    }
    if (this.closed) return [];
    this.own ??= (this.opts.openSampler ?? ((diskPath) => new SystemTagSampler({ device: 'gateway', diskPath })))(this.opts.diskPath);
    this.source = 'own';
    return this.own.sample();
  }

  /** Releases the own sampler (its event-loop delay monitor), if one was opened. */
  close(): void {
    this.closed = true;
    this.own?.close();
    this.own = undefined;
  }
}
