// What the dashboard's unit tests share: a directory of fake nodes (a tag store, a boiler that
// takes writes, an alarm node, a queue) and a clock the test moves by hand.
import { ApiDirectory, type ApiTagSource } from '../../../lib/api/directory';
import type { AlarmRecord } from '../../../lib/alarm/engine';
import { WriteValidationError } from '../../../lib/modbus/writes';
import type { ThrottleClock } from '../../../lib/dashboard/throttle';
import type { TagSample } from '../../../lib/tags/contract';

export const NOW = 1_700_000_000_000;
export const sample = (device: string, name: string, value: number, quality: TagSample['quality'] = 'good'): TagSample => ({ device, name, value, quality, ts: NOW, unit: 'degC' });

export function tagStore(samples: TagSample[]): ApiTagSource {
  return {
    id: 'store',
    name: 'tags',
    userDevice: 'user',
    read: (key) => samples.find((s) => `${s.device}/${s.name}` === key),
    readDevice: (device) => samples.filter((s) => s.device === device),
    readPrefix: (prefix) => samples.filter((s) => `${s.device}/${s.name}`.startsWith(prefix)),
    checkUserTag: () => undefined,
    setUserTag: () => {
      throw new Error('no user tags here');
    },
  };
}

export const alarm = (id: string, severity: AlarmRecord['severity'], activeSince: number): AlarmRecord => ({
  id,
  tag: id.split(':')[0],
  rule: 'hi',
  severity,
  state: 'active',
  value: 90,
  limit: 85,
  message: id,
  ts: activeSince,
  ackedBy: null,
  activeSince,
});

/** The boiler, the meter and their nodes; `samples` is the tag store's content, changed in place by a test. */
export function setupDirectory() {
  const directory = new ApiDirectory();
  const samples = [sample('boiler', 'flow_temp', 58.3), sample('boiler', 'return_temp', 47, 'bad'), sample('meter', 'l1_voltage', 230)];
  directory.register('tagStores', tagStore(samples));
  const writes: Array<{ values: Record<string, unknown>; actor: string }> = [];
  directory.register('devices', {
    id: 'dev1',
    device: 'boiler',
    snapshot: () => ({ status: 'polling', connection: 'connected', lastPollAt: NOW - 1000, errors: { requests: 2, timeouts: 1, lastError: null }, breaker: { state: 'closed' } }),
    write: (values, actor) => {
      if (typeof values.setpoint !== 'number' || values.setpoint > 3000) return Promise.reject(new WriteValidationError([{ tag: 'setpoint', reason: 'out of range' }]));
      writes.push({ values: { ...values }, actor });
      return Promise.resolve({ device: 'boiler', outcome: 'written', tags: [{ tag: 'setpoint', requested: values.setpoint, written: values.setpoint, old: 21 }], warnings: [] });
    },
  });
  let active = [alarm('meter/l1_voltage:lo', 'medium', NOW - 5000), alarm('boiler/flow_temp:hi', 'critical', NOW - 1000)];
  const acks: Array<[string, string]> = [];
  directory.register('alarms', {
    id: 'alarm1',
    name: 'alarms',
    activeList: () => active,
    acknowledge: (target, by) => {
      acks.push([target, by]);
      const hit = active.filter((a) => target === 'all' || a.id === target);
      if (!hit.length) throw Object.assign(new Error(`msg.ack: no active alarm '${target}'`), { name: 'AckError' });
      active = active.map((a) => (hit.includes(a) ? { ...a, state: 'acknowledged' as const, ackedBy: by } : a));
      return hit.map((a) => ({ ...a, state: 'acknowledged' as const, ackedBy: by }));
    },
  });
  directory.register('queues', { id: 'q1', name: 'events', snapshot: () => ({ depth: 3, destination: 'connected', oldestAgeS: 2, dropped: 0 }) });
  return { directory, writes, acks, samples };
}

/** A clock the test moves by hand; timers fire as time passes them. */
export class ManualClock implements ThrottleClock {
  constructor(private t = 0) {}
  private timers: Array<{ at: number; fn: () => void; id: number }> = [];
  private next = 1;
  now = () => this.t;
  setTimeout = (fn: () => void, ms: number) => {
    const id = this.next++;
    this.timers.push({ at: this.t + ms, fn, id });
    return id;
  };
  clearTimeout = (id: unknown) => {
    this.timers = this.timers.filter((x) => x.id !== id);
  };
  advance(ms: number): void {
    const end = this.t + ms;
    for (;;) {
      const due = this.timers.filter((x) => x.at <= end).sort((a, b) => a.at - b.at)[0];
      if (!due) break;
      this.timers = this.timers.filter((x) => x !== due);
      this.t = due.at;
      due.fn();
    }
    this.t = end;
  }
  get pending(): number {
    return this.timers.length;
  }
}
