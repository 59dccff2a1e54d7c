// The status cell every destination keeps: the current state plus listeners told of each change.
import type { DestinationState, DestinationStatus } from './destination';

export class DestinationStatusCell {
  private current: DestinationStatus;
  private readonly listeners = new Set<(s: DestinationStatus) => void>();

  constructor(initial: DestinationState, detail?: string) {
    this.current = { state: initial, detail };
  }

  get(): DestinationStatus {
    return this.current;
  }

  /** Records a state; listeners hear only real changes (state or detail). */
  set(state: DestinationState, detail?: string): void {
    if (this.current.state === state && this.current.detail === detail) return;
    this.current = { state, detail };
    for (const listener of [...this.listeners]) {
      // A listener's bug must not break the send path that reported the change.
      try {
        listener(this.current);
      } catch {
        /* ignored on purpose: status listeners are observers */
      }
    }
  }

  subscribe(listener: (s: DestinationStatus) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  clear(): void {
    this.listeners.clear();
  }
}
